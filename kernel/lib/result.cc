#include "kernel/lib/result.h"

namespace rivet {

const char* error_name(Error e) {
  switch (e) {
    case Error::None: return "OK";
#define RIVET_ERROR_NAME_USER(name, number, errno_name, text) \
  case Error::name: return #errno_name;
#define RIVET_ERROR_NAME_KERNEL(name, number, log_name, user) \
  case Error::name: return log_name;
    RIVET_USER_ERRORS(RIVET_ERROR_NAME_USER)
    RIVET_KERNEL_ERRORS(RIVET_ERROR_NAME_KERNEL)
#undef RIVET_ERROR_NAME_USER
#undef RIVET_ERROR_NAME_KERNEL
  }
  return "E?";
}

int32_t user_errno(Error e) {
  switch (e) {
#define RIVET_ERROR_USER_OF(name, number, log_name, user) \
  case Error::name: return static_cast<int32_t>(Error::user);
    RIVET_KERNEL_ERRORS(RIVET_ERROR_USER_OF)
#undef RIVET_ERROR_USER_OF
    default: break;
  }
  int32_t n = static_cast<int32_t>(e);
  // Only the listed user errors reach errno as themselves.
  return n > 0 && n < kFirstKernelOnlyError ? n : static_cast<int32_t>(Error::Io);
}

}  // namespace rivet

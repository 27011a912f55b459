#include "kernel/lib/result.h"

namespace rivet {

const char* error_name(Error e) {
  switch (e) {
    case Error::None: return "OK";
    case Error::NotPermitted: return "EPERM";
    case Error::NotFound: return "ENOENT";
    case Error::NoProcess: return "ESRCH";
    case Error::Interrupted: return "EINTR";
    case Error::Io: return "EIO";
    case Error::TooBig: return "E2BIG";
    case Error::BadExec: return "ENOEXEC";
    case Error::BadFd: return "EBADF";
    case Error::NoChild: return "ECHILD";
    case Error::Again: return "EAGAIN";
    case Error::NoMemory: return "ENOMEM";
    case Error::AccessDenied: return "EACCES";
    case Error::Fault: return "EFAULT";
    case Error::Busy: return "EBUSY";
    case Error::Exists: return "EEXIST";
    case Error::CrossDevice: return "EXDEV";
    case Error::NoDevice: return "ENODEV";
    case Error::TextBusy: return "ETXTBSY";
    case Error::NotDirectory: return "ENOTDIR";
    case Error::IsDirectory: return "EISDIR";
    case Error::Invalid: return "EINVAL";
    case Error::TooManyFilesSystem: return "ENFILE";
    case Error::TooManyFiles: return "EMFILE";
    case Error::NotTty: return "ENOTTY";
    case Error::FileTooBig: return "EFBIG";
    case Error::NoSpace: return "ENOSPC";
    case Error::IllegalSeek: return "ESPIPE";
    case Error::ReadOnly: return "EROFS";
    case Error::TooManyLinks: return "EMLINK";
    case Error::BrokenPipe: return "EPIPE";
    case Error::Range: return "ERANGE";
    case Error::NameTooLong: return "ENAMETOOLONG";
    case Error::NotImplemented: return "ENOSYS";
    case Error::NotEmpty: return "ENOTEMPTY";
    case Error::Overflow: return "EOVERFLOW";
    case Error::TimedOut: return "ETIMEDOUT";
    case Error::Malformed: return "EMALFORMED";
    case Error::NotSupported: return "ENOTSUP";
  }
  return "E?";
}

int32_t user_errno(Error e) {
  switch (e) {
    case Error::Malformed: return static_cast<int32_t>(Error::Io);
    case Error::NotSupported: return static_cast<int32_t>(Error::NotImplemented);
    default: break;
  }
  int32_t n = static_cast<int32_t>(e);
  // A kernel-only error added later and not mapped above still must not
  // reach errno as a number the user library does not know.
  return n > 0 && n < kFirstKernelOnlyError ? n : static_cast<int32_t>(Error::Io);
}

}  // namespace rivet

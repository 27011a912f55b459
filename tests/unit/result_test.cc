// The errors a user program can see: every Error the kernel has reaches
// errno as a value kernel/sys/abi.h defines, never a kernel-only code
// (Malformed 200, NotSupported 201).
#include <gtest/gtest.h>

#include "kernel/lib/result.h"

namespace rivet {
namespace {

// Proves every error value from 1 to 255 maps to a POSIX-range errno, and the known kernel-only ones to EIO and ENOSYS.
TEST(UserErrno, KernelOnlyErrorsBecomeUserErrors) {
  EXPECT_EQ(user_errno(Error::Malformed), 5);      // EIO
  EXPECT_EQ(user_errno(Error::NotSupported), 38);  // ENOSYS
  for (int32_t n = 1; n < 256; n++) {
    int32_t e = user_errno(static_cast<Error>(n));
    EXPECT_GT(e, 0) << n;
    EXPECT_LT(e, kFirstKernelOnlyError) << n;
  }
}

// Proves the POSIX-numbered errors keep their own values.
TEST(UserErrno, PosixErrorsAreUnchanged) {
  for (Error e : {Error::NotPermitted, Error::NotFound, Error::Io, Error::NoMemory, Error::Invalid,
                  Error::NotImplemented, Error::Overflow, Error::TimedOut})
    EXPECT_EQ(user_errno(e), static_cast<int32_t>(e));
}

}  // namespace
}  // namespace rivet

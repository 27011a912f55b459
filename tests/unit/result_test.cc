// The errors a user program can see: every Error the kernel has reaches
// errno as a value kernel/sys/abi.h defines, never a kernel-only code
// (Malformed 200, NotSupported 201).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

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

// Proves every user error of the list keeps its own number as errno, has its
// errno name for logs, and no two errors share a number.
TEST(ErrorList, EveryUserErrorReachesErrnoAsItself) {
  std::set<int32_t> seen;
#define CHECK_ROW(name, number, errno_name, text)                         \
  EXPECT_EQ(user_errno(Error::name), number) << #name;                   \
  EXPECT_STREQ(error_name(Error::name), #errno_name);                    \
  EXPECT_TRUE(seen.insert(number).second) << #name << " reuses " << number;
  RIVET_USER_ERRORS(CHECK_ROW)
#undef CHECK_ROW
#define CHECK_KERNEL_ROW(name, number, log_name, user)                                 \
  EXPECT_GE(number, kFirstKernelOnlyError) << #name;                                  \
  EXPECT_EQ(user_errno(Error::name), static_cast<int32_t>(Error::user)) << #name;     \
  EXPECT_STREQ(error_name(Error::name), log_name);                                    \
  EXPECT_TRUE(seen.insert(number).second) << #name << " reuses " << number;
  RIVET_KERNEL_ERRORS(CHECK_KERNEL_ROW)
#undef CHECK_KERNEL_ROW
}

// Proves kernel/sys/abi.h #defines no errno name the list lacks (the kernel's
// build checks the other direction: each listed name equals its number).
TEST(ErrorList, AbiHeaderDefinesOnlyListedErrnos) {
  std::set<std::string> listed;
#define NAME_ROW(name, number, errno_name, text) listed.insert(#errno_name);
  RIVET_USER_ERRORS(NAME_ROW)
#undef NAME_ROW
  std::ifstream abi(RIVET_TEST_DATA "/../../kernel/sys/abi.h");
  ASSERT_TRUE(abi.good());
  // Lines "#define ENAME <digits>".
  const std::string prefix = "#define E";
  std::string line;
  int defined = 0;
  while (std::getline(abi, line)) {
    if (line.compare(0, prefix.size(), prefix) != 0) continue;
    size_t name_end = line.find(' ', prefix.size());
    if (name_end == std::string::npos || name_end + 1 >= line.size() || line[name_end + 1] < '0' ||
        line[name_end + 1] > '9')
      continue;
    std::string name = line.substr(sizeof "#define " - 1, name_end - (sizeof "#define " - 1));
    defined++;
    EXPECT_TRUE(listed.count(name)) << name << " is in abi.h but not in kernel/lib/error_list.h";
  }
  EXPECT_EQ(defined, static_cast<int>(listed.size()));
}

}  // namespace
}  // namespace rivet

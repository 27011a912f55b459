// The Files system calls (kernel/sys/sys_file.cc) for the unit tests,
// behind plain signatures: test files cannot include kernel/sys/abi.h or
// syscalls.h (abi.h's struct stat clashes with the C library's, which
// GoogleTest includes). Each returns the call's value, or -errno.
#pragma once

#include <stdint.h>

namespace rivet::host::sys {

// abi.h's open flags and struct stat (fs_sys_shim.cc checks they agree).
inline constexpr int kRdOnly = 0x000, kWrOnly = 0x001, kRdWr = 0x002;
inline constexpr int kCreate = 0x200, kTrunc = 0x400, kAppend = 0x800;
inline constexpr int kNoFile = 16, kMaxPath = 128, kConsole = 1;
struct Stat {
  int dev;
  unsigned int ino;
  short type;
  short nlink;
  uint64_t size;
};

long pipe(uint64_t fds);
long read(int fd, uint64_t buffer, int n);
long write(int fd, uint64_t buffer, int n);
long close(int fd);
long fstat(int fd, uint64_t st);
long open(uint64_t path, int flags);
long mknod(uint64_t path, int major, int minor);
long unlink(uint64_t path);
long link(uint64_t existing, uint64_t created);
long mkdir(uint64_t path);
long chdir(uint64_t path);
long dup(int fd);

}  // namespace rivet::host::sys

#include "tests/unit/fs_sys_shim.h"

#include <stddef.h>

#include "kernel/sys/syscalls.h"

namespace rivet::host::sys {

static_assert(kRdOnly == O_RDONLY && kWrOnly == O_WRONLY && kRdWr == O_RDWR);
static_assert(kCreate == O_CREATE && kTrunc == O_TRUNC && kAppend == O_APPEND);
static_assert(kNoFile == NOFILE && kMaxPath == MAXPATH && kConsole == CONSOLE);
static_assert(sizeof(Stat) == sizeof(struct stat) && offsetof(Stat, size) == offsetof(struct stat, size) &&
              offsetof(Stat, type) == offsetof(struct stat, type));

namespace {
long value(const Result<long>& r) { return r.ok() ? r.value() : -static_cast<long>(r.error()); }
}  // namespace

long pipe(uint64_t fds) { return value(rivet::sys::sys_pipe(UserOut<int>(fds))); }
long read(int fd, uint64_t buffer, int n) { return value(rivet::sys::sys_read(fd, UserOut<char>(buffer), n)); }
long write(int fd, uint64_t buffer, int n) { return value(rivet::sys::sys_write(fd, UserIn<char>(buffer), n)); }
long close(int fd) { return value(rivet::sys::sys_close(fd)); }
long fstat(int fd, uint64_t st) { return value(rivet::sys::sys_fstat(fd, UserOut<struct stat>(st))); }
long open(uint64_t path, int flags) { return value(rivet::sys::sys_open(UserIn<char>(path), flags)); }
long mknod(uint64_t path, int major, int minor) {
  return value(rivet::sys::sys_mknod(UserIn<char>(path), major, minor));
}
long unlink(uint64_t path) { return value(rivet::sys::sys_unlink(UserIn<char>(path))); }
long link(uint64_t existing, uint64_t created) {
  return value(rivet::sys::sys_link(UserIn<char>(existing), UserIn<char>(created)));
}
long mkdir(uint64_t path) { return value(rivet::sys::sys_mkdir(UserIn<char>(path))); }
long chdir(uint64_t path) { return value(rivet::sys::sys_chdir(UserIn<char>(path))); }
long dup(int fd) { return value(rivet::sys::sys_dup(fd)); }

}  // namespace rivet::host::sys

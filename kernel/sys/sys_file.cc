// The Files system calls: argument checking, copying strings in, and the
// per-process descriptor table. What each call does to the file system is
// in kernel/fs/operations.cc.
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/operations.h"
#include "kernel/fs/pipe.h"
#include "kernel/proc/process.h"
#include "kernel/sys/descriptors.h"
#include "kernel/sys/syscalls.h"

namespace rivet::sys {

namespace {

Result<void> copy_path(char (&buffer)[MAXPATH], UserIn<char> path) {
  TRY(copy_in_str(buffer, MAXPATH, path));
  return {};
}

}  // namespace

Result<long> sys_pipe(UserOut<int> fds) {
  Process* p = current();
  int rfd = TRY(free_fd());
  int wfd = TRY(free_fd(rfd + 1));
  fs::File* rf;
  fs::File* wf;
  TRY(fs::pipe_alloc(&rf, &wf));
  int pair[2] = {rfd, wfd};
  if (auto r = copy_out(fds, pair, 2); !r.ok()) {
    fs::file_close(rf);
    fs::file_close(wf);
    return r.error();
  }
  p->files[rfd] = rf;
  p->files[wfd] = wf;
  return 0;
}

Result<long> sys_read(int fd, UserOut<char> buffer, int n) {
  fs::File* f = TRY(file_of(fd));
  if (n < 0) return Error::Invalid;
  if (!f->readable) return Error::BadFd;
  // A bad buffer fails the whole call before anything is consumed.
  TRY(check_user_range(buffer, static_cast<size_t>(n)));
  size_t got = TRY(fs::file_read(f, IoSink::user(buffer), static_cast<size_t>(n)));
  return static_cast<long>(got);
}

Result<long> sys_write(int fd, UserIn<char> buffer, int n) {
  fs::File* f = TRY(file_of(fd));
  if (n < 0) return Error::Invalid;
  if (!f->writable) return Error::BadFd;
  // A bad buffer fails the whole call before anything is written.
  TRY(check_user_range(buffer, static_cast<size_t>(n)));
  size_t put = TRY(fs::file_write(f, IoSource::user(buffer), static_cast<size_t>(n)));
  return static_cast<long>(put);
}

Result<long> sys_fsync(int fd) {
  fs::File* f = TRY(file_of(fd));
  TRY(fs::file_sync(f, /*data_only=*/false));
  return 0;
}

Result<long> sys_fdatasync(int fd) {
  fs::File* f = TRY(file_of(fd));
  TRY(fs::file_sync(f, /*data_only=*/true));
  return 0;
}

Result<long> sys_sync() {
  fs::sync();
  return 0;
}

Result<long> sys_fadvise(int fd, long offset, long length, int advice) {
  fs::File* f = TRY(file_of(fd));
  if (offset < 0 || length < 0) return Error::Invalid;
  if (advice < POSIX_FADV_NORMAL || advice > POSIX_FADV_NOREUSE) return Error::Invalid;
  TRY(fs::file_advise(f, static_cast<uint64_t>(offset), static_cast<uint64_t>(length), advice));
  return 0;
}

Result<long> sys_close(int fd) {
  fs::File* f = TRY(file_of(fd));
  auto reported = fs::file_take_write_error(f);
  current()->files[fd] = nullptr;
  fs::file_close(f);
  TRY(reported);
  return 0;
}

Result<long> sys_fstat(int fd, UserOut<struct stat> st) {
  fs::File* f = TRY(file_of(fd));
  TRY(fs::file_stat(f, IoSink::user(st)));
  return 0;
}

Result<long> sys_open(UserIn<char> path, int flags) {
  char kpath[MAXPATH];
  TRY(copy_path(kpath, path));
  // A full descriptor table must not leave a created or truncated file.
  int fd = TRY(free_fd());
  fs::File* f = TRY(fs::open(kpath, flags));
  current()->files[fd] = f;
  return fd;
}

Result<long> sys_mknod(UserIn<char> path, int major, int minor) {
  char kpath[MAXPATH];
  TRY(copy_path(kpath, path));
  TRY(fs::make_node(kpath, major, minor));
  return 0;
}

Result<long> sys_unlink(UserIn<char> path) {
  char kpath[MAXPATH];
  TRY(copy_path(kpath, path));
  TRY(fs::unlink(kpath));
  return 0;
}

Result<long> sys_link(UserIn<char> existing, UserIn<char> created) {
  char old_path[MAXPATH];
  char new_path[MAXPATH];
  TRY(copy_path(old_path, existing));
  TRY(copy_path(new_path, created));
  TRY(fs::link(old_path, new_path));
  return 0;
}

Result<long> sys_mkdir(UserIn<char> path) {
  char kpath[MAXPATH];
  TRY(copy_path(kpath, path));
  TRY(fs::make_directory(kpath));
  return 0;
}

Result<long> sys_chdir(UserIn<char> path) {
  char kpath[MAXPATH];
  TRY(copy_path(kpath, path));
  TRY(fs::change_directory(kpath));
  return 0;
}

Result<long> sys_dup(int fd) {
  fs::File* f = TRY(file_of(fd));
  int nfd = TRY(free_fd());
  current()->files[nfd] = fs::file_dup(f);
  return nfd;
}

}  // namespace rivet::sys

#include "kernel/fs/file.h"

#include "kernel/fs/device.h"
#include "kernel/fs/filesystem.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/pipe.h"
#include "kernel/lib/panic.h"
#include "kernel/lib/spinlock.h"
#include "kernel/sys/abi.h"

namespace rivet::fs {

namespace {
Spinlock g_file_table_lock{"file_table"};
File g_files[kMaxOpenFiles];
}  // namespace

Result<File*> file_alloc() {
  SpinlockGuard guard(g_file_table_lock);
  for (File& f : g_files) {
    if (f.ref == 0) {
      f = File{};
      f.ref = 1;
      return &f;
    }
  }
  return Error::TooManyFilesSystem;
}

File* file_dup(File* f) {
  SpinlockGuard guard(g_file_table_lock);
  RIVET_ASSERT(f->ref > 0);
  f->ref++;
  return f;
}

void file_close(File* f) {
  File closed;
  {
    SpinlockGuard guard(g_file_table_lock);
    RIVET_ASSERT(f->ref > 0);
    if (--f->ref > 0) return;
    closed = *f;
    *f = File{};
  }
  switch (closed.kind) {
    case File::Kind::Pipe:
      pipe_close(closed.pipe, closed.writable);
      break;
    case File::Kind::Inode:
    case File::Kind::Device: {
      if (closed.kind == File::Kind::Inode && closed.writable)
        __atomic_fetch_sub(&closed.ip->writers, 1, __ATOMIC_RELAXED);
      Log& log = closed.ip->fs->log();
      log.begin_op();
      iput(closed.ip);
      log.end_op();
      break;
    }
    case File::Kind::None:
      break;
  }
}

Result<size_t> file_read(File* f, IoBuffer dst, size_t n) {
  if (!f->readable) return Error::BadFd;
  switch (f->kind) {
    case File::Kind::Pipe:
      return pipe_read(f->pipe, dst, n);
    case File::Kind::Device:
      return device_read(f->major, f->minor, dst, n);
    case File::Kind::Inode: {
      TRY(ilock(f->ip));
      auto r = readi(f->ip, dst, f->off, n);
      if (r.ok()) f->off += r.value();
      iunlock(f->ip);
      return r;
    }
    case File::Kind::None:
      break;
  }
  return Error::BadFd;
}

Result<size_t> file_write(File* f, IoBuffer src, size_t n) {
  if (!f->writable) return Error::BadFd;
  switch (f->kind) {
    case File::Kind::Pipe:
      return pipe_write(f->pipe, src, n);
    case File::Kind::Device:
      return device_write(f->major, f->minor, src, n);
    case File::Kind::Inode:
      return writei_chunked(f->ip, src, n, &f->off, f->append);
    case File::Kind::None:
      break;
  }
  return Error::BadFd;
}

Result<void> file_stat(File* f, IoBuffer dst) {
  if (f->kind != File::Kind::Inode && f->kind != File::Kind::Device) return Error::BadFd;
  struct stat st;
  TRY(ilock(f->ip));
  stati(f->ip, &st);
  iunlock(f->ip);
  return dst.put(0, &st, sizeof st);
}

Result<void> file_sync(File* f, bool data_only) {
  (void)data_only;
  if (f->kind != File::Kind::Inode) return Error::Invalid;
  // Until file data is cached, every write() is committed by its own
  // operation: waiting for the log and flushing is all there is to do.
  f->ip->fs->log().sync();
  return {};
}

Result<void> file_advise(File* f, uint64_t off, uint64_t len, int advice) {
  (void)off;
  (void)len;
  (void)advice;
  if (f->kind == File::Kind::Pipe) return Error::IllegalSeek;
  return {};
}

size_t files_in_use() {
  SpinlockGuard guard(g_file_table_lock);
  size_t n = 0;
  for (File& f : g_files)
    if (f.ref > 0) n++;
  return n;
}

}  // namespace rivet::fs

#include "kernel/fs/file.h"

#include "kernel/fs/device.h"
#include "kernel/fs/filesystem.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/page_cache.h"
#include "kernel/fs/pipe.h"
#include "kernel/log/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sys/abi.h"

namespace rivet::fs {

namespace {
Spinlock g_file_table_lock{"file_table", LockRank::FileTable};
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
      if (closed.kind == File::Kind::Inode) __atomic_fetch_sub(&closed.ip->opens, 1, __ATOMIC_RELAXED);
      if (closed.kind == File::Kind::Inode && closed.writable) {
        __atomic_fetch_sub(&closed.ip->writers, 1, __ATOMIC_RELAXED);
        // Dirty files hold inode slots: past a limit, closing one writes
        // it back.
        if (closed.ip->dirty_pinned) {
          if (auto locked = InodeLock::lock(closed.ip); locked.ok()) {
            // An unlinked file's data will never be read again; and dirty
            // files hold inode slots: past a limit, closing one writes it
            // back.
            drop_if_unreferenced(closed.ip);
            if (closed.ip->dirty_pinned && too_many_dirty_files()) (void)write_back(closed.ip);
          }
        }
      }
      Operation op(closed.ip->fs->log());
      iput(closed.ip);
      break;
    }
    case File::Kind::None:
      break;
  }
}

Result<size_t> file_read(File* f, IoSink dst, size_t n) {
  if (!f->readable) return Error::BadFd;
  switch (f->kind) {
    case File::Kind::Pipe:
      return pipe_read(f->pipe, dst, n);
    case File::Kind::Device:
      return device_read(f->major, f->minor, dst, n);
    case File::Kind::Inode: {
      // By hand, the one place that does not use InodeLock: the guard
      // keeps the inode pointer in one more callee-saved register, which
      // this function (the pipe and device reads too) would save and
      // restore on every call: +3 instructions per read() of a pipe.
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

Result<size_t> file_write(File* f, IoSource src, size_t n) {
  if (!f->writable) return Error::BadFd;
  switch (f->kind) {
    case File::Kind::Pipe:
      return pipe_write(f->pipe, src, n);
    case File::Kind::Device:
      return device_write(f->major, f->minor, src, n);
    case File::Kind::Inode: {
      // Into the page cache; the disk gets it at write-back. No
      // operation: nothing on the disk changes here.
      Inode* ip = f->ip;
      InodeLock locked = TRY(InodeLock::lock(ip));
      uint64_t pos = f->append ? ip->size : f->off;
      auto r = ip->type == kTypeFile ? cache_write(ip, src, pos, n) : Result<size_t>(Error::IsDirectory);
      if (r.ok()) f->off = pos + r.value();
      bool throttle = r.ok() && too_many_dirty();
      if (throttle) (void)write_back(ip);
      return r;
    }
    case File::Kind::None:
      break;
  }
  return Error::BadFd;
}

Result<void> file_stat(File* f, IoSink dst) {
  if (f->kind != File::Kind::Inode && f->kind != File::Kind::Device) return Error::BadFd;
  struct stat st;
  {
    InodeLock locked = TRY(InodeLock::lock(f->ip));
    stati(f->ip, &st);
  }
  return dst.put(0, &st, sizeof st);
}

Result<void> file_sync(File* f, bool data_only) {
  if (f->kind != File::Kind::Inode) return Error::Invalid;
  Inode* ip = f->ip;
  Error error;
  {
    InodeLock locked = TRY(InodeLock::lock(ip));
    // The data and, in the same operations, the inode's size and block
    // map (all fdatasync needs); the other inode fields are logged by the
    // operations that change them, so both come to the same here.
    (void)data_only;
    (void)write_back(ip);
    error = ip->write_error;
    ip->write_error = Error::None;
  }
  // Its inode and every metadata change before it, durable (the group is
  // installed later).
  ip->fs->log().commit();
  if (ip->fs->log().failed() && error == Error::None) error = Error::Io;
  if (error != Error::None) return error;
  return {};
}

Result<void> file_advise(File* f, uint64_t off, uint64_t len, int advice) {
  if (f->kind == File::Kind::Pipe) return Error::IllegalSeek;
  if (f->kind != File::Kind::Inode || advice != POSIX_FADV_DONTNEED) return {};
  Inode* ip = f->ip;
  uint64_t first = off / kBlockSize;
  uint64_t last = len == 0 || off + len < off ? ~uint64_t{0} : (off + len - 1) / kBlockSize;
  InodeLock locked = TRY(InodeLock::lock(ip));
  (void)write_back(ip, first, last);  // a failure stays for fsync to report
  cache_drop_clean(ip, first, last);
  return {};
}

Result<void> file_take_write_error(File* f) {
  if (f->kind != File::Kind::Inode) return {};
  Inode* ip = f->ip;
  Error error;
  {
    InodeLock locked = TRY(InodeLock::lock(ip));
    error = ip->write_error;
    ip->write_error = Error::None;
  }
  if (error != Error::None) return error;
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

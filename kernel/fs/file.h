// Open files: the system-wide table of File objects that file descriptors
// (Process::files) point to. A File is an open pipe end, inode or device,
// with its access mode and (for inodes) its offset; dup() and fork() share
// one File, counted by ref.
//
// Locking: the table spinlock guards every File's ref and kind; the rest is
// set before the File is shared and then read-only, except off, which the
// inode's sleep lock guards.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"

namespace rivet::fs {

struct Inode;
struct Pipe;

inline constexpr size_t kMaxOpenFiles = 256;

struct File {
  enum class Kind : uint8_t { None, Pipe, Inode, Device };

  Kind kind = Kind::None;
  int ref = 0;
  bool readable = false;
  bool writable = false;
  bool append = false;      // O_APPEND: every write goes to the end
  fs::Pipe* pipe = nullptr;  // Kind::Pipe
  fs::Inode* ip = nullptr;   // Kind::Inode and Kind::Device
  uint64_t off = 0;          // Kind::Inode
  int16_t major = 0;         // Kind::Device
  int16_t minor = 0;
};

// A free File with ref 1 and kind None; Error::TooManyFilesSystem if the
// table is full. The caller fills it in before sharing it.
Result<File*> file_alloc();
File* file_dup(File* f);
// Drops a reference; the last one closes the pipe end or releases the
// inode (inside an operation of its own, so it may free an unlinked file).
void file_close(File* f);
// Error::BadFd if the file was not opened for reading (writing).
Result<size_t> file_read(File* f, IoSink dst, size_t n);
Result<size_t> file_write(File* f, IoSource src, size_t n);
// Stores a struct stat of the file's inode in dst; Error::BadFd for pipes.
Result<void> file_stat(File* f, IoSink dst);

// fsync/fdatasync: the file's dirty pages, then (all of it, or with
// `data_only` only what reading the data back needs: its size and block
// map) its inode, durable on the device. Error::Invalid for pipes and
// devices, which have nothing to sync; the error of a write-back that
// failed since the last call is reported once.
Result<void> file_sync(File* f, bool data_only);
// posix_fadvise: POSIX_FADV_DONTNEED writes [off, off+len) back (len 0:
// to end of file) and drops its cached pages that nothing maps; other
// advice changes nothing. Error::IllegalSeek (ESPIPE) for pipes.
Result<void> file_advise(File* f, uint64_t off, uint64_t len, int advice);

// close: the error of a write-back of the file that failed since the
// last fsync, once (the kernel still closes the descriptor).
Result<void> file_take_write_error(File* f);

// For tests and diagnostics: Files with ref > 0.
size_t files_in_use();

}  // namespace rivet::fs

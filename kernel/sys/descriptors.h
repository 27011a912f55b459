// The current process's descriptor table as the system calls see it: the
// one place a descriptor number from user space becomes an open File (or
// Error::BadFd), and where a free slot is found.
#pragma once

#include "kernel/fs/file.h"
#include "kernel/lib/result.h"
#include "kernel/proc/process.h"
#include "kernel/sys/abi.h"

namespace rivet::sys {

// The open File behind a descriptor, or Error::BadFd.
inline Result<fs::File*> file_of(int fd) {
  if (fd < 0 || fd >= NOFILE) return Error::BadFd;
  fs::File* f = current()->files[fd];
  if (!f) return Error::BadFd;
  return f;
}

// The File behind a descriptor that must be the console (job control and
// input mode): Error::BadFd, or Error::NotTty for any other file.
inline Result<fs::File*> console_of(int fd) {
  fs::File* f = TRY(file_of(fd));
  if (f->kind != fs::File::Kind::Device || f->major != CONSOLE) return Error::NotTty;
  return f;
}

// The lowest free descriptor at or above `from`, or Error::TooManyFiles. (A
// process has one thread, so the slot is still free when the caller fills
// it.)
inline Result<int> free_fd(int from = 0) {
  Process* p = current();
  for (int fd = from; fd < NOFILE; fd++)
    if (!p->files[fd]) return fd;
  return Error::TooManyFiles;
}

}  // namespace rivet::sys

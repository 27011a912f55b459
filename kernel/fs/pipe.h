// Pipes: a bounded byte ring between a read end and a write end, each an
// open File. A reader blocks while the pipe is empty and a writer end is
// open (then gets end of file); a writer blocks while it is full and a
// reader end is open (then gets Error::BrokenPipe). A killed process stops
// waiting with Error::Interrupted.
//
// User memory is copied outside the pipe's spinlock (through small bounce
// buffers), because resolving a user page may sleep.
#pragma once

#include <stddef.h>

#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"

namespace rivet::fs {

struct File;
struct Pipe;

inline constexpr size_t kPipeSize = 3968;  // the ring; a Pipe fits in one page

// Makes a pipe and its two open files (read end, write end).
Result<void> pipe_alloc(File** read_end, File** write_end);
// Closes one end; the pipe is freed when both are closed.
void pipe_close(Pipe* pipe, bool write_end);
Result<size_t> pipe_read(Pipe* pipe, IoSink dst, size_t n);
Result<size_t> pipe_write(Pipe* pipe, IoSource src, size_t n);

}  // namespace rivet::fs

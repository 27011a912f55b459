#include "kernel/fs/pipe.h"

#include <string.h>

#include "kernel/fs/file.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/proc/wait.h"

namespace rivet::fs {

struct Pipe {
  Spinlock lock{"pipe", LockRank::Pipe};
  uint64_t nread = 0;   // bytes read so far (the reader sleeps on &nread)
  uint64_t nwrite = 0;  // bytes written so far (the writer sleeps on &nwrite)
  bool read_open = true;
  bool write_open = true;
  uint8_t data[kPipeSize];
};

namespace {
constexpr size_t kBounce = 256;
}

Result<void> pipe_alloc(File** read_end, File** write_end) {
  Pipe* pipe = TRY(knew<Pipe>());
  auto r = file_alloc();
  if (!r.ok()) {
    kdelete(pipe);
    return r.error();
  }
  auto w = file_alloc();
  if (!w.ok()) {
    file_close(r.value());
    kdelete(pipe);
    return w.error();
  }
  File* rf = r.value();
  File* wf = w.value();
  rf->kind = File::Kind::Pipe;
  rf->readable = true;
  rf->pipe = pipe;
  wf->kind = File::Kind::Pipe;
  wf->writable = true;
  wf->pipe = pipe;
  *read_end = rf;
  *write_end = wf;
  return {};
}

void pipe_close(Pipe* pipe, bool write_end) {
  bool free_it;
  {
    SpinlockGuard guard(pipe->lock);
    if (write_end) {
      pipe->write_open = false;
      wakeup(&pipe->nread);
    } else {
      pipe->read_open = false;
      wakeup(&pipe->nwrite);
    }
    free_it = !pipe->read_open && !pipe->write_open;
  }
  if (free_it) kdelete(pipe);
}

Result<size_t> pipe_write(Pipe* pipe, IoSource src, size_t n) {
  size_t written = 0;
  uint8_t bounce[kBounce];
  while (written < n) {
    size_t chunk = n - written < kBounce ? n - written : kBounce;
    if (auto r = src.get(written, bounce, chunk); !r.ok())
      return written ? Result<size_t>(written) : Result<size_t>(r.error());
    SpinlockGuard guard(pipe->lock);
    for (size_t i = 0; i < chunk;) {
      if (!pipe->read_open) return written + i ? Result<size_t>(written + i) : Result<size_t>(Error::BrokenPipe);
      if (current_killed()) return written + i ? Result<size_t>(written + i) : Result<size_t>(Error::Interrupted);
      if (pipe->nwrite - pipe->nread == kPipeSize) {
        wakeup(&pipe->nread);
        sleep_on(&pipe->nwrite, pipe->lock);
        continue;
      }
      pipe->data[pipe->nwrite++ % kPipeSize] = bounce[i++];
    }
    wakeup(&pipe->nread);
    written += chunk;
  }
  return written;
}

Result<size_t> pipe_read(Pipe* pipe, IoSink dst, size_t n) {
  size_t done = 0;
  uint8_t bounce[kBounce];
  while (done < n) {
    size_t k = 0;
    {
      SpinlockGuard guard(pipe->lock);
      // Block only until the first byte; after that, return what is there.
      while (done == 0 && pipe->nread == pipe->nwrite && pipe->write_open) {
        if (current_killed()) return Error::Interrupted;
        sleep_on(&pipe->nread, pipe->lock);
      }
      size_t want = n - done < kBounce ? n - done : kBounce;
      while (k < want && pipe->nread != pipe->nwrite) bounce[k++] = pipe->data[pipe->nread++ % kPipeSize];
      if (k) wakeup(&pipe->nwrite);
    }
    if (k == 0) break;  // empty: end of file, or some bytes already read
    if (auto r = dst.put(done, bounce, k); !r.ok())
      return done ? Result<size_t>(done) : Result<size_t>(r.error());
    done += k;
  }
  return done;
}

}  // namespace rivet::fs

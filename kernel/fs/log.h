// The write-ahead log: makes each file-system operation atomic with respect
// to crashes, as xv6's log does.
//
// An operation brackets its writes with begin_op()/end_op() and, instead of
// writing a modified buffer to the device, hands it to write(), which pins
// it in the cache and records its block number. When the last outstanding
// operation ends, the group commits: the logged blocks are copied into the
// log area, the device is flushed, the header (the commit record) is written
// and flushed, the blocks are written to their home locations and flushed,
// and the header is cleared. Mounting replays a committed header, so a crash
// at any point leaves either all or none of a group's changes.
//
// begin_op() reserves room for kMaxOpBlocks distinct blocks, so an
// operation never finds the log full part-way through.
//
// Only metadata goes through the log. File data is written in place by the
// page cache's write-back, inside the operation that maps it, so it is on
// the device before the group that makes it part of a file commits.
#pragma once

#include <stdint.h>

#include "kernel/fs/buffer_cache.h"
#include "kernel/fs/format.h"
#include "kernel/lib/result.h"
#include "kernel/lib/spinlock.h"

namespace rivet::fs {

class Log {
 public:
  Log() = default;
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;
  ~Log() { destroy(); }

  // Sets up the log described by a validated superblock and replays a
  // committed transaction left by a crash. Error::Malformed if the header
  // is committed but names blocks outside the file system.
  Result<void> init(BufferCache* cache, const SuperBlock& sb);
  void destroy();

  void begin_op();
  void end_op();
  // Records a modified buffer (locked by the caller) as part of the current
  // operation. The buffer stays cached until the group is installed.
  void write(Buffer* buffer);
  // Waits until no operation is in progress and everything committed is
  // durable, then flushes the device.
  void sync();

  // Called after every group commit, while no operation runs (the block
  // allocator then lets blocks the group freed be handed out again).
  void set_commit_callback(void (*fn)(void*), void* ctx) {
    on_commit_ = fn;
    on_commit_ctx_ = ctx;
  }

  // True once a commit failed with a device error: later groups are kept
  // in memory only and never reach the device.
  bool failed() const { return failed_; }
  // For tests: the number of groups committed.
  uint32_t commits() const { return sequence_; }

 private:
  Result<void> recover();
  Result<void> write_header(uint32_t count);
  void commit();

  Spinlock lock_{"log"};
  BufferCache* cache_ = nullptr;
  uint32_t start_ = 0;        // the header block
  uint32_t capacity_ = 0;     // log slots after the header
  uint32_t fs_size_ = 0;
  uint32_t first_home_ = 0;   // the lowest block a transaction may name

  // Guarded by lock_.
  int outstanding_ = 0;       // operations between begin_op and end_op
  bool committing_ = false;
  uint32_t count_ = 0;        // blocks logged in the current group
  uint32_t reserved_ = 0;     // room the current group's operations reserved
  uint32_t* blocks_ = nullptr;   // capacity_ home block numbers
  Buffer** buffers_ = nullptr;   // the pinned buffer of each
  LogHeader* header_ = nullptr;  // staging for header writes (only the committer uses it)
  uint32_t sequence_ = 0;
  bool failed_ = false;
  void (*on_commit_)(void*) = nullptr;
  void* on_commit_ctx_ = nullptr;
  const void** slot_data_ = nullptr;  // staging for the slots' one write
};

}  // namespace rivet::fs

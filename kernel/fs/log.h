// The write-ahead log: makes each file-system operation atomic with respect
// to crashes, as xv6's log does, with jbd2's two delays.
//
// An operation brackets its writes with begin_op()/end_op() and, instead of
// writing a modified buffer to the device, hands it to write(), which pins
// it in the cache and records its block number. Operations gather in one
// group, which commits when asked (commit(): fsync, sync, the periodic
// flush) or when the log runs short of room: the logged blocks are copied
// aside and written to the log area in one request, the device is
// flushed, then the header (the commit record) is written and flushed.
// The group is durable then. Its blocks go to their home locations later
// (install: at the next commit, at sync, or when the flush thread finds
// the log idle), from the copies, and the header is cleared. Mounting
// replays a committed header, so a crash at any point leaves either all or
// none of a group's changes, and groups appear in order.
//
// begin_op() reserves room for kMaxOpBlocks distinct blocks, so an
// operation never finds the log full part-way through.
//
// Only metadata goes through the log. File data is written in place by the
// page cache's write-back, inside the operation that maps it, so it is on
// the device before the group that makes it part of a file commits. Blocks
// a group frees are handed out again only once it is installed (the
// allocator asks; see set_installed_callback): until then a replay could
// write the group's copy of such a block over its new contents.
#pragma once

#include <stdint.h>

#include "kernel/fs/buffer_cache.h"
#include "kernel/fs/format.h"
#include "kernel/lib/result.h"
#include "kernel/sync/spinlock.h"

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
  // Makes every operation that has ended durable: waits for those running,
  // commits the group (no new operation starts meanwhile) and flushes the
  // device. With `install`, the group's blocks also go home and the log is
  // left empty (sync, unmount).
  void commit(bool install = false);
  void sync() { commit(true); }
  // For the periodic flush, once per flush epoch: commits a group whose
  // first operation is kWriteBackDelaySeconds epochs old, and installs a
  // committed group as old, when no operation is running (so the next
  // commit need not).
  void checkpoint(uint32_t epoch);

  // Called after every install, while no operation runs (the block
  // allocator then lets blocks the group freed be handed out again).
  void set_installed_callback(void (*fn)(void*), void* ctx) {
    on_installed_ = fn;
    on_installed_ctx_ = ctx;
  }

  // True once a commit failed with a device error, or the file system
  // froze the log (freeze()): later groups are kept in memory only and
  // never reach the device.
  bool failed() const { return __atomic_load_n(&failed_, __ATOMIC_ACQUIRE); }
  // Stops all writes to the device from now on (the file system found a
  // corrupt metadata block and is read-only): the open group, and any
  // committed group not yet installed, stay in memory; a committed group
  // is replayed from the log at the next mount.
  void freeze();
  // For tests: the number of groups committed, and of operations ended.
  uint32_t commits() const { return sequence_; }
  uint64_t operations() const { return operations_; }

 private:
  Result<void> recover();
  Result<void> write_header(uint32_t count);
  // Both with committing_ set by the caller (no operation running).
  void commit_group();
  void install();
  // Takes the log for a commit (committing_), waiting for running
  // operations to end; lock_ held.
  void take_for_commit();
  void give_back_after_commit();

  Spinlock lock_{"log", LockRank::FsLog};
  BufferCache* cache_ = nullptr;
  uint32_t start_ = 0;        // the header block
  uint32_t capacity_ = 0;     // log slots after the header
  uint32_t fs_size_ = 0;
  uint32_t first_home_ = 0;   // the lowest block a transaction may name

  // Guarded by lock_.
  int outstanding_ = 0;       // operations between begin_op and end_op
  bool committing_ = false;   // a commit or install is under way
  bool commit_wanted_ = false;  // new operations wait; the last to end commits
  uint32_t count_ = 0;        // blocks logged in the current group
  uint32_t reserved_ = 0;     // room the current group's operations reserved
  uint32_t* blocks_ = nullptr;   // capacity_ home block numbers
  uint32_t* slot_sums_ = nullptr;  // checksum of each log slot (for the header)
  Buffer** buffers_ = nullptr;   // the pinned buffer of each
  LogHeader* header_ = nullptr;  // staging for header writes (only the committer uses it)
  uint32_t sequence_ = 0;
  uint64_t operations_ = 0;
  bool failed_ = false;
  // The flush epochs when checkpoint() first saw the open group and the
  // group waiting to be installed (0: not seen yet).
  uint32_t open_seen_ = 0;
  uint32_t installing_seen_ = 0;

  // The committed group not installed yet (the committer's): its home
  // blocks, pinned buffers and the copies written to the log.
  uint32_t installing_ = 0;
  uint32_t* installing_blocks_ = nullptr;
  Buffer** installing_buffers_ = nullptr;
  uint8_t** copies_ = nullptr;   // the committed group's block copies (heap, freed at install)
  const void** slot_data_ = nullptr;  // staging for one write_pages

  void (*on_installed_)(void*) = nullptr;
  void* on_installed_ctx_ = nullptr;
};

// Brackets a scope with an operation of `log` (begin_op/end_op), so every
// return path ends it. Declare it before any InodeLock of the scope: guards
// end in reverse order, so the inodes are unlocked (and references dropped
// by code that runs before the scope ends) inside the operation.
class [[nodiscard]] Operation {
 public:
  explicit Operation(Log& log) : log_(log) { log_.begin_op(); }
  ~Operation() { log_.end_op(); }
  Operation(const Operation&) = delete;
  Operation& operator=(const Operation&) = delete;

 private:
  Log& log_;
};

}  // namespace rivet::fs

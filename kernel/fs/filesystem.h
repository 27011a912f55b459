// A mounted file system: its validated superblock, buffer cache, log,
// inode cache and block allocator. The kernel mounts one (the root, see
// fs.h); the host tests mount and unmount many.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/block/block_device.h"
#include "kernel/fs/buffer_cache.h"
#include "kernel/fs/format.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/log.h"
#include "kernel/lib/result.h"
#include "kernel/sync/spinlock.h"

namespace rivet::fs {

struct MountOptions {
  size_t buffers = 0;   // buffer-cache size; 0 = enough for the log plus 128
  size_t inodes = 256;  // inode-cache size
  bool quiet = false;   // no mount message
};

class FileSystem {
 public:
  FileSystem() = default;
  FileSystem(const FileSystem&) = delete;
  FileSystem& operator=(const FileSystem&) = delete;

  // Reads and validates the superblock, sets up the caches, replays the
  // log and frees orphaned inodes (unlinked while open, or being freed,
  // when the system went down). Any inconsistency in what it reads is an
  // error, never a crash.
  Result<void> mount(block::BlockDevice* device, const MountOptions& options);
  // Waits for the log to go idle and releases everything. Every inode
  // reference other than the root must have been dropped.
  void unmount();

  const SuperBlock& superblock() const { return sb_; }
  BufferCache& cache() { return cache_; }
  Log& log() { return log_; }
  InodeTable& inodes() { return inodes_; }
  Inode* root() { return root_; }

  // The free-block bitmap (allocator.cc). Both run inside an operation.
  // balloc returns a block, zeroed through the log unless `zero` is false
  // (the caller writes all of it itself), looking from `goal` on (0: the
  // allocator's own hint); Error::NoSpace if none is free. `reserved`: the
  // block comes out of a reservation made with reserve_blocks(); without
  // it, blocks reserved for others are not handed out. A block freed by
  // an operation whose group is not installed is not handed out again
  // before it is: data is written to new blocks before their group
  // commits, and must never land on a block a committed inode still maps
  // or a replay could still write.
  Result<uint32_t> balloc(bool zero = true, bool reserved = false, uint32_t goal = 0);
  Result<void> bfree(uint32_t block);
  // Space for dirty data not yet given blocks (write() reserves, write-back
  // allocates). Error::NoSpace if fewer than n unreserved blocks are free.
  Result<void> reserve_blocks(uint32_t n);
  void unreserve_blocks(uint32_t n);
  uint64_t free_blocks() const { return free_blocks_; }
  uint64_t reserved_blocks() const { return reserved_blocks_; }
  // The log calls this once a group is installed (and its commit record
  // erased): blocks it freed may be handed out again.
  void installed();
  // Whether the free-space count has room the bitmap cannot hand out yet:
  // blocks freed by groups not installed (an allocation that failed for
  // want of space may succeed after Log::sync()).
  bool space_pending() {
    SpinlockGuard guard(space_lock_);
    return free_blocks_ > reserved_blocks_;
  }

  // Checksums (see format.h). The buffer cache calls corrupt() when a
  // metadata block read from the device fails its checksum: the file
  // system reports the block on the console (each block once), freezes
  // the log (nothing more reaches the device) and is read-only until the
  // next boot. Everything that would change the disk asks
  // check_writable() first: Error::ReadOnly (EROFS) from then on.
  void corrupt(uint32_t blockno, BlockKind kind);
  bool read_only() const { return __atomic_load_n(&read_only_, __ATOMIC_ACQUIRE); }
  Result<void> check_writable() const {
    if (read_only()) return Error::ReadOnly;
    return {};
  }

  // Where the allocators start looking (a hint; races are harmless).
  uint32_t block_hint = 0;
  uint32_t inode_hint = 0;
  // The last block write-back gave file data, where the next file's
  // data goes (its blocks then follow on the device).
  uint32_t last_data_block = 0;

 private:
  Result<void> free_orphans();
  Result<void> mark_named(uint32_t* orphans, uint32_t count, bool* named);

  Result<void> count_free_blocks();
  void forget_pending_frees();

  SuperBlock sb_{};
  bool read_only_ = false;
  // Blocks already reported as corrupt (space_lock_), so each is reported once.
  static constexpr uint32_t kReportedMax = 16;
  uint32_t reported_[kReportedMax] = {};
  uint32_t nreported_ = 0;
  // Guarded by space_lock_.
  Spinlock space_lock_{"fs_space", LockRank::FsSpace};
  uint64_t free_blocks_ = 0;
  uint64_t reserved_blocks_ = 0;
  // Per bitmap block, a bitmap of the blocks freed since the last install
  // (allocated when first needed). Guarded by the bitmap block's buffer
  // lock, and cleared by installed() while no operation runs.
  uint8_t** pending_free_ = nullptr;
  BufferCache cache_;
  Log log_;
  InodeTable inodes_;
  Inode* root_ = nullptr;
};

}  // namespace rivet::fs

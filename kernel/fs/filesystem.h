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
  // balloc returns a zeroed block, Error::NoSpace if none is free.
  Result<uint32_t> balloc();
  Result<void> bfree(uint32_t block);

  // Where the allocators start looking (a hint; races are harmless).
  uint32_t block_hint = 0;
  uint32_t inode_hint = 0;

 private:
  Result<void> free_orphans();

  SuperBlock sb_{};
  BufferCache cache_;
  Log log_;
  InodeTable inodes_;
  Inode* root_ = nullptr;
};

}  // namespace rivet::fs

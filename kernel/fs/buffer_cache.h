// The block buffer cache: a fixed pool of 4096-byte buffers over one block
// device, as xv6's bio. It keeps one copy of each cached block so that
// every thread sees the same contents, serializes access to a block with
// the buffer's sleep lock, and recycles the least recently used idle buffer.
//
// Locking: the cache spinlock guards every buffer's blockno, refcnt, valid
// flag (while refcnt == 0) and the LRU and hash links. A buffer's sleep lock
// guards its data and valid flag while the buffer is held.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/block/block_device.h"
#include "kernel/fs/format.h"
#include "kernel/lib/result.h"
#include "kernel/sync/spinlock.h"
#include "kernel/sync/sleeplock.h"

namespace rivet::fs {

struct Buffer {
  SleepLock lock{"buffer", LockRank::Buffer};
  uint8_t* data = nullptr;  // kBlockSize bytes of kernel memory (DMA-able)
  uint32_t blockno = 0;
  bool valid = false;       // data holds the block's contents
  // What the block holds, as its last reader said: the log stamps the
  // checksum of this kind when it commits the block.
  BlockKind kind = BlockKind::Data;

  // Cache-private (cache lock).
  uint32_t refcnt = 0;      // holders plus log pins
  Buffer* lru_prev = nullptr;
  Buffer* lru_next = nullptr;
  Buffer* hash_next = nullptr;
  bool hashed = false;
};

class BufferCache {
 public:
  BufferCache() = default;
  BufferCache(const BufferCache&) = delete;
  BufferCache& operator=(const BufferCache&) = delete;
  ~BufferCache() { destroy(); }

  // Allocates `count` buffers for `device`. Blocks numbered `limit` and
  // above are refused (set_limit narrows it once the superblock is known).
  Result<void> init(block::BlockDevice* device, size_t count);
  void destroy();
  void set_limit(uint64_t blocks) { limit_ = blocks; }
  size_t size() const { return count_; }
  block::BlockDevice* device() const { return device_; }

  // Returns the buffer of `blockno`, locked, with its contents read from the
  // device if not cached. Error::Io if the device fails, Error::Malformed if
  // the block number is out of range. `kind` is what the caller expects
  // the block to hold: a metadata block read from the device must carry
  // that kind's checksum, else the read fails with Error::Io, the buffer
  // stays empty and the corruption callback is told. This is the one door
  // metadata enters the kernel by.
  Result<Buffer*> read(uint32_t blockno, BlockKind kind);
  // Called (once per failed read) with a block whose checksum failed.
  void set_corruption_callback(void (*fn)(void*, uint32_t, BlockKind), void* ctx) {
    on_corrupt_ = fn;
    on_corrupt_ctx_ = ctx;
  }
  // The buffer of `blockno`, locked, if the cache holds its contents;
  // nullptr if it does not (while the log is healthy, the device copy is
  // then the current one: the log keeps every block written but not yet
  // installed pinned here; after a failed commit it is not).
  // Never reads the device.
  Buffer* cached(uint32_t blockno);
  // Like read(), but the caller overwrites the whole block: the buffer comes
  // back zero-filled and valid without a device read, of kind Data until a
  // reader says otherwise.
  Result<Buffer*> zeroed(uint32_t blockno);
  // Writes a locked buffer's data to the device now.
  Result<void> write(Buffer* buffer);
  // Unlocks and drops a buffer from read()/zeroed().
  void release(Buffer* buffer);

  // The log keeps committed-but-not-installed buffers in the cache.
  void pin(Buffer* buffer);
  void unpin(Buffer* buffer);

  // Device transfers of whole blocks (for the log, which bypasses the cache).
  Result<void> device_read(uint32_t blockno, void* data);
  Result<void> device_write(uint32_t blockno, const void* data);
  // `count` consecutive blocks from `blockno`, from separate buffers, as
  // one request where the device can.
  Result<void> device_write_pages(uint32_t blockno, const void* const* data, uint32_t count);

 private:
  Result<Buffer*> get(uint32_t blockno);
  size_t bucket(uint32_t blockno) const { return blockno % nbuckets_; }
  void lru_remove(Buffer* b);
  void lru_push_front(Buffer* b);
  void unhash(Buffer* b);

  Spinlock lock_{"buffer_cache", LockRank::BufferCache};
  block::BlockDevice* device_ = nullptr;
  uint64_t limit_ = 0;
  Buffer* buffers_ = nullptr;
  size_t count_ = 0;
  Buffer** buckets_ = nullptr;
  size_t nbuckets_ = 0;
  Buffer lru_;  // sentinel: lru_.lru_next is the most recently used
  int sleepers_ = 0;  // threads waiting in get() for a free buffer
  void (*on_corrupt_)(void*, uint32_t, BlockKind) = nullptr;
  void* on_corrupt_ctx_ = nullptr;
};

}  // namespace rivet::fs

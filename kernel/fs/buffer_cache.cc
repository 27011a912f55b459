#include "kernel/fs/buffer_cache.h"

#include <string.h>

#include <new>

#include "kernel/fs/format.h"
#include "kernel/log/panic.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/proc/wait.h"

namespace rivet::fs {

Result<void> BufferCache::init(block::BlockDevice* device, size_t count) {
  if (count == 0) return Error::Invalid;
  destroy();
  device_ = device;
  limit_ = device->sector_count() / kSectorsPerBlock;
  buffers_ = static_cast<Buffer*>(kmalloc(sizeof(Buffer) * count));
  nbuckets_ = count | 1;
  buckets_ = static_cast<Buffer**>(kzalloc(sizeof(Buffer*) * nbuckets_));
  if (!buffers_ || !buckets_) {
    kfree(buffers_);
    kfree(buckets_);
    buffers_ = nullptr;
    buckets_ = nullptr;
    return Error::NoMemory;
  }
  lru_.lru_next = lru_.lru_prev = &lru_;
  for (size_t i = 0; i < count; i++) {
    Buffer* b = new (&buffers_[i]) Buffer();
    // kmalloc memory lies in the direct map, so drivers can DMA to it.
    b->data = static_cast<uint8_t*>(kmalloc(kBlockSize));
    count_ = i + 1;
    if (!b->data) {
      destroy();
      return Error::NoMemory;
    }
    lru_push_front(b);
  }
  return {};
}

void BufferCache::destroy() {
  if (!buffers_) return;
  for (size_t i = 0; i < count_; i++) {
    RIVET_ASSERT(buffers_[i].refcnt == 0);
    kfree(buffers_[i].data);
    buffers_[i].~Buffer();
  }
  kfree(buffers_);
  kfree(buckets_);
  buffers_ = nullptr;
  buckets_ = nullptr;
  count_ = 0;
}

void BufferCache::lru_remove(Buffer* b) {
  b->lru_prev->lru_next = b->lru_next;
  b->lru_next->lru_prev = b->lru_prev;
}

void BufferCache::lru_push_front(Buffer* b) {
  b->lru_next = lru_.lru_next;
  b->lru_prev = &lru_;
  lru_.lru_next->lru_prev = b;
  lru_.lru_next = b;
}

void BufferCache::unhash(Buffer* b) {
  if (!b->hashed) return;
  Buffer** link = &buckets_[bucket(b->blockno)];
  while (*link != b) link = &(*link)->hash_next;
  *link = b->hash_next;
  b->hash_next = nullptr;
  b->hashed = false;
}

// Finds or recycles the buffer for `blockno` and returns it locked.
Result<Buffer*> BufferCache::get(uint32_t blockno) {
  if (blockno >= limit_) return Error::Malformed;
  Buffer* found = nullptr;
  {
    SpinlockGuard guard(lock_);
    for (;;) {
      for (Buffer* b = buckets_[bucket(blockno)]; b; b = b->hash_next) {
        if (b->blockno == blockno) {
          found = b;
          break;
        }
      }
      if (found) break;
      // Recycle the least recently used idle buffer.
      for (Buffer* b = lru_.lru_prev; b != &lru_; b = b->lru_prev) {
        if (b->refcnt == 0) {
          unhash(b);
          b->blockno = blockno;
          b->valid = false;
          b->hashed = true;
          b->hash_next = buckets_[bucket(blockno)];
          buckets_[bucket(blockno)] = b;
          found = b;
          break;
        }
      }
      if (found) break;
      // Every buffer is held or pinned by the log: wait for a release. The
      // cache is sized well above the log, so this means heavy concurrency.
      sleepers_++;
      sleep_on(this, lock_);
      sleepers_--;
    }
    found->refcnt++;
  }
  found->lock.lock();
  return found;
}

Result<Buffer*> BufferCache::read(uint32_t blockno, BlockKind kind) {
  Buffer* b = TRY(get(blockno));
  if (!b->valid) {
    auto r = device_read(blockno, b->data);
    if (!r.ok()) {
      release(b);
      return r.error();
    }
    if (!verify_block(kind, blockno, b->data)) {
      // Left invalid: the next reader reads (and checks) it again.
      release(b);
      if (on_corrupt_) on_corrupt_(on_corrupt_ctx_, blockno, kind);
      return Error::Io;
    }
    b->valid = true;
  }
  // A cached block keeps the contents the kernel gave it; it may be a
  // block reused for another purpose since (freed, then zeroed by balloc).
  b->kind = kind;
  return b;
}

Buffer* BufferCache::cached(uint32_t blockno) {
  Buffer* found = nullptr;
  {
    SpinlockGuard guard(lock_);
    for (Buffer* b = buckets_[bucket(blockno)]; b; b = b->hash_next) {
      if (b->blockno == blockno) {
        found = b;
        break;
      }
    }
    if (!found) return nullptr;
    found->refcnt++;
  }
  found->lock.lock();
  if (!found->valid) {  // a read that failed left it empty
    release(found);
    return nullptr;
  }
  return found;
}

Result<Buffer*> BufferCache::zeroed(uint32_t blockno) {
  Buffer* b = TRY(get(blockno));
  memset(b->data, 0, kBlockSize);
  b->valid = true;
  b->kind = BlockKind::Data;
  return b;
}

Result<void> BufferCache::write(Buffer* b) {
  RIVET_ASSERT(b->lock.held_by_current());
  return device_write(b->blockno, b->data);
}

void BufferCache::release(Buffer* b) {
  RIVET_ASSERT(b->lock.held_by_current());
  b->lock.unlock();
  SpinlockGuard guard(lock_);
  RIVET_ASSERT(b->refcnt > 0);
  b->refcnt--;
  if (b->refcnt == 0) {
    lru_remove(b);
    lru_push_front(b);
    if (sleepers_) wakeup(this);  // (wakeup looks at every process)
  }
}

void BufferCache::pin(Buffer* b) {
  SpinlockGuard guard(lock_);
  b->refcnt++;
}

void BufferCache::unpin(Buffer* b) {
  SpinlockGuard guard(lock_);
  RIVET_ASSERT(b->refcnt > 0);
  b->refcnt--;
  if (b->refcnt == 0 && sleepers_) wakeup(this);
}

Result<void> BufferCache::device_read(uint32_t blockno, void* data) {
  if (blockno >= limit_) return Error::Malformed;
  auto r = device_->read(uint64_t{blockno} * kSectorsPerBlock, data, kSectorsPerBlock);
  return r.ok() ? Result<void>() : Result<void>(Error::Io);
}

Result<void> BufferCache::device_write(uint32_t blockno, const void* data) {
  if (blockno >= limit_) return Error::Malformed;
  auto r = device_->write(uint64_t{blockno} * kSectorsPerBlock, data, kSectorsPerBlock);
  return r.ok() ? Result<void>() : Result<void>(Error::Io);
}

Result<void> BufferCache::device_write_pages(uint32_t blockno, const void* const* data, uint32_t count) {
  if (count == 0) return {};
  if (uint64_t{blockno} + count > limit_) return Error::Malformed;
  auto r = device_->write_pages(uint64_t{blockno} * kSectorsPerBlock, data, count);
  return r.ok() ? Result<void>() : Result<void>(Error::Io);
}

}  // namespace rivet::fs

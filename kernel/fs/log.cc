#include "kernel/fs/log.h"

#include <string.h>

#include "kernel/lib/log.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/proc/wait.h"

namespace rivet::fs {

Result<void> Log::init(BufferCache* cache, const SuperBlock& sb) {
  destroy();
  cache_ = cache;
  start_ = sb.logstart;
  capacity_ = sb.nlog - 1;
  fs_size_ = sb.size;
  first_home_ = sb.inodestart;
  if (capacity_ > kLogMaxEntries || capacity_ < kMaxOpBlocks) return Error::Malformed;
  blocks_ = static_cast<uint32_t*>(kzalloc(sizeof(uint32_t) * capacity_));
  buffers_ = static_cast<Buffer**>(kzalloc(sizeof(Buffer*) * capacity_));
  header_ = static_cast<LogHeader*>(kmalloc(sizeof(LogHeader)));
  slot_data_ = static_cast<const void**>(kzalloc(sizeof(void*) * capacity_));
  if (!blocks_ || !buffers_ || !header_ || !slot_data_) {
    destroy();
    return Error::NoMemory;
  }
  outstanding_ = 0;
  committing_ = false;
  count_ = 0;
  reserved_ = 0;
  failed_ = false;
  sequence_ = 0;
  auto r = recover();
  if (!r.ok()) destroy();
  return r;
}

void Log::destroy() {
  kfree(blocks_);
  kfree(buffers_);
  kfree(header_);
  kfree(slot_data_);
  slot_data_ = nullptr;
  blocks_ = nullptr;
  buffers_ = nullptr;
  header_ = nullptr;
}

Result<void> Log::write_header(uint32_t count) {
  memset(header_, 0, sizeof(LogHeader));
  header_->magic = count ? kLogMagic : 0;
  header_->count = count;
  header_->sequence = sequence_;
  for (uint32_t i = 0; i < count; i++) header_->blocks[i] = blocks_[i];
  header_->checksum = log_header_checksum(*header_);
  return cache_->device_write(start_, header_);
}

// Replays a committed transaction, if the header holds one. Idempotent: a
// crash during recovery just replays again at the next mount.
Result<void> Log::recover() {
  TRY(cache_->device_read(start_, header_));
  sequence_ = header_->sequence;
  bool committed = header_->magic == kLogMagic && header_->count > 0 &&
                   header_->count <= kLogMaxEntries &&
                   header_->checksum == log_header_checksum(*header_);
  if (!committed) {
    // Nothing to replay (or a header torn mid-write, whose transaction
    // never reached its home blocks). Leave the header alone: a clean
    // header need not be rewritten, and a torn one is harmless.
    return {};
  }
  uint32_t n = header_->count;
  if (n > capacity_) return Error::Malformed;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t home = header_->blocks[i];
    if (home < first_home_ || home >= fs_size_) return Error::Malformed;
    blocks_[i] = home;
  }
  // The header page doubles as the copy buffer, so keep the block list in blocks_.
  for (uint32_t i = 0; i < n; i++) {
    TRY(cache_->device_read(start_ + 1 + i, header_));
    TRY(cache_->device_write(blocks_[i], header_));
  }
  TRY(cache_->device()->flush());
  TRY(write_header(0));
  TRY(cache_->device()->flush());
  kprintf("fs: log: replayed %u blocks of a committed transaction\n", n);
  return {};
}

void Log::begin_op() {
  SpinlockGuard guard(lock_);
  for (;;) {
    if (committing_) {
      sleep_on(this, lock_);
    } else if (count_ + uint64_t(outstanding_ + 1) * kMaxOpBlocks > capacity_) {
      // This operation might exhaust the log space; wait for a commit.
      sleep_on(this, lock_);
    } else {
      outstanding_++;
      reserved_ += kMaxOpBlocks;
      return;
    }
  }
}

void Log::end_op() {
  bool do_commit = false;
  {
    SpinlockGuard guard(lock_);
    RIVET_ASSERT(outstanding_ > 0);
    RIVET_ASSERT(!committing_);
    outstanding_--;
    if (outstanding_ == 0) {
      do_commit = true;
      committing_ = true;
    } else {
      // begin_op() may be waiting for log space; this operation's
      // reservation is no longer needed.
      wakeup(this);
    }
  }
  if (do_commit) {
    // Not holding the spinlock: committing sleeps on the device.
    commit();
    SpinlockGuard guard(lock_);
    committing_ = false;
    wakeup(this);
  }
}

void Log::write(Buffer* b) {
  RIVET_ASSERT(b->lock.held_by_current());
  SpinlockGuard guard(lock_);
  if (outstanding_ < 1) panic("log write outside of a transaction");
  for (uint32_t i = 0; i < count_; i++) {
    if (blocks_[i] == b->blockno) return;  // absorbed into the pending write
  }
  if (count_ >= capacity_ || count_ >= reserved_)
    panic("fs: transaction too big (%u blocks, %u reserved)", count_ + 1, reserved_);
  blocks_[count_] = b->blockno;
  buffers_[count_] = b;
  count_++;
  cache_->pin(b);
}

void Log::commit() {
  uint32_t n = count_;
  if (n > 0 && !failed_) {
    sequence_++;
    Result<void> r;
    // 1. The modified blocks into the log slots, which follow each other
    //    on the device: one request. The buffers are stable: no
    //    operation is running while the group commits.
    for (uint32_t i = 0; i < n; i++) {
      buffers_[i]->lock.lock();
      slot_data_[i] = buffers_[i]->data;
    }
    r = cache_->device_write_pages(start_ + 1, slot_data_, n);
    for (uint32_t i = 0; i < n; i++) buffers_[i]->lock.unlock();
    // 2. The commit record, only once the slots are durable.
    if (r.ok()) r = cache_->device()->flush();
    if (r.ok()) r = write_header(n);
    if (r.ok()) r = cache_->device()->flush();
    // 3. Home locations, durable before the record is erased.
    for (uint32_t i = 0; i < n && r.ok(); i++) {
      Buffer* b = buffers_[i];
      b->lock.lock();
      r = cache_->device_write(b->blockno, b->data);
      b->lock.unlock();
    }
    if (r.ok()) r = cache_->device()->flush();
    // 4. Erase the record. If this write is lost, the next mount replays
    //    the same blocks again, which is harmless.
    if (r.ok()) r = write_header(0);
    if (!r.ok()) {
      failed_ = true;
      kprintf("fs: log commit failed (%s): later changes stay in memory only\n",
              error_name(r.error()));
    }
  }
  for (uint32_t i = 0; i < n; i++) cache_->unpin(buffers_[i]);
  if (on_commit_) on_commit_(on_commit_ctx_);
  SpinlockGuard guard(lock_);
  count_ = 0;
  reserved_ = 0;
}

void Log::sync() {
  {
    SpinlockGuard guard(lock_);
    while (outstanding_ > 0 || committing_) sleep_on(this, lock_);
  }
  if (!failed_) (void)cache_->device()->flush();
}

}  // namespace rivet::fs

#include "kernel/fs/log.h"

#include "kernel/fs/page_cache.h"

#include <string.h>

#include "kernel/log/log.h"
#include "kernel/log/panic.h"
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
  slot_sums_ = static_cast<uint32_t*>(kzalloc(sizeof(uint32_t) * capacity_));
  buffers_ = static_cast<Buffer**>(kzalloc(sizeof(Buffer*) * capacity_));
  header_ = static_cast<LogHeader*>(kmalloc(sizeof(LogHeader)));
  slot_data_ = static_cast<const void**>(kzalloc(sizeof(void*) * capacity_));
  installing_blocks_ = static_cast<uint32_t*>(kzalloc(sizeof(uint32_t) * capacity_));
  installing_buffers_ = static_cast<Buffer**>(kzalloc(sizeof(Buffer*) * capacity_));
  copies_ = static_cast<uint8_t**>(kzalloc(sizeof(uint8_t*) * capacity_));
  if (!blocks_ || !slot_sums_ || !buffers_ || !header_ || !slot_data_ || !installing_blocks_ || !installing_buffers_ || !copies_) {
    destroy();
    return Error::NoMemory;
  }
  outstanding_ = 0;
  committing_ = false;
  commit_wanted_ = false;
  installing_ = 0;
  operations_ = 0;
  count_ = 0;
  reserved_ = 0;
  __atomic_store_n(&failed_, false, __ATOMIC_RELAXED);
  sequence_ = 0;
  auto r = recover();
  if (!r.ok()) destroy();
  return r;
}

void Log::destroy() {
  kfree(blocks_);
  kfree(slot_sums_);
  slot_sums_ = nullptr;
  kfree(buffers_);
  kfree(header_);
  kfree(slot_data_);
  slot_data_ = nullptr;
  if (copies_)
    for (uint32_t i = 0; i < capacity_; i++) kfree(copies_[i]);
  kfree(copies_);
  kfree(installing_blocks_);
  kfree(installing_buffers_);
  copies_ = nullptr;
  installing_blocks_ = nullptr;
  installing_buffers_ = nullptr;
  blocks_ = nullptr;
  buffers_ = nullptr;
  header_ = nullptr;
}

Result<void> Log::write_header(uint32_t count) {
  memset(header_, 0, sizeof(LogHeader));
  header_->magic = count ? kLogMagic : 0;
  header_->count = count;
  header_->sequence = sequence_;
  for (uint32_t i = 0; i < count; i++) {
    header_->blocks[i] = blocks_[i];
    header_->sums[i] = slot_sums_[i];
  }
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
    slot_sums_[i] = header_->sums[i];
  }
  // The header page doubles as the copy buffer, so keep the block list in
  // blocks_. Every slot is checked before any goes home: a damaged copy
  // (of the bitmap, say) must never overwrite a good home block, and a
  // replay that stops part-way would leave a half-applied group.
  for (uint32_t i = 0; i < n; i++) {
    TRY(cache_->device_read(start_ + 1 + i, header_));
    if (log_slot_checksum(blocks_[i], header_) != slot_sums_[i]) {
      kprintf("fs: checksum mismatch in block %u (log slot for block %u): not replaying the log\n",
              start_ + 1 + i, blocks_[i]);
      return Error::Io;
    }
  }
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
    if (committing_ || commit_wanted_) {
      sleep_on(this, lock_);
    } else if (installing_ + count_ + uint64_t(outstanding_ + 1) * kMaxOpBlocks > capacity_) {
      // This operation might exhaust the log space: commit (and install)
      // first, ourselves if nothing runs, else by the last to end.
      if (outstanding_ == 0) {
        committing_ = true;
        lock_.unlock();
        commit_group();
        install();
        lock_.lock();
        committing_ = false;
        wakeup(this);
      } else {
        commit_wanted_ = true;
        sleep_on(this, lock_);
      }
    } else {
      outstanding_++;
      // A bound for write()'s check only; a long group must not wrap it.
      reserved_ = reserved_ > UINT32_MAX - kMaxOpBlocks ? UINT32_MAX : reserved_ + kMaxOpBlocks;
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
    operations_++;
    if (outstanding_ == 0 && commit_wanted_) {
      do_commit = true;
      committing_ = true;
      commit_wanted_ = false;
    } else {
      // begin_op() may be waiting for log space; this operation's
      // reservation is no longer needed.
      wakeup(this);
    }
  }
  if (do_commit) {
    // Not holding the spinlock: committing sleeps on the device.
    commit_group();
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

// Writes the current group to the log and its commit record. The group
// stays to be installed (installing_); an earlier one is installed first,
// as the log area is reused.
void Log::commit_group() {
  install();
  uint32_t n = count_;
  if (n == 0) return;
  bool copied = !failed();
  // Copies of the blocks as the group left them: later groups may change
  // the buffers before this one is installed.
  for (uint32_t i = 0; i < n && copied; i++) {
    if (!copies_[i]) copies_[i] = static_cast<uint8_t*>(kmalloc(kBlockSize));
    copied = copies_[i] != nullptr;
  }
  Result<void> r;
  if (!failed()) {
    sequence_++;
    for (uint32_t i = 0; i < n; i++) {
      Buffer* b = buffers_[i];
      b->lock.lock();
      // The one place metadata leaves for the device: its checksum is
      // computed here, from the contents the group commits.
      stamp_block(b->kind, b->blockno, b->data);
      if (copied) memcpy(copies_[i], b->data, kBlockSize);
      slot_data_[i] = copied ? copies_[i] : b->data;
      slot_sums_[i] = log_slot_checksum(blocks_[i], slot_data_[i]);
      if (copied) b->lock.unlock();
    }
    // 1. The blocks into the log slots, which follow each other on the
    //    device: one request.
    r = cache_->device_write_pages(start_ + 1, slot_data_, n);
    if (!copied)
      for (uint32_t i = 0; i < n; i++) buffers_[i]->lock.unlock();
    // 2. The commit record, only once the slots are durable.
    if (r.ok()) r = cache_->device()->flush();
    if (r.ok()) r = write_header(n);
    if (r.ok()) r = cache_->device()->flush();
  }
  for (uint32_t i = 0; i < n; i++) {
    installing_blocks_[i] = blocks_[i];
    installing_buffers_[i] = buffers_[i];
  }
  installing_ = n;
  {
    SpinlockGuard guard(lock_);
    count_ = 0;
    reserved_ = 0;
    open_seen_ = 0;
    installing_seen_ = 0;
  }
  if (!r.ok()) {
    freeze();
    kprintf("fs: log commit failed (%s): later changes stay in memory only\n", error_name(r.error()));
  }
  // Without copies, the buffers must reach home before anyone changes them.
  if (!copied) install();
}

// Writes the committed group's blocks home (runs of adjacent blocks as one
// request each), then erases the commit record.
void Log::install() {
  uint32_t n = installing_;
  if (n == 0) return;
  Result<void> r;
  if (!failed()) {
    // Home order: sort the (few) entries by block number, copies along.
    for (uint32_t i = 1; i < n; i++) {
      for (uint32_t j = i; j > 0 && installing_blocks_[j - 1] > installing_blocks_[j]; j--) {
        uint32_t tb = installing_blocks_[j];
        installing_blocks_[j] = installing_blocks_[j - 1];
        installing_blocks_[j - 1] = tb;
        Buffer* bb = installing_buffers_[j];
        installing_buffers_[j] = installing_buffers_[j - 1];
        installing_buffers_[j - 1] = bb;
        uint8_t* cb = copies_[j];
        copies_[j] = copies_[j - 1];
        copies_[j - 1] = cb;
      }
    }
    bool from_copies = copies_[0] != nullptr;
    for (uint32_t i = 0; i < n && from_copies; i++) from_copies = copies_[i] != nullptr;
    for (uint32_t i = 0; i < n && r.ok();) {
      uint32_t run = 1;
      while (i + run < n && installing_blocks_[i + run] == installing_blocks_[i] + run) run++;
      for (uint32_t k = 0; k < run; k++) {
        if (!from_copies) installing_buffers_[i + k]->lock.lock();
        slot_data_[k] = from_copies ? copies_[i + k] : installing_buffers_[i + k]->data;
      }
      r = cache_->device_write_pages(installing_blocks_[i], slot_data_, run);
      if (!from_copies)
        for (uint32_t k = 0; k < run; k++) installing_buffers_[i + k]->lock.unlock();
      i += run;
    }
    if (r.ok()) r = cache_->device()->flush();
    // Erase the record, durably before blocks the group freed are reused.
    if (r.ok()) r = write_header(0);
    if (r.ok()) r = cache_->device()->flush();
    if (!r.ok()) {
      freeze();
      kprintf("fs: log install failed (%s): later changes stay in memory only\n", error_name(r.error()));
    }
  }
  for (uint32_t i = 0; i < n; i++) cache_->unpin(installing_buffers_[i]);
  // The copies go back to the heap: a big group must not keep its memory.
  for (uint32_t i = 0; i < n; i++) {
    kfree(copies_[i]);
    copies_[i] = nullptr;
  }
  installing_ = 0;
  if (on_installed_) on_installed_(on_installed_ctx_);
}

void Log::commit(bool also_install) {
  {
    SpinlockGuard guard(lock_);
    // New operations wait; the last running one commits.
    while (committing_ || outstanding_ > 0) {
      if (outstanding_ > 0) commit_wanted_ = true;
      sleep_on(this, lock_);
    }
    committing_ = true;
  }
  commit_group();
  if (also_install) install();
  if (!failed()) (void)cache_->device()->flush();
  SpinlockGuard guard(lock_);
  committing_ = false;
  wakeup(this);
}

void Log::freeze() {
  // Read by the committer without the lock; a group committing right now
  // may still finish, which is as if the corruption had been found after.
  __atomic_store_n(&failed_, true, __ATOMIC_RELEASE);
}

void Log::checkpoint(uint32_t epoch) {
  {
    SpinlockGuard guard(lock_);
    if (count_ > 0 && open_seen_ == 0) open_seen_ = epoch;
    if (installing_ > 0 && installing_seen_ == 0) installing_seen_ = epoch;
    bool commit_due = count_ > 0 && epoch - open_seen_ >= kWriteBackDelaySeconds;
    bool install_due = installing_ > 0 && epoch - installing_seen_ >= kWriteBackDelaySeconds;
    if (committing_ || outstanding_ > 0 || !(commit_due || install_due)) return;
    committing_ = true;
  }
  commit_group();
  install();
  SpinlockGuard guard(lock_);
  committing_ = false;
  wakeup(this);
}

}  // namespace rivet::fs

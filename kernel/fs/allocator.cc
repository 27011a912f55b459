// The free-block bitmap: one bit per block of the file system, set for the
// metadata blocks and for every data block in use; the count of free
// blocks and the reservations dirty file data holds against it.
#include <string.h>

#include "kernel/fs/filesystem.h"
#include "kernel/log/log.h"
#include "kernel/mm/kmalloc.h"

namespace rivet::fs {

Result<void> FileSystem::count_free_blocks() {
  uint64_t free = 0;
  // A bitmap with a valid checksum can still be wrong (a buggy writer, a
  // zeroed block stamped afresh). Every metadata block must be marked in
  // use; one that is not proves the bitmap cannot be believed, and
  // allocating from it would hand out blocks in use.
  uint32_t wrong_bitmap = 0, free_metadata = 0;
  for (uint32_t bi = 0; bi < sb_.nbmapblocks; bi++) {
    auto bpr = cache_.read(sb_.bmapstart + bi, BlockKind::Bitmap);
    if (!bpr.ok() && bpr.error() == Error::Io && read_only()) continue;  // corrupt: counts as full
    Buffer* bp = TRY(bpr);
    uint32_t base = bi * kBitsPerBlock;
    for (uint32_t bit = 0; bit < kBitsPerBlock; bit++) {
      uint32_t b = base + bit;
      if (b >= sb_.size) break;
      bool used = bp->data[bit / 8] & (1u << (bit % 8));
      if (b < sb_.datastart) {
        if (!used && !wrong_bitmap) wrong_bitmap = sb_.bmapstart + bi, free_metadata = b;
        continue;
      }
      if (!used) free++;
    }
    cache_.release(bp);
  }
  if (wrong_bitmap) {
    bool first;
    {
      SpinlockGuard guard(space_lock_);
      first = !read_only_;
      __atomic_store_n(&read_only_, true, __ATOMIC_RELEASE);
    }
    log_.freeze();
    kprintf("fs: bitmap block %u marks metadata block %u free%s\n", wrong_bitmap, free_metadata,
            first ? ": the file system is read-only until reboot" : "");
  }
  if (!pending_free_) {
    pending_free_ = static_cast<uint8_t**>(kzalloc(sizeof(uint8_t*) * sb_.nbmapblocks));
    if (!pending_free_) return Error::NoMemory;
  }
  SpinlockGuard guard(space_lock_);
  free_blocks_ = free;
  reserved_blocks_ = 0;
  return {};
}

void FileSystem::forget_pending_frees() {
  if (!pending_free_) return;
  for (uint32_t bi = 0; bi < sb_.nbmapblocks; bi++) kfree(pending_free_[bi]);
  kfree(pending_free_);
  pending_free_ = nullptr;
}

Result<void> FileSystem::reserve_blocks(uint32_t n) {
  SpinlockGuard guard(space_lock_);
  if (free_blocks_ < reserved_blocks_ + n) return Error::NoSpace;
  reserved_blocks_ += n;
  return {};
}

void FileSystem::unreserve_blocks(uint32_t n) {
  SpinlockGuard guard(space_lock_);
  reserved_blocks_ = n > reserved_blocks_ ? 0 : reserved_blocks_ - n;
}

void FileSystem::installed() {
  if (!pending_free_) return;
  for (uint32_t bi = 0; bi < sb_.nbmapblocks; bi++)
    if (pending_free_[bi]) memset(pending_free_[bi], 0, kBlockSize);
}

Result<uint32_t> FileSystem::balloc(bool zero, bool reserved, uint32_t goal) {
  TRY(check_writable());
  // Take the space first, so concurrent allocations never overdraw it.
  {
    SpinlockGuard guard(space_lock_);
    if (reserved && reserved_blocks_ > 0) {
      reserved_blocks_--;
    } else {
      reserved = false;
      if (free_blocks_ <= reserved_blocks_) return Error::NoSpace;
    }
    free_blocks_--;
  }
  auto give_back = [&] {
    SpinlockGuard guard(space_lock_);
    free_blocks_++;
    if (reserved) reserved_blocks_++;
  };
  const uint32_t nbitmap = sb_.nbmapblocks;
  uint32_t hint = goal ? goal : __atomic_load_n(&block_hint, __ATOMIC_RELAXED);
  if (hint >= sb_.size) hint = 0;
  uint32_t start = hint / kBitsPerBlock;
  // The first bitmap block is searched from the hint, then from its start
  // again at the end of the round.
  for (uint32_t k = 0; k <= nbitmap; k++) {
    uint32_t bi = (start + k) % nbitmap;
    uint32_t base = bi * kBitsPerBlock;
    uint32_t from_byte = k == 0 ? (hint % kBitsPerBlock) / 8 : 0;
    auto bpr = cache_.read(sb_.bmapstart + bi, BlockKind::Bitmap);
    if (!bpr.ok()) {
      give_back();
      return bpr.error();
    }
    Buffer* bp = bpr.value();
    const uint8_t* pending = pending_free_ ? pending_free_[bi] : nullptr;
    uint32_t found = 0;
    for (uint32_t byte = from_byte; byte < kBitmapBytesPerBlock && !found; byte++) {
      uint8_t busy = bp->data[byte];
      if (pending) busy = static_cast<uint8_t>(busy | pending[byte]);
      if (busy == 0xff) continue;
      for (uint32_t bit = 0; bit < 8; bit++) {
        uint32_t b = base + byte * 8 + bit;
        if (b >= sb_.size) break;
        if (b < sb_.datastart) continue;  // metadata; its bit should be set anyway
        if (!(busy & (1u << bit))) {
          bp->data[byte] = static_cast<uint8_t>(bp->data[byte] | (1u << bit));
          found = b;
          break;
        }
      }
    }
    if (!found) {
      cache_.release(bp);
      continue;
    }
    log_.write(bp);
    cache_.release(bp);
    __atomic_store_n(&block_hint, found + 1, __ATOMIC_RELAXED);
    if (zero) {
      // A new block starts zeroed, so stale contents never leak into a
      // file and a new indirect block maps nothing.
      auto zb = cache_.zeroed(found);
      if (!zb.ok()) return zb.error();  // the bit stays set: fsck reclaims it
      log_.write(zb.value());
      cache_.release(zb.value());
    }
    return found;
  }
  // Every free block was freed by a group not yet installed.
  give_back();
  return Error::NoSpace;
}

Result<void> FileSystem::bfree(uint32_t block) {
  TRY(check_writable());
  if (!is_data_block(sb_, block)) return Error::Malformed;
  uint32_t bi = block / kBitsPerBlock;
  if (!pending_free_) return Error::NoMemory;  // (set up at mount)
  Buffer* bp = TRY(cache_.read(bitmap_block(sb_, block), BlockKind::Bitmap));
  uint32_t bit = block % kBitsPerBlock;
  uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
  if (!(bp->data[bit / 8] & mask)) {
    cache_.release(bp);
    kprintf("fs: freeing free block %u\n", block);
    return Error::Malformed;
  }
  if (!pending_free_[bi]) {
    // Under the bitmap block's lock, so only one thread allocates it.
    pending_free_[bi] = static_cast<uint8_t*>(kzalloc(kBlockSize));
    if (!pending_free_[bi]) {
      cache_.release(bp);
      return Error::NoMemory;
    }
  }
  bp->data[bit / 8] = static_cast<uint8_t>(bp->data[bit / 8] & ~mask);
  pending_free_[bi][bit / 8] = static_cast<uint8_t>(pending_free_[bi][bit / 8] | mask);
  log_.write(bp);
  cache_.release(bp);
  SpinlockGuard guard(space_lock_);
  free_blocks_++;
  return {};
}

}  // namespace rivet::fs

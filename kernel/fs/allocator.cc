// The free-block bitmap: one bit per block of the file system, set for the
// metadata blocks and for every data block in use.
#include <string.h>

#include "kernel/fs/filesystem.h"
#include "kernel/lib/log.h"

namespace rivet::fs {

Result<uint32_t> FileSystem::balloc() {
  const uint32_t nbitmap = sb_.nbmapblocks;
  uint32_t start = __atomic_load_n(&block_hint, __ATOMIC_RELAXED) / kBitsPerBlock;
  if (start >= nbitmap) start = 0;
  for (uint32_t k = 0; k < nbitmap; k++) {
    uint32_t bi = (start + k) % nbitmap;
    uint32_t base = bi * kBitsPerBlock;
    Buffer* bp = TRY(cache_.read(sb_.bmapstart + bi));
    uint32_t found = 0;
    for (uint32_t byte = 0; byte < kBlockSize && !found; byte++) {
      if (bp->data[byte] == 0xff) continue;
      for (uint32_t bit = 0; bit < 8; bit++) {
        uint32_t b = base + byte * 8 + bit;
        if (b >= sb_.size) break;
        if (b < sb_.datastart) continue;  // metadata; its bit should be set anyway
        if (!(bp->data[byte] & (1u << bit))) {
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
    // A new block starts zeroed, so stale contents never leak into a file
    // and a new indirect block maps nothing.
    Buffer* zb = TRY(cache_.zeroed(found));
    log_.write(zb);
    cache_.release(zb);
    __atomic_store_n(&block_hint, found, __ATOMIC_RELAXED);
    return found;
  }
  return Error::NoSpace;
}

Result<void> FileSystem::bfree(uint32_t block) {
  if (!is_data_block(sb_, block)) return Error::Malformed;
  Buffer* bp = TRY(cache_.read(bitmap_block(sb_, block)));
  uint32_t bit = block % kBitsPerBlock;
  uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
  if (!(bp->data[bit / 8] & mask)) {
    cache_.release(bp);
    kprintf("fs: freeing free block %u\n", block);
    return Error::Malformed;
  }
  bp->data[bit / 8] = static_cast<uint8_t>(bp->data[bit / 8] & ~mask);
  log_.write(bp);
  cache_.release(bp);
  return {};
}

}  // namespace rivet::fs

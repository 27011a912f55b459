#include "kernel/fs/inode.h"

#include <string.h>

#include "kernel/sys/abi.h"

#include <new>

#include "kernel/fs/filesystem.h"
#include "kernel/fs/page_cache.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/mm/kmalloc.h"

namespace rivet::fs {

// ---- the inode cache ---------------------------------------------------------

Result<void> InodeTable::init(FileSystem* fs, size_t count) {
  destroy();
  if (count == 0) return Error::Invalid;
  slots_ = static_cast<Inode*>(kmalloc(sizeof(Inode) * count));
  if (!slots_) return Error::NoMemory;
  for (size_t i = 0; i < count; i++) new (&slots_[i]) Inode();
  count_ = count;
  fs_ = fs;
  return {};
}

void InodeTable::destroy() {
  if (!slots_) return;
  for (size_t i = 0; i < count_; i++) {
    cache_forget(&slots_[i]);
    slots_[i].~Inode();
  }
  kfree(slots_);
  slots_ = nullptr;
  count_ = 0;
}

size_t InodeTable::in_use() {
  SpinlockGuard guard(lock_);
  size_t n = 0;
  for (size_t i = 0; i < count_; i++)
    if (slots_[i].ref > 0) n++;
  return n;
}

Result<Inode*> InodeTable::get(uint32_t inum) {
  if (!is_valid_inum(fs_->superblock(), inum)) return Error::Malformed;
  SpinlockGuard guard(lock_);
  // An unreferenced slot keeps its inode (valid) and the inode's cached
  // pages until the slot is needed: reopening a file finds its pages.
  Inode* empty = nullptr;   // never used, or holding an invalid inode
  Inode* idle = nullptr;    // unreferenced, without cached pages
  Inode* cached = nullptr;  // unreferenced, with cached pages (the oldest choice)
  for (size_t i = 0; i < count_; i++) {
    Inode* ip = &slots_[i];
    if (ip->inum == inum && (ip->ref > 0 || ip->valid)) {
      ip->ref++;
      return ip;
    }
    if (ip->ref != 0) continue;
    if (!ip->valid) {
      if (!empty) empty = ip;
    } else if (__atomic_load_n(&ip->cached_pages, __ATOMIC_RELAXED) == 0) {
      if (!idle) idle = ip;
    } else if (!cached) {
      cached = ip;
    }
  }
  Inode* slot = empty ? empty : idle ? idle : cached;
  if (!slot) return Error::TooManyFilesSystem;
  // Its pages are clean (dirty ones keep their inode referenced) and
  // nothing maps them (a mapping holds a reference too).
  cache_forget(slot);
  slot->fs = fs_;
  slot->inum = inum;
  slot->ref = 1;
  slot->valid = false;
  slot->readahead_next = 0;
  slot->readahead_pages = 0;
  slot->write_error = Error::None;
  return slot;
}

Inode* InodeTable::next_dirty(size_t* cursor) {
  SpinlockGuard guard(lock_);
  for (; *cursor < count_; (*cursor)++) {
    Inode* ip = &slots_[*cursor];
    if (ip->ref > 0 && __atomic_load_n(&ip->dirty_pinned, __ATOMIC_RELAXED)) {
      ip->ref++;
      (*cursor)++;
      return ip;
    }
  }
  return nullptr;
}

Inode* InodeTable::dup(Inode* ip) {
  SpinlockGuard guard(lock_);
  ip->ref++;
  return ip;
}

// Frees an unlinked inode nobody references any more: its blocks, over as
// many operations as it takes, then the inode itself. The caller is inside
// an operation and holds no other inode lock, so ending and beginning
// operations here cannot deadlock; no one else can reach this inode.
static void free_unlinked(Inode* ip) {
  Log& log = ip->fs->log();
  for (;;) {
    auto step = free_blocks_step(ip);
    if (!step.ok()) {
      // Left as an orphan: the next mount tries again.
      kprintf("fs: cannot free inode %u: %s\n", ip->inum, error_name(step.error()));
      ip->valid = false;
      return;
    }
    if (step.value()) break;
    log.end_op();
    log.begin_op();
  }
  ip->type = 0;
  ip->major = ip->minor = 0;
  if (!iupdate(ip).ok()) kprintf("fs: cannot free inode %u\n", ip->inum);
  ip->valid = false;
}

void InodeTable::put(Inode* ip) {
  lock_.lock();
  // (Not on a read-only file system: the inode stays an orphan, which
  // the next mount frees.)
  if (ip->ref == 1 && ip->valid && ip->nlink == 0 && !fs_->read_only()) {
    // The last reference to an unlinked inode. ref == 1 means no other
    // thread has it, so its sleep lock is free and nobody can find it.
    lock_.unlock();
    {
      // The sleep lock directly, not ilock: the inode is loaded (valid).
      SleepLockGuard locked(ip->lock);
      free_unlinked(ip);
    }
    lock_.lock();
  }
  RIVET_ASSERT(ip->ref > 0);
  ip->ref--;
  lock_.unlock();
}

Result<Inode*> iget(FileSystem& fs, uint32_t inum) { return fs.inodes().get(inum); }
Inode* idup(Inode* ip) { return ip->fs->inodes().dup(ip); }
void iput(Inode* ip) { ip->fs->inodes().put(ip); }

Result<void> ilock(Inode* ip) {
  RIVET_ASSERT(ip && ip->ref > 0);
  ip->lock.lock();
  if (ip->valid) return {};
  FileSystem& fs = *ip->fs;
  auto bp = fs.cache().read(inode_block(fs.superblock(), ip->inum), BlockKind::Inode);
  if (!bp.ok()) {
    ip->lock.unlock();
    return bp.error();
  }
  DiskInode d;
  memcpy(&d, bp.value()->data + (ip->inum % kInodesPerBlock) * sizeof(DiskInode), sizeof d);
  fs.cache().release(bp.value());
  // A disk image is untrusted: an inode in use must have a known type and
  // a size the block map can hold. Block numbers are checked where used.
  if (!is_valid_type(d.type) || d.size > kMaxFileSize ||
      (d.type == kTypeDir && !directory_size_ok(d.size))) {
    ip->lock.unlock();
    kprintf("fs: inode %u is %s\n", ip->inum, d.type == 0 ? "free" : "malformed");
    return Error::Malformed;
  }
  ip->type = d.type;
  ip->major = d.major;
  ip->minor = d.minor;
  ip->nlink = d.nlink;
  ip->size = d.size;
  ip->disk_size = d.size;
  memcpy(ip->addrs, d.addrs, sizeof ip->addrs);
  ip->valid = true;
  return {};
}

void iunlock(Inode* ip) {
  RIVET_ASSERT(ip && ip->lock.held_by_current() && ip->ref > 0);
  ip->lock.unlock();
}

void iunlockput(Inode* ip) {
  iunlock(ip);
  iput(ip);
}

Result<void> iupdate(Inode* ip) {
  RIVET_ASSERT(ip->lock.held_by_current());
  FileSystem& fs = *ip->fs;
  TRY(fs.check_writable());
  Buffer* bp = TRY(fs.cache().read(inode_block(fs.superblock(), ip->inum), BlockKind::Inode));
  DiskInode d{};
  d.type = ip->type;
  d.major = ip->major;
  d.minor = ip->minor;
  d.nlink = ip->nlink;
  // A regular file's data past disk_size is still in the page cache.
  d.size = ip->type == kTypeFile ? ip->disk_size : ip->size;
  memcpy(d.addrs, ip->addrs, sizeof d.addrs);
  memcpy(bp->data + (ip->inum % kInodesPerBlock) * sizeof(DiskInode), &d, sizeof d);
  fs.log().write(bp);
  fs.cache().release(bp);
  return {};
}

Result<Inode*> ialloc(FileSystem& fs, uint16_t type) {
  const SuperBlock& sb = fs.superblock();
  TRY(fs.check_writable());
  uint32_t start_block = __atomic_load_n(&fs.inode_hint, __ATOMIC_RELAXED) / kInodesPerBlock;
  if (start_block >= sb.ninodeblocks) start_block = 0;
  for (uint32_t k = 0; k < sb.ninodeblocks; k++) {
    uint32_t ib = (start_block + k) % sb.ninodeblocks;
    Buffer* bp = TRY(fs.cache().read(sb.inodestart + ib, BlockKind::Inode));
    for (uint32_t slot = 0; slot < kInodesPerBlock; slot++) {
      uint32_t inum = ib * kInodesPerBlock + slot;
      if (inum == 0 || inum >= sb.ninodes) continue;
      auto* d = reinterpret_cast<DiskInode*>(bp->data + slot * sizeof(DiskInode));
      if (d->type != 0) continue;
      // Take the cache slot first, so running out of cache slots leaves
      // the disk untouched.
      auto ip = iget(fs, inum);
      if (!ip.ok()) {
        fs.cache().release(bp);
        return ip.error();
      }
      memset(d, 0, sizeof *d);
      d->type = type;
      fs.log().write(bp);
      fs.cache().release(bp);
      __atomic_store_n(&fs.inode_hint, inum, __ATOMIC_RELAXED);
      return ip.value();
    }
    fs.cache().release(bp);
  }
  return Error::NoSpace;
}

// ---- the block map -------------------------------------------------------------

namespace {

// Where file block `fblock` sits: addrs[slot], then `levels` indirect
// blocks indexed by index[0..levels).
struct MapPath {
  uint32_t slot;
  int levels;
  uint32_t index[3];
};

Result<MapPath> map_path(uint64_t fblock) {
  MapPath p{};
  if (fblock < kDirect) {
    p.slot = static_cast<uint32_t>(fblock);
    return p;
  }
  uint64_t f = fblock - kDirect;
  if (f < kSingleBlocks) {
    p.slot = kSingleSlot;
    p.levels = 1;
    p.index[0] = static_cast<uint32_t>(f);
    return p;
  }
  f -= kSingleBlocks;
  if (f < kDoubleBlocks) {
    p.slot = kDoubleSlot;
    p.levels = 2;
    p.index[0] = static_cast<uint32_t>(f / kAddrsPerBlock);
    p.index[1] = static_cast<uint32_t>(f % kAddrsPerBlock);
    return p;
  }
  f -= kDoubleBlocks;
  if (f < kTripleBlocks) {
    p.slot = kTripleSlot;
    p.levels = 3;
    p.index[0] = static_cast<uint32_t>(f / kDoubleBlocks);
    p.index[1] = static_cast<uint32_t>(f / kAddrsPerBlock % kAddrsPerBlock);
    p.index[2] = static_cast<uint32_t>(f % kAddrsPerBlock);
    return p;
  }
  return Error::FileTooBig;
}

uint32_t* entries(Buffer* bp) { return reinterpret_cast<uint32_t*>(bp->data); }

}  // namespace

Result<uint32_t> bmap(Inode* ip, uint64_t fblock, bool allocate, bool data_written) {
  FileSystem& fs = *ip->fs;
  const SuperBlock& sb = fs.superblock();
  MapPath path = TRY(map_path(fblock));
  // chain[0] is addrs[slot]; chain[l+1] is entry index[l] of block chain[l];
  // chain[levels] is the data block.
  uint32_t chain[4] = {};
  chain[0] = ip->addrs[path.slot];
  int have = 0;  // leading chain entries present
  for (int l = 0; l <= path.levels; l++) {
    if (chain[l] == 0) break;
    if (!is_data_block(sb, chain[l])) return Error::Malformed;
    have = l + 1;
    if (l == path.levels) break;
    Buffer* bp = TRY(fs.cache().read(chain[l], BlockKind::Indirect));
    chain[l + 1] = entries(bp)[path.index[l]];
    fs.cache().release(bp);
  }
  if (have == path.levels + 1) return chain[path.levels];
  if (!allocate) return 0u;

  // Allocate every missing block first, so a full disk leaves nothing
  // half-linked.
  // Blocks for dirty file data come out of the inode's reservation, near
  // the block before (so a file's blocks follow each other on the device).
  uint32_t fresh[4] = {};
  int need = path.levels + 1 - have;
  // (Write-back goes through a file's pages in order.)
  uint32_t goal = data_written ? ip->fs->last_data_block + 1 : 0;
  for (int i = 0; i < need; i++) {
    bool is_data = i == need - 1;
    bool reserved = ip->reserved_blocks > 0;
    auto b = fs.balloc(!(is_data && data_written), reserved, goal);
    if (!b.ok()) {
      for (int j = 0; j < i; j++) (void)fs.bfree(fresh[j]);
      return b.error();
    }
    if (reserved && ip->reserved_blocks > 0) ip->reserved_blocks--;
    fresh[i] = b.value();
    goal = fresh[i] + 1;
  }
  if (data_written) ip->fs->last_data_block = fresh[need - 1];
  for (int l = have; l <= path.levels; l++) {
    chain[l] = fresh[l - have];
    if (l == 0) {
      ip->addrs[path.slot] = chain[0];
    } else {
      Buffer* bp = TRY(fs.cache().read(chain[l - 1], BlockKind::Indirect));
      entries(bp)[path.index[l - 1]] = chain[l];
      fs.log().write(bp);
      fs.cache().release(bp);
    }
  }
  return chain[path.levels];
}

Result<uint32_t> bmap_run(Inode* ip, uint64_t fblock, uint32_t max, uint32_t* run) {
  *run = 1;
  MapPath p = TRY(map_path(fblock));
  FileSystem& fs = *ip->fs;
  const SuperBlock& sb = fs.superblock();
  if (p.levels == 0) {
    uint32_t b = ip->addrs[p.slot];
    if (b && !is_data_block(sb, b)) return Error::Malformed;
    while (b && *run < max && p.slot + *run < kDirect && ip->addrs[p.slot + *run] == b + *run) (*run)++;
    return b;
  }
  uint32_t block = ip->addrs[p.slot];
  for (int l = 0; l < p.levels; l++) {
    if (block == 0) return 0u;
    if (!is_data_block(sb, block)) return Error::Malformed;
    Buffer* bp = TRY(fs.cache().read(block, BlockKind::Indirect));
    uint32_t* e = entries(bp);
    block = e[p.index[l]];
    if (l == p.levels - 1 && block) {
      // The rest of the run is in the same indirect block.
      uint32_t at = p.index[l];
      while (*run < max && at + *run < kAddrsPerBlock && e[at + *run] == block + *run) (*run)++;
    }
    fs.cache().release(bp);
  }
  if (block && !is_data_block(sb, block)) return Error::Malformed;
  return block;
}

uint32_t map_blocks_missing(Inode* ip, uint64_t fblock) {
  auto path = map_path(fblock);
  if (!path.ok() || path.value().levels == 0) return 0;
  MapPath p = path.value();
  // Page fblock-1 reserved just before, under the same last indirect
  // block, counted the blocks this one would need.
  if (fblock > 0 && ip->last_reserved == fblock - 1) {
    auto prev = map_path(fblock - 1);
    if (prev.ok() && prev.value().slot == p.slot && prev.value().levels == p.levels &&
        (p.levels == 1 || memcmp(prev.value().index, p.index, sizeof(uint32_t) * (p.levels - 1)) == 0))
      return 0;
  }
  FileSystem& fs = *ip->fs;
  uint32_t block = ip->addrs[p.slot];
  for (int l = 0; l < p.levels; l++) {
    if (block == 0 || !is_data_block(fs.superblock(), block)) return static_cast<uint32_t>(p.levels - l);
    auto bp = fs.cache().read(block, BlockKind::Indirect);
    if (!bp.ok()) return static_cast<uint32_t>(p.levels - l);  // assume the worst
    block = entries(bp.value())[p.index[l]];
    fs.cache().release(bp.value());
  }
  return 0;
}

// ---- reading and writing ---------------------------------------------------------

Result<size_t> readi(Inode* ip, IoSink dst, uint64_t off, size_t n) {
  RIVET_ASSERT(ip->lock.held_by_current());
  // File data lives in the page cache; directories in the buffer cache.
  if (ip->type == kTypeFile) return cache_read(ip, dst, off, n);
  static const uint8_t kZeros[512] = {};
  FileSystem& fs = *ip->fs;
  if (off >= ip->size) return size_t{0};
  if (n > ip->size - off) n = static_cast<size_t>(ip->size - off);
  size_t done = 0;
  while (done < n) {
    uint64_t pos = off + done;
    size_t in_block = pos % kBlockSize;
    size_t m = kBlockSize - in_block;
    if (m > n - done) m = n - done;
    auto b = bmap(ip, pos / kBlockSize, false);
    if (!b.ok()) return done ? Result<size_t>(done) : Result<size_t>(b.error());
    Result<void> r;
    if (b.value() == 0) {
      // A hole reads as zeros.
      for (size_t z = 0; z < m && r.ok(); z += sizeof kZeros) {
        size_t k = m - z < sizeof kZeros ? m - z : sizeof kZeros;
        r = dst.put(done + z, kZeros, k);
      }
    } else {
      // User memory is filled from a copy on the stack, never while the
      // buffer's lock is held: the copy can fault in a page of a mapped
      // file, and the pager must not wait for an inode with a buffer held
      // (kernel/sync/lock_rank.h). Directories are small; the extra copy is
      // cheap.
      uint8_t bounce[256];
      if (dst.is_user() && m > sizeof bounce) m = sizeof bounce;
      auto bp = fs.cache().read(b.value(), ip->type == kTypeDir ? BlockKind::Directory : BlockKind::Data);
      if (!bp.ok()) return done ? Result<size_t>(done) : Result<size_t>(bp.error());
      if (dst.is_user()) {
        __builtin_memcpy(bounce, bp.value()->data + in_block, m);
        fs.cache().release(bp.value());
        r = dst.put(done, bounce, m);
      } else {
        r = dst.put(done, bp.value()->data + in_block, m);
        fs.cache().release(bp.value());
      }
    }
    if (!r.ok()) return done ? Result<size_t>(done) : Result<size_t>(r.error());
    done += m;
  }
  return done;
}

Result<uint32_t> readi_pages(Inode* ip, uint64_t off, uint8_t* const* pages, uint32_t count) {
  RIVET_ASSERT(ip->lock.held_by_current());
  static_assert(kBlockSize == block::kPageBytes);
  FileSystem& fs = *ip->fs;
  if (off % kBlockSize) return Error::Invalid;
  uint64_t first = off / kBlockSize;
  uint32_t i = 0;
  // Only what is on the disk: past disk_size, and in holes, zeros.
  uint64_t size = ip->type == kTypeFile ? ip->disk_size : ip->size;
  while (i < count) {
    uint64_t pos = (first + i) * kBlockSize;
    uint32_t block = 0;
    // A run of blocks that follow each other on the device, up to the
    // disk size, found with one look at the block map.
    uint32_t run = 1;
    if (pos < size) {
      uint64_t in_size = (size - pos + kBlockSize - 1) / kBlockSize;
      uint32_t max = count - i;
      if (in_size < max) max = static_cast<uint32_t>(in_size);
      block = TRY(bmap_run(ip, first + i, max, &run));
    }
    if (block == 0) {  // past end of file, or a hole
      memset(pages[i], 0, kBlockSize);
      i++;
      continue;
    }
    if (uint64_t{block} + run > fs.superblock().size) return Error::Malformed;
    if (!fs.cache().device()->read_pages(uint64_t{block} * kSectorsPerBlock, reinterpret_cast<void* const*>(pages + i), run).ok())
      return Error::Io;
    i += run;
  }
  // The last block's bytes past end of file are not the file's.
  uint32_t before_end = 0;
  for (uint32_t j = 0; j < count; j++) {
    uint64_t pos = (first + j) * kBlockSize;
    if (pos < size) before_end++;
    if (pos + kBlockSize > size) {
      uint64_t keep = pos < size ? size - pos : 0;
      memset(pages[j] + keep, 0, kBlockSize - keep);
    }
  }
  return before_end;
}

Result<size_t> writei(Inode* ip, IoSource src, uint64_t off, size_t n) {
  RIVET_ASSERT(ip->lock.held_by_current());
  FileSystem& fs = *ip->fs;
  TRY(fs.check_writable());
  if (off >= kMaxFileSize) return Error::FileTooBig;
  if (n > kMaxFileSize - off) n = static_cast<size_t>(kMaxFileSize - off);
  size_t done = 0;
  Error stopped = Error::None;
  uint32_t old_addrs[kAddrSlots];
  memcpy(old_addrs, ip->addrs, sizeof old_addrs);
  while (done < n) {
    uint64_t pos = off + done;
    size_t in_block = pos % kBlockSize;
    size_t m = kBlockSize - in_block;
    if (m > n - done) m = n - done;
    // Through a small bounce buffer, so a source that faults part-way
    // leaves the block holding exactly the bytes counted as written. The
    // first piece is fetched before the block is allocated, so a bad
    // source never leaves a new block beyond the end of the file.
    uint8_t bounce[512];
    size_t first = m < sizeof bounce ? m : sizeof bounce;
    if (auto r = src.get(done, bounce, first); !r.ok()) {
      stopped = r.error();
      break;
    }
    auto b = bmap(ip, pos / kBlockSize, true);
    if (!b.ok()) {
      stopped = b.error();
      break;
    }
    auto bpr = fs.cache().read(b.value(), ip->type == kTypeDir ? BlockKind::Directory : BlockKind::Data);
    if (!bpr.ok()) {
      stopped = bpr.error();
      break;
    }
    Buffer* bp = bpr.value();
    memcpy(bp->data + in_block, bounce, first);
    size_t copied = first;
    while (copied < m) {
      size_t k = m - copied < sizeof bounce ? m - copied : sizeof bounce;
      auto r = src.get(done + copied, bounce, k);
      if (!r.ok()) {
        stopped = r.error();
        break;
      }
      memcpy(bp->data + in_block + copied, bounce, k);
      copied += k;
    }
    if (copied > 0) {
      fs.log().write(bp);
    }
    fs.cache().release(bp);
    done += copied;
    if (stopped != Error::None) break;
  }
  bool changed = memcmp(old_addrs, ip->addrs, sizeof old_addrs) != 0;
  if (done > 0 && off + done > ip->size) {
    ip->size = off + done;
    changed = true;
  }
  if (changed) TRY(iupdate(ip));
  if (done == 0 && stopped != Error::None) return stopped;
  return done;
}

void stati(Inode* ip, struct stat* st) {
  st->dev = 1;
  st->ino = ip->inum;
  st->type = static_cast<short>(ip->type);
  st->nlink = static_cast<short>(ip->nlink);
  st->size = ip->size;
}

// ---- freeing blocks --------------------------------------------------------------

namespace {

// The log budget of one freeing step: the distinct bitmap blocks it
// changes, plus room for the (at most three) partly-cleared indirect
// blocks on the path where it stops, plus the inode.
struct FreeStep {
  FileSystem* fs = nullptr;
  uint32_t bitmaps[kFreeStepBlocks] = {};
  uint32_t nbitmaps = 0;

  bool can_free(uint32_t block) {
    uint32_t bb = bitmap_block(fs->superblock(), block);
    for (uint32_t i = 0; i < nbitmaps; i++)
      if (bitmaps[i] == bb) return true;
    if (nbitmaps + 3 + 1 >= kFreeStepBlocks) return false;
    bitmaps[nbitmaps++] = bb;
    return true;
  }
};

// Frees `block` and, for level > 0, everything it maps. True if all of it
// is gone (the caller clears its pointer); false if the step's budget ran
// out first (what is left is still consistently mapped).
Result<bool> free_tree(FreeStep& step, uint32_t block, int level) {
  FileSystem& fs = *step.fs;
  if (!is_data_block(fs.superblock(), block)) {
    // A corrupt pointer: drop it without touching the bitmap.
    kprintf("fs: ignoring bad block number %u while freeing\n", block);
    return true;
  }
  if (level == 0) {
    if (!step.can_free(block)) return false;
    auto r = fs.bfree(block);
    if (!r.ok() && r.error() != Error::Malformed) return r.error();
    return true;
  }
  Buffer* bp = TRY(fs.cache().read(block, BlockKind::Indirect));
  uint32_t* e = entries(bp);
  bool modified = false;
  bool all = true;
  for (uint32_t i = 0; i < kAddrsPerBlock; i++) {
    if (e[i] == 0) continue;
    auto r = free_tree(step, e[i], level - 1);
    if (!r.ok()) {
      if (modified) fs.log().write(bp);
      fs.cache().release(bp);
      return r.error();
    }
    if (!r.value()) {
      all = false;
      break;
    }
    e[i] = 0;
    modified = true;
  }
  if (all && step.can_free(block)) {
    // Its cleared entries need not be logged: the block is free now, and
    // balloc zeroes it before reuse.
    fs.cache().release(bp);
    auto r = fs.bfree(block);
    if (!r.ok() && r.error() != Error::Malformed) return r.error();
    return true;
  }
  if (modified) fs.log().write(bp);
  fs.cache().release(bp);
  return false;
}

}  // namespace

bool blocks_fit_one_step(const Inode* ip) {
  return ip->addrs[kSingleSlot] == 0 && ip->addrs[kDoubleSlot] == 0 && ip->addrs[kTripleSlot] == 0;
}

Result<bool> free_blocks_step(Inode* ip) {
  RIVET_ASSERT(ip->lock.held_by_current());
  FreeStep step;
  step.fs = ip->fs;
  bool done = true;
  // The contents go (even if a device error stops this part-way and
  // leaves holes), cached pages too, dirty or not.
  cache_truncate(ip, 0);
  Error error = Error::None;
  // Every step leaves the inode consistently mapped: a block's bitmap bit
  // and the pointer to it are cleared in the same operation.
  for (int slot = kAddrSlots - 1; slot >= 0; slot--) {
    uint32_t a = ip->addrs[slot];
    if (a == 0) continue;
    int level = slot < static_cast<int>(kDirect) ? 0 : slot - static_cast<int>(kDirect) + 1;
    auto r = free_tree(step, a, level);
    if (!r.ok()) {
      error = r.error();
      done = false;
      break;
    }
    if (!r.value()) {
      done = false;
      break;
    }
    ip->addrs[slot] = 0;
  }
  if (done) ip->size = ip->disk_size = 0;
  TRY(iupdate(ip));
  if (error != Error::None) return error;
  return done;
}

Result<Inode*> itruncate(Inode* ip) {
  RIVET_ASSERT(ip->lock.held_by_current() && ip->type == kTypeFile);
  if (blocks_fit_one_step(ip)) {
    bool done = TRY(free_blocks_step(ip));
    // (Direct blocks only: one step frees them all.)
    if (!done) return Error::Io;
    return static_cast<Inode*>(nullptr);
  }
  // Too many blocks to free in this operation. Hand them to a fresh
  // unlinked inode in one atomic step; the caller frees it, operation by
  // operation, once it holds no inode lock.
  Inode* orphan = TRY(ialloc(*ip->fs, kTypeFile));
  Result<void> r;
  {
    auto locked = InodeLock::lock(orphan);
    r = locked.ok() ? Result<void>() : Result<void>(locked.error());
    if (r.ok()) {
      // The orphan takes the blocks on the disk; what only the cache held
      // goes with the truncation.
      cache_truncate(ip, 0);
      orphan->size = orphan->disk_size = ip->disk_size;
      memcpy(orphan->addrs, ip->addrs, sizeof orphan->addrs);
      orphan->nlink = 0;
      r = iupdate(orphan);
      if (r.ok()) {
        ip->size = ip->disk_size = 0;
        memset(ip->addrs, 0, sizeof ip->addrs);
        r = iupdate(ip);
      }
    }
  }
  if (!r.ok()) {
    iput(orphan);
    return r.error();
  }
  return orphan;
}

}  // namespace rivet::fs

#include "kernel/fs/fs.h"

#include <string.h>

#include "kernel/sys/abi.h"

#include "kernel/fs/directory.h"
#include "kernel/fs/page_cache.h"
#include "kernel/fs/path.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/mm/kmalloc.h"

namespace rivet::fs {

// ---- mounting ----------------------------------------------------------------

Result<void> FileSystem::mount(block::BlockDevice* device, const MountOptions& options) {
  uint64_t device_blocks = device->sector_count() / kSectorsPerBlock;
  if (device_blocks <= kSuperBlockNumber) return Error::Malformed;
  {
    void* page = kmalloc(kBlockSize);
    if (!page) return Error::NoMemory;
    auto r = device->read(uint64_t{kSuperBlockNumber} * kSectorsPerBlock, page, kSectorsPerBlock);
    if (r.ok()) memcpy(&sb_, page, sizeof sb_);
    kfree(page);
    if (!r.ok()) return Error::Io;
  }
  read_only_ = false;
  nreported_ = 0;
  const char* why = "";
  if (!validate_superblock(sb_, device_blocks, &why).ok()) {
    kprintf("fs: %s: not a valid file system: %s\n", device->name(), why);
    return Error::Malformed;
  }
  // The log pins every block of a committing group in the cache; leave
  // plenty of room beyond that for the operations running meanwhile.
  size_t min_buffers = (sb_.nlog - 1) + 64;
  size_t buffers = options.buffers ? options.buffers : (sb_.nlog - 1) + 128;
  if (buffers < min_buffers) buffers = min_buffers;
  TRY(page_cache_init());
  TRY(cache_.init(device, buffers));
  cache_.set_limit(sb_.size);
  cache_.set_corruption_callback(
      [](void* fs, uint32_t blockno, BlockKind kind) { static_cast<FileSystem*>(fs)->corrupt(blockno, kind); }, this);
  if (auto r = log_.init(&cache_, sb_); !r.ok()) {
    if (r.error() == Error::Io) kprintf("fs: %s: cannot replay the log: not mounting (rivet-fsck can tell more)\n", device->name());
    cache_.destroy();
    return r;
  }
  log_.set_installed_callback([](void* fs) { static_cast<FileSystem*>(fs)->installed(); }, this);
  if (auto r = inodes_.init(this, options.inodes); !r.ok()) {
    log_.destroy();
    cache_.destroy();
    return r;
  }
  // A failed mount must leave the disk as it found it. iput() may write (it
  // frees an inode whose last link is gone), and no transaction is open
  // here, so the root's reference is dropped with the whole inode table.
  auto fail = [this](Error e) -> Result<void> {
    root_ = nullptr;
    inodes_.destroy();
    log_.destroy();
    cache_.destroy();
    forget_pending_frees();
    return e;
  };
  // (After the log's replay, which may change the bitmap.)
  if (auto r = count_free_blocks(); !r.ok()) return fail(r.error());
  auto root = iget(*this, kRootInode);
  if (!root.ok()) return fail(root.error());
  root_ = root.value();
  bool is_dir;
  uint16_t root_links;
  {
    auto locked = InodeLock::lock(root_);
    if (!locked.ok()) return fail(locked.error());
    is_dir = root_->type == T_DIR;
    root_links = root_->nlink;
  }
  if (!is_dir || root_links == 0) {
    kprintf("fs: %s: the root directory (inode %u) is %s: not mounting\n", device->name(), kRootInode,
            !is_dir ? "not a directory" : "marked unlinked (nlink 0)");
    return fail(Error::Malformed);
  }
  if (auto r = free_orphans(); !r.ok()) return fail(r.error());
  if (!options.quiet)
    kprintf("fs: mounted %s%s: %u blocks (%u data), %u inodes, log %u blocks, %zu buffers\n",
            device->name(), read_only() ? " read-only" : "", sb_.size, sb_.nblocks, sb_.ninodes, sb_.nlog, buffers);
  return {};
}

void FileSystem::corrupt(uint32_t blockno, BlockKind kind) {
  bool first;
  {
    SpinlockGuard guard(space_lock_);
    for (uint32_t i = 0; i < nreported_; i++)
      if (reported_[i] == blockno) return;
    if (nreported_ < kReportedMax) reported_[nreported_++] = blockno;
    first = !read_only_;
    __atomic_store_n(&read_only_, true, __ATOMIC_RELEASE);
  }
  // Frozen before anything else can commit: the group in progress may hold
  // half of an operation that the corrupt block stopped.
  log_.freeze();
  kprintf("fs: checksum mismatch in block %u (%s)%s\n", blockno, block_kind_name(kind),
          first ? ": the file system is read-only until reboot" : "");
}

// For each of the `count` inodes in orphans[], sets named[i] if an entry
// of a directory other than a candidate itself names it ("." aside). Reads
// every directory: bounded by the file system's size, and done only when
// a mount finds unlinked inodes.
Result<void> FileSystem::mark_named(uint32_t* orphans, uint32_t count, bool* named) {
  uint8_t* page = static_cast<uint8_t*>(kmalloc(kBlockSize));
  if (!page) return Error::NoMemory;
  Result<void> result;
  for (uint32_t ib = 0; ib < sb_.ninodeblocks && result.ok(); ib++) {
    uint32_t dirs[kInodesPerBlock];
    uint32_t n = 0;
    auto bp = cache_.read(sb_.inodestart + ib, BlockKind::Inode);
    if (!bp.ok()) {
      result = bp.error();
      break;
    }
    for (uint32_t slot = 0; slot < kInodesPerBlock; slot++) {
      uint32_t inum = ib * kInodesPerBlock + slot;
      auto* d = reinterpret_cast<const DiskInode*>(bp.value()->data + slot * sizeof(DiskInode));
      if (inum == 0 || inum >= sb_.ninodes || d->type != kTypeDir || d->nlink == 0) continue;
      dirs[n++] = inum;
    }
    cache_.release(bp.value());
    for (uint32_t i = 0; i < n && result.ok(); i++) {
      auto ip = iget(*this, dirs[i]);
      if (!ip.ok()) {
        result = ip.error();
        break;
      }
      Inode* dp = ip.value();
      if (auto locked = InodeLock::lock(dp); !locked.ok()) {
        result = locked.error();
      } else {
        for (uint64_t off = 0; off < dp->size && result.ok(); off += kBlockSize) {
          auto got = readi(dp, IoBuffer::kernel(page), off, kBlockSize);
          if (!got.ok()) {
            result = got.error();
            break;
          }
          for (uint32_t k = 0; k < kDirEntriesPerBlock; k++) {
            if ((k + 1) * sizeof(DirEntry) > got.value()) break;
            if (off == 0 && k == 0) continue;  // "."
            uint32_t inum = reinterpret_cast<const DirEntry*>(page + k * sizeof(DirEntry))->inum;
            for (uint32_t j = 0; j < count && inum; j++)
              if (orphans[j] == inum) named[j] = true;
          }
        }
      }
      iput(dp);  // nlink > 0: nothing is freed
    }
  }
  kfree(page);
  return result;
}

// Frees the inodes a crash left allocated with no directory entry (unlinked
// while open, or part-way through being freed). An inode with link count 0
// that a directory still names is not an orphan but a damaged link count:
// it is left alone and the file system is read-only (freeing it would free
// blocks a file still uses; rivet-fsck reports it).
Result<void> FileSystem::free_orphans() {
  static constexpr uint32_t kBatch = 64;
  uint32_t freed = 0;
  uint32_t candidates[kBatch];
  bool named[kBatch];
  uint32_t next = 1;  // the first inode not looked at yet
  while (next < sb_.ninodes) {
    uint32_t n = 0;
    // A batch of candidates from the inode table.
    while (next < sb_.ninodes && n < kBatch) {
      uint32_t ib = next / kInodesPerBlock;
      Buffer* bp = TRY(cache_.read(sb_.inodestart + ib, BlockKind::Inode));
      for (; next < sb_.ninodes && next / kInodesPerBlock == ib && n < kBatch; next++) {
        auto* d = reinterpret_cast<const DiskInode*>(bp->data + (next % kInodesPerBlock) * sizeof(DiskInode));
        if (d->type == 0 || d->nlink != 0) continue;
        if (next == kRootInode) {
          cache_.release(bp);
          return Error::Malformed;
        }
        candidates[n++] = next;
      }
      cache_.release(bp);
    }
    if (n == 0) break;
    for (uint32_t i = 0; i < n; i++) named[i] = false;
    if (auto r = mark_named(candidates, n, named); !r.ok()) {
      kprintf("fs: cannot check unlinked inodes against the directories (%s): not freeing them\n",
              error_name(r.error()));
      return {};
    }
    for (uint32_t i = 0; i < n; i++) {
      if (named[i]) {
        kprintf("fs: inode %u has link count 0 but a directory names it: not freeing it\n", candidates[i]);
        if (!read_only()) {
          __atomic_store_n(&read_only_, true, __ATOMIC_RELEASE);
          log_.freeze();
          kprintf("fs: the file system is read-only until reboot (run rivet-fsck)\n");
        }
        continue;
      }
      if (read_only()) continue;  // (iput would not free it)
      Error error = Error::None;
      {
        Operation op(log_);
        auto ip = iget(*this, candidates[i]);
        if (ip.ok()) {
          // Loaded (and checked) by the lock, so iput knows it is unlinked.
          if (InodeLock::lock(ip.value()).ok()) freed++;
          iput(ip.value());  // the last reference with nlink 0: frees it
        } else {
          error = ip.error();
        }
      }
      if (error != Error::None) return error;
    }
  }
  if (freed) kprintf("fs: freed %u orphaned inodes\n", freed);
  return {};
}

void FileSystem::unmount() {
  write_back_all(*this);
  log_.sync();
  if (root_) {
    {
      Operation op(log_);
      iput(root_);
    }
    root_ = nullptr;
  }
  log_.sync();
  inodes_.destroy();
  log_.destroy();
  cache_.destroy();
  forget_pending_frees();
}

// ---- the root file system ---------------------------------------------------------

namespace {
FileSystem* g_root = nullptr;
}

Result<void> mount_root(block::BlockDevice* partition) { return mount_root(partition, MountOptions{}); }

Result<void> mount_root(block::BlockDevice* partition, const MountOptions& options) {
  if (g_root) return Error::Busy;
  FileSystem* fs = TRY(knew<FileSystem>());
  if (auto r = fs->mount(partition, options); !r.ok()) {
    kdelete(fs);
    return r;
  }
  __atomic_store_n(&g_root, fs, __ATOMIC_RELEASE);
  return {};
}

Result<void> unmount_root() {
  if (!g_root) return Error::Invalid;
  write_back_all(*g_root);  // (dirty files hold references)
  // The root's own reference is the only one allowed.
  if (g_root->inodes().in_use() > 1) return Error::Busy;
  g_root->unmount();
  kdelete(g_root);
  g_root = nullptr;
  return {};
}

bool root_mounted() { return __atomic_load_n(&g_root, __ATOMIC_ACQUIRE) != nullptr; }

FileSystem& root_fs() {
  FileSystem* fs = __atomic_load_n(&g_root, __ATOMIC_ACQUIRE);
  if (!fs) panic("fs: no root file system");
  return *fs;
}

Inode* root_inode() { return idup(root_fs().root()); }

Result<Usage> usage(FileSystem& fs) {
  const SuperBlock& sb = fs.superblock();
  Usage u;
  u.block_size = sb.block_size;
  u.total_blocks = sb.size;
  u.data_blocks = sb.nblocks;
  u.free_blocks = fs.free_blocks();
  u.total_inodes = sb.ninodes > 0 ? sb.ninodes - 1 : 0;
  for (uint32_t ib = 0; ib < sb.ninodeblocks; ib++) {
    Buffer* bp = TRY(fs.cache().read(sb.inodestart + ib, BlockKind::Inode));
    for (uint32_t slot = 0; slot < kInodesPerBlock; slot++) {
      uint32_t inum = ib * kInodesPerBlock + slot;
      if (inum == 0 || inum >= sb.ninodes) continue;
      const auto* d = reinterpret_cast<const DiskInode*>(bp->data + slot * sizeof(DiskInode));
      if (d->type == 0) u.free_inodes++;
    }
    fs.cache().release(bp);
  }
  return u;
}

Result<Inode*> namei(const char* path) { return namei(root_fs(), path); }

Result<void> inode_lock(Inode* ip) { return ilock(ip); }
void inode_unlock(Inode* ip) { iunlock(ip); }
void inode_put(Inode* ip) { iput(ip); }
void inode_release(Inode* ip) {
  Operation op(ip->fs->log());
  iput(ip);
}
Inode* inode_dup(Inode* ip) { return idup(ip); }
void inode_stat(Inode* ip, struct stat* st) { stati(ip, st); }

Result<size_t> inode_read(Inode* ip, IoSink dst, uint64_t off, size_t n) {
  return readi(ip, dst, off, n);
}

Result<size_t> inode_write(Inode* ip, IoSource src, uint64_t off, size_t n) {
  InodeLock locked = TRY(InodeLock::lock(ip));
  return cache_write(ip, src, off, n);
}

void begin_op() { root_fs().log().begin_op(); }
void end_op() { root_fs().log().end_op(); }

void sync() {
  FileSystem* fs = __atomic_load_n(&g_root, __ATOMIC_ACQUIRE);
  if (!fs) return;
  write_back_all(*fs);
  fs->log().sync();
}

void write_back_expired() {
  uint32_t epoch = flush_epoch_advance();
  FileSystem* fs = __atomic_load_n(&g_root, __ATOMIC_ACQUIRE);
  if (!fs) return;
  write_back_all(*fs, /*only_expired=*/true);
  fs->log().checkpoint(epoch);
}


}  // namespace rivet::fs

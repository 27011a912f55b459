// Inodes: the in-memory inode cache and the file-level operations on one
// inode (block map, read, write, truncate), as xv6's fs.c.
//
// An Inode is referenced (ref > 0) by open files, current directories and
// the kernel code walking paths; the cache slot stays assigned to the inode
// while ref > 0. Its fields from disk (type ... addrs) are valid only while
// its sleep lock is held (ilock loads them). The cache spinlock guards ref,
// fs and inum.
//
// Every function that writes the disk must run inside an operation
// (Log::begin_op/end_op). iput() of the last reference to an unlinked inode
// frees it, possibly over several operations (see free_blocks_step), so
// callers must hold no other inode lock when they drop what may be the last
// reference to an unlinked inode.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/fs/format.h"
#include "kernel/lib/result.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/user_copy.h"
#include "kernel/sync/sleeplock.h"

struct stat;  // kernel/sys/abi.h

namespace rivet::fs {

class FileSystem;

struct Inode {
  FileSystem* fs = nullptr;
  uint32_t inum = 0;
  int ref = 0;
  // Running programs whose image is this file, and open descriptors and
  // MAP_SHARED mappings that can write it (both atomic). A file with text
  // users cannot be opened for writing, nor one with writers executed
  // (Error::TextBusy): a running program's text pages are the file's
  // cached pages.
  int text_users = 0;
  int writers = 0;
  // Open files and mappings of it (atomic): once an unlinked file has
  // none, its data will never be read again.
  int opens = 0;

  // The page cache's (page_cache.cc; its spinlock guards these). The
  // table keeps an unreferenced inode's slot, with its pages, until the
  // slot is needed for another inode.
  struct CachedPage* pages = nullptr;  // every cached page of the file
  uint32_t cached_pages = 0;
  uint32_t dirty_pages = 0;
  // The pages read() copies from without references (set under the cache
  // lock; reclaim leaves them alone): [reading_first, reading_last].
  uint64_t reading_first = ~uint64_t{0};
  uint64_t reading_last = 0;

  SleepLock lock{"inode", LockRank::Inode};
  bool valid = false;  // the fields below have been read from disk
  uint16_t type = 0;
  uint16_t major = 0;
  uint16_t minor = 0;
  uint16_t nlink = 0;
  uint64_t size = 0;   // what read() and stat() see
  uint32_t addrs[kAddrSlots] = {};

  // Write-back state (sleep lock). A regular file's size may run ahead of
  // the size its disk inode has while data waits in the cache; iupdate
  // writes disk_size, which write-back moves up once the data is written.
  uint64_t disk_size = 0;
  bool dirty_pinned = false;   // holds a reference while pages are dirty
  uint32_t dirty_epoch = 0;    // the flush epoch when it became dirty
  uint64_t dirty_first = ~uint64_t{0};  // page indices that may be dirty
  uint64_t dirty_last = 0;
  uint32_t reserved_blocks = 0;  // disk blocks reserved for dirty pages without one
  uint64_t last_reserved = ~uint64_t{0};  // the page index reserved last
  Error write_error = Error::None;  // a failed write-back, for the next fsync
  // Read-ahead for read(): the page after the last batch, and its size.
  uint64_t readahead_next = 0;
  uint32_t readahead_pages = 0;
};

// The cache of in-memory inodes of one file system.
class InodeTable {
 public:
  InodeTable() = default;
  InodeTable(const InodeTable&) = delete;
  InodeTable& operator=(const InodeTable&) = delete;
  ~InodeTable() { destroy(); }

  Result<void> init(FileSystem* fs, size_t count);
  void destroy();
  // Slots with ref > 0 (for unmount and the tests).
  size_t in_use();

  Result<Inode*> get(uint32_t inum);
  Inode* dup(Inode* ip);
  // Drops a reference; see the header comment.
  void put(Inode* ip);
  // The next inode from slot *cursor on with dirty cached pages, with a
  // new reference (nullptr at the end); advances *cursor past it.
  Inode* next_dirty(size_t* cursor);

 private:
  Spinlock lock_{"inode_table", LockRank::InodeTable};
  FileSystem* fs_ = nullptr;
  Inode* slots_ = nullptr;
  size_t count_ = 0;
};

// Allocates a free on-disk inode of `type` (nlink 0) and returns it
// referenced and unlocked. Error::NoSpace when every inode is in use.
Result<Inode*> ialloc(FileSystem& fs, uint16_t type);
// Looks up an inode without reading it; Error::Malformed for a bad number,
// Error::TooManyFilesSystem if the cache is full.
Result<Inode*> iget(FileSystem& fs, uint32_t inum);
Inode* idup(Inode* ip);
// Locks and, the first time, loads the inode. Fails (leaving it unlocked)
// on a device error or if the disk inode is free or malformed.
Result<void> ilock(Inode* ip);
void iunlock(Inode* ip);
void iput(Inode* ip);
void iunlockput(Inode* ip);
// Writes the locked inode's fields to disk (through the log).
Result<void> iupdate(Inode* ip);

// Holds an inode's sleep lock for a scope: InodeLock::lock(ip) is ilock()
// returning the guard, so a lock that cannot be taken (device error,
// corrupt inode) is the Result's error, propagated with TRY:
//
//   InodeLock locked = TRY(InodeLock::lock(ip));
//
// The guard unlocks when it goes out of scope, or earlier with unlock().
// It never drops the reference (iput may free an unlinked inode and needs
// the lock released first): callers put after the guard is gone.
class [[nodiscard]] InodeLock {
 public:
  static Result<InodeLock> lock(Inode* ip) {
    TRY(ilock(ip));
    return InodeLock(ip);
  }
  // Takes over an inode the caller has locked (create() returns one).
  static InodeLock adopt(Inode* ip) { return InodeLock(ip); }

  InodeLock(InodeLock&& other) : ip_(other.ip_) { other.ip_ = nullptr; }
  InodeLock& operator=(InodeLock&&) = delete;
  InodeLock(const InodeLock&) = delete;
  InodeLock& operator=(const InodeLock&) = delete;
  ~InodeLock() {
    if (ip_) iunlock(ip_);  // (null only once moved from, or unlocked early)
  }

  Inode* get() const { return ip_; }
  Inode* operator->() const { return ip_; }
  // Unlocks before the end of the scope.
  void unlock() {
    iunlock(ip_);
    ip_ = nullptr;
  }
  // Hands the still-locked inode to the caller, who unlocks it.
  Inode* release() {
    Inode* ip = ip_;
    ip_ = nullptr;
    return ip;
  }

 private:
  explicit InodeLock(Inode* ip) : ip_(ip) {}
  Inode* ip_;
};

// O_TRUNC: empties the locked regular file ip (size 0, no blocks, no cached
// pages), in the caller's operation. A file with more blocks than one
// operation may free hands them to a fresh unlinked inode in one atomic
// step and returns it (referenced, unlocked): the caller drops it with iput
// once it holds no inode lock, which frees it operation by operation (a
// crash part-way leaves an orphan the next mount frees). Otherwise returns
// nullptr. On failure nothing a reader could see has changed.
Result<Inode*> itruncate(Inode* ip);

// The device block holding file block `fblock`, or 0 for a hole. With
// `allocate`, fills holes (new indirect blocks zeroed; a new data block is
// zeroed too unless `data_written` says the caller writes all of it
// itself, as write-back does); Error::NoSpace if the disk is full, in
// which case nothing was allocated. New blocks come out of the inode's
// block reservation while it has one (write-back).
Result<uint32_t> bmap(Inode* ip, uint64_t fblock, bool allocate, bool data_written = false);

// bmap without allocating, for reading: also sets *run to how many blocks
// from fblock on (at most max) follow this one on the device, as far as
// one indirect block (or the direct blocks) tells.
Result<uint32_t> bmap_run(Inode* ip, uint64_t fblock, uint32_t max, uint32_t* run);
// How many indirect blocks bmap would have to allocate to map `fblock`
// (0-3), not counting those a reservation for the page just before already
// covers (Inode::last_reserved). For reserving space ahead of write-back.
uint32_t map_blocks_missing(Inode* ip, uint64_t fblock);

// Reads up to n bytes at `off` (fewer at end of file). Holes read as zeros.
Result<size_t> readi(Inode* ip, IoSink dst, uint64_t off, size_t n);
// Reads `count` whole pages of a regular file's data on disk from `off`
// (block-aligned) into the page buffers `pages[i]` (kBlockSize bytes each,
// kernel memory the device can DMA to), bytes past the disk size and holes
// as zeros; runs of blocks adjacent on the device go to it as one
// read_pages request each (the page cache's reads: the buffer cache holds
// only metadata and directories). Returns how many of the pages start
// before the disk size. Error::Invalid if `off` is not block-aligned.
Result<uint32_t> readi_pages(Inode* ip, uint64_t off, uint8_t* const* pages, uint32_t count);
// Writes n bytes at `off` through the buffer cache and the log, in the
// current operation (directories; file data goes through the page cache).
// The caller keeps n within kWriteChunkBlocks blocks. Returns the bytes
// written: fewer than n if the disk filled up or the source faulted
// part-way, and the error if nothing was written. Error::FileTooBig
// beyond kMaxFileSize.
Result<size_t> writei(Inode* ip, IoSource src, uint64_t off, size_t n);
void stati(Inode* ip, struct stat* st);

// Frees up to one operation's worth of the locked inode's blocks (at most
// kFreeStepBlocks distinct blocks written) and updates it on disk. Returns
// true once no block is left, when size is 0.
Result<bool> free_blocks_step(Inode* ip);
// True if all of the inode's blocks can be freed within one operation
// (no indirect blocks).
bool blocks_fit_one_step(const Inode* ip);

}  // namespace rivet::fs

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
#include "kernel/lib/spinlock.h"
#include "kernel/mm/user_copy.h"
#include "kernel/proc/sleeplock.h"

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

  SleepLock lock{"inode"};
  bool valid = false;  // the fields below have been read from disk
  uint16_t type = 0;
  uint16_t major = 0;
  uint16_t minor = 0;
  uint16_t nlink = 0;
  uint64_t size = 0;
  uint32_t addrs[kAddrSlots] = {};
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

 private:
  Spinlock lock_{"inode_table"};
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

// The device block holding file block `fblock`, or 0 for a hole. With
// `allocate`, fills holes (all new blocks zeroed); Error::NoSpace if the
// disk is full, in which case nothing was allocated.
Result<uint32_t> bmap(Inode* ip, uint64_t fblock, bool allocate);

// Reads up to n bytes at `off` (fewer at end of file). Holes read as zeros.
Result<size_t> readi(Inode* ip, IoBuffer dst, uint64_t off, size_t n);
// Reads `count` whole pages of the file from `off` (block-aligned) into the
// page buffers `pages[i]` (kBlockSize bytes each, kernel memory the device
// can DMA to), bytes past end of file and holes as zeros. Blocks the cache
// holds are copied from it; runs of blocks adjacent on the device go to it
// as one read_pages request each, bypassing the cache (for mmap, whose
// pages are the cache). Returns how many of the pages start before end of
// file. Error::Invalid if `off` is not block-aligned.
Result<uint32_t> readi_pages(Inode* ip, uint64_t off, uint8_t* const* pages, uint32_t count);
// Writes n bytes at `off` in the current operation; the caller keeps n
// within kWriteChunkBlocks blocks. Returns the bytes written: fewer than n
// if the disk filled up or the source faulted part-way, and the error if
// nothing was written. Error::FileTooBig beyond kMaxFileSize.
// `notify` false skips the file-cache hook (for writing back a cached
// page itself).
Result<size_t> writei(Inode* ip, IoBuffer src, uint64_t off, size_t n, bool notify = true);
// Writes n bytes in chunks of at most kWriteChunkBlocks blocks, each its
// own operation (ip NOT locked, not inside an operation), so a write of any
// size fits the log; a crash keeps a prefix of the chunks. Each chunk goes
// at *off, or at end of file with `append`; *off then moves past it.
// Returns the bytes written (fewer if the disk filled up or the source
// faulted), or the error if nothing was written.
// `write_back`: the bytes are a cached page's own (msync, munmap, exit):
// the file-cache hook is skipped, and the file never grows (a truncation
// since the caller looked at its size wins).
Result<size_t> writei_chunked(Inode* ip, IoBuffer src, size_t n, uint64_t* off, bool append, bool write_back = false);
void stati(Inode* ip, struct stat* st);

// Pages the memory manager keeps for files (the pages of MAP_SHARED
// mappings) follow every write and truncation of the file through these
// hooks, called with the inode locked: `written` with the new bytes of one
// block, `truncated` when the file's size drops to 0. The kernel installs
// them at boot; without them (host tests) nothing is called.
struct FileCacheHooks {
  void (*written)(Inode* ip, uint64_t off, const uint8_t* data, size_t n);
  void (*truncated)(Inode* ip);
};
void set_file_cache_hooks(const FileCacheHooks& hooks);
// Calls the `truncated` hook (for truncation done outside this file).
void file_cache_truncated(Inode* ip);

// Frees up to one operation's worth of the locked inode's blocks (at most
// kFreeStepBlocks distinct blocks written) and updates it on disk. Returns
// true once no block is left, when size is 0.
Result<bool> free_blocks_step(Inode* ip);
// True if all of the inode's blocks can be freed within one operation
// (no indirect blocks).
bool blocks_fit_one_step(const Inode* ip);

}  // namespace rivet::fs

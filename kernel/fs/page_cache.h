// The page cache: every byte of a regular file that read(), write(), mmap
// and exec touch lives in one cached page, keyed by (inode, page index).
// Clean pages stay after the last close or unmap and go only when memory
// is short (reclaim(), called by the page allocator and the swap clock) or
// when the file shrinks; dirty pages wait for write-back.
//
// Write-back ("ordered data", as ext4's default): write() only copies into
// the cache and reserves disk blocks for pages that have none. Later --
// fsync, sync, the periodic flush, memory pressure, unmount, power-off --
// write_back() allocates the blocks, writes the data in place with large
// requests, and only then updates the inode (size, block map) in a logged
// operation. So after a crash a file never shows a block it was not given:
// its size and block map on disk cover only data already written. Blocks
// freed by an operation that has not committed yet are not handed out
// again until it has (see FileSystem::balloc), so no file's data is ever
// written over blocks a committed inode still maps.
//
// Locking: one spinlock guards the cache's structure (hash chains, the
// per-inode and reclaim lists, each page's dirty flag) and the Inode's
// cached_pages/dirty_pages counts. A page's bytes are guarded by the
// inode's sleep lock for read() and write(); processes that map the page
// MAP_SHARED write it without locks, as on any Unix. Functions marked
// "ip locked" need the caller to hold the inode's sleep lock.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"

namespace rivet::fs {

struct Inode;
class FileSystem;

// Page frames, from the memory manager (kernel/mm/pages.cc) or the host
// tests' stand-in. A frame is kBlockSize bytes of kernel memory the block
// drivers can transfer to, with a reference count.
namespace frames {
uint8_t* alloc();  // one reference; nullptr when memory is short even after reclaim
void get(uint8_t* page);
void put(uint8_t* page);  // frees at zero
uint32_t refs(uint8_t* page);
uint64_t total();  // usable pages of memory
}  // namespace frames

// Dirty file data is written back once it is this old (the periodic
// flush), like ext4's commit interval.
inline constexpr uint32_t kWriteBackDelaySeconds = 5;

// The most pages read ahead at once (256 KiB), for read() and faults.
inline constexpr uint32_t kMaxReadAhead = 64;
// The most pages written back by one device request and one operation.
inline constexpr uint32_t kWriteBackBatch = 256;

// ---- read() and write() (ip locked, regular files) ----

// Reads up to n bytes at `off` (fewer at end of file) through the cache,
// reading ahead when the file is read in order.
Result<size_t> cache_read(Inode* ip, IoSink dst, uint64_t off, size_t n);
// Copies n bytes into the cache at `off` and marks the pages dirty; the
// file grows in memory at once and on disk at write-back. Returns the
// bytes copied: fewer than n if the source faulted or no disk space could
// be reserved part-way, the error if none. Error::FileTooBig past the
// largest file, Error::NoSpace if the disk cannot take the data.
Result<size_t> cache_write(Inode* ip, IoSource src, uint64_t off, size_t n);

// ---- write-back ----

// Writes the inode's dirty pages in [first, last] (page indices) to the
// disk and commits the inode (ip locked, not inside an operation; the lock
// is let go and taken again between batches, as an operation must begin
// without it).
// Returns the first error met; the pages are then clean (the data stays
// readable in the cache) and the error is also kept in the inode for the
// next fsync.
Result<void> write_back(Inode* ip, uint64_t first = 0, uint64_t last = ~uint64_t{0});
// Writes back every file with dirty pages (sync). `only_expired`: only
// files dirty for kWriteBackDelaySeconds flush epochs (the periodic flush).
void write_back_all(FileSystem& fs, bool only_expired = false);
// For the periodic flush: advances the epoch write_back_all compares with.
uint32_t flush_epoch_advance();
// Files with dirty pages keep their inode-table slots; past this many, the
// last close of a file writes it back (the table has room for open files
// and these).
inline constexpr uint32_t kMaxDirtyFiles = 64;
bool too_many_dirty_files();
// True when so many pages are dirty that writers should write back
// before dirtying more (a quarter of memory).
bool too_many_dirty();

// ---- shrinking and dropping ----

// The file is about to lose every byte at or past `from` (truncation,
// freeing an unlinked inode): cached pages from there on are dropped,
// dirty or not, and the inode's block reservation goes (ip locked).
void cache_truncate(Inode* ip, uint64_t from = 0);
// An unlinked file no open file or mapping refers to (Inode::opens): its
// data will never be read, so its dirty pages go now instead of being
// written (ip locked; unlink, close, write-back).
void drop_if_unreferenced(Inode* ip);
// posix_fadvise(DONTNEED): drops the clean pages of [first, last] that
// nothing maps. Returns how many went.
size_t cache_drop_clean(Inode* ip, uint64_t first, uint64_t last);
// Drops every page of an inode nobody references (its table slot is being
// reused). They are all clean: dirty pages keep the inode referenced.
void cache_forget(Inode* ip);
// Frees up to `want` clean pages that nothing maps, least recently used
// first; returns how many. Safe from any context that holds no cache lock
// (the page allocator calls it when it runs out).
size_t reclaim(size_t want);

// ---- the pager: what the memory manager asks of files ----

// Pages [index, index+count) of the file from the cache, reading those not
// cached (from `index` up to the first cached one or end of file, in one
// request where the blocks are adjacent). pages[0] is always the page at
// `index`; returns how many of the consecutive pages were had (at least 1),
// each with a reference for the caller. Bytes past end of file are zero.
// Error::Range if `index` is wholly past end of file (a bus error for the
// process that touched it). Takes the inode lock
// itself unless the caller already holds it.
Result<uint32_t> pager_get(Inode* ip, uint64_t index, uint32_t count, uint8_t** pages);
// A process wrote the cached page (index) through a shared mapping: it
// becomes dirty (reserving a block if it has none). Takes the inode lock
// unless held. Pages wholly past end of file are ignored.
Result<void> pager_dirty(Inode* ip, uint64_t index);
// msync: writes the file's dirty pages [first, last] back and commits the
// log, so they are durable (the caller holds no inode lock).
Result<void> pager_sync(Inode* ip, uint64_t first, uint64_t last);
// The file's size (in memory: what read() sees).
Result<uint64_t> pager_size(Inode* ip);

// For memstat and tests.
struct CacheStats {
  uint64_t pages;  // cached pages
  uint64_t dirty;  // of which dirty
};
CacheStats cache_stats();

// Once, at mount of the first file system (the hash table).
Result<void> page_cache_init();

}  // namespace rivet::fs

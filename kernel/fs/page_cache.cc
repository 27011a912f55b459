#include "kernel/fs/page_cache.h"

#include <string.h>

#include "kernel/fs/filesystem.h"
#include "kernel/fs/inode.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/kmalloc.h"

namespace rivet::fs {

struct CachedPage {
  Inode* ip;
  uint64_t index;
  uint8_t* data;
  bool dirty;
  bool referenced;  // touched since the reclaim hand last passed
  bool reserved;    // a disk block is reserved for it (it had none when dirtied)
  CachedPage* hash_next;
  CachedPage* file_prev;
  CachedPage* file_next;
  CachedPage* lru_prev;  // all pages; lru_.lru_next is the newest
  CachedPage* lru_next;
};

namespace {

constexpr size_t kBuckets = 16384;

Spinlock g_lock("page_cache", LockRank::PageCache);
CachedPage** g_hash = nullptr;
CachedPage g_lru;               // sentinel
CachedPage* g_free_records = nullptr;  // removed, to be freed without the lock
uint64_t g_pages = 0;
uint64_t g_dirty = 0;
uint32_t g_epoch = 0;
uint32_t g_pinned = 0;  // inodes with dirty pages

size_t bucket(const Inode* ip, uint64_t index) {
  uint64_t h = reinterpret_cast<uint64_t>(ip) / 64 * 0x9e3779b97f4a7c15ull + index;
  return (h ^ (h >> 29)) % kBuckets;
}

CachedPage* find_locked(const Inode* ip, uint64_t index) {
  for (CachedPage* p = g_hash[bucket(ip, index)]; p; p = p->hash_next)
    if (p->ip == ip && p->index == index) return p;
  return nullptr;
}

void lru_unlink(CachedPage* p) {
  p->lru_prev->lru_next = p->lru_next;
  p->lru_next->lru_prev = p->lru_prev;
}

void lru_push_front(CachedPage* p) {
  p->lru_next = g_lru.lru_next;
  p->lru_prev = &g_lru;
  g_lru.lru_next->lru_prev = p;
  g_lru.lru_next = p;
}

// Takes p out of every list; the caller puts the cache's frame reference.
void remove_locked(CachedPage* p) {
  CachedPage** link = &g_hash[bucket(p->ip, p->index)];
  while (*link != p) link = &(*link)->hash_next;
  *link = p->hash_next;
  if (p->file_prev)
    p->file_prev->file_next = p->file_next;
  else
    p->ip->pages = p->file_next;
  if (p->file_next) p->file_next->file_prev = p->file_prev;
  lru_unlink(p);
  p->ip->cached_pages--;
  g_pages--;
  if (p->dirty) {
    p->ip->dirty_pages--;
    g_dirty--;
  }
  p->hash_next = g_free_records;
  g_free_records = p;
}

CachedPage* take_record() { return static_cast<CachedPage*>(kmalloc(sizeof(CachedPage))); }

// Frees the records remove_locked() set aside (without the cache lock).
void drain_records() {
  CachedPage* list;
  {
    SpinlockGuard guard(g_lock);
    list = g_free_records;
    g_free_records = nullptr;
  }
  while (list) {
    CachedPage* next = list->hash_next;
    kfree(list);
    list = next;
  }
}

// Adds `data` (one frame reference, handed to the cache) as page `index`
// of ip, which the caller has locked (so nobody else inserts it), and
// returns it with a reference for the caller. Error::NoMemory without a
// record (the frame is then put).
Result<uint8_t*> insert(Inode* ip, uint64_t index, uint8_t* data, bool caller_ref = true) {
  CachedPage* r = take_record();
  if (!r) {
    frames::put(data);
    return Error::NoMemory;
  }
  if (caller_ref) frames::get(data);  // the caller's
  SpinlockGuard guard(g_lock);
  RIVET_ASSERT(!find_locked(ip, index));
  *r = CachedPage{ip, index, data, false, true, false, nullptr, nullptr, ip->pages, nullptr, nullptr};
  size_t b = bucket(ip, index);
  r->hash_next = g_hash[b];
  g_hash[b] = r;
  if (ip->pages) ip->pages->file_prev = r;
  ip->pages = r;
  lru_push_front(r);
  ip->cached_pages++;
  g_pages++;
  return data;
}

// The cached page with a reference for the caller, or nullptr.
// Up to `max` cached pages from `index` on, without frame references,
// for read() (ip locked): until the reader sets ip->reading_first back to
// ~0, reclaim leaves pages [reading_first, reading_last] alone, and only
// truncation (which needs the lock) drops the pages of a file otherwise.
// Cheaper than references, which take the page allocator's lock twice a
// page. Returns how many consecutive pages are cached.
uint32_t peek_for_read(Inode* ip, uint64_t index, uint32_t max, uint8_t** out) {
  SpinlockGuard guard(g_lock);
  uint32_t n = 0;
  for (; n < max; n++) {
    CachedPage* p = find_locked(ip, index + n);
    if (!p) break;
    p->referenced = true;
    out[n] = p->data;
  }
  if (n > 0) {
    ip->reading_last = index + n - 1;
    ip->reading_first = index;
  }
  return n;
}

uint8_t* lookup(const Inode* ip, uint64_t index) {
  SpinlockGuard guard(g_lock);
  CachedPage* p = find_locked(ip, index);
  if (!p) return nullptr;
  p->referenced = true;
  frames::get(p->data);
  return p->data;
}

uint64_t pages_in(uint64_t bytes) { return (bytes + kBlockSize - 1) / kBlockSize; }

// Reads pages [index, index + want) that are not cached -- from `index`
// up to the first cached page or the end of the file -- from the disk in
// as few requests as their blocks allow, and caches them. `out[0..n)`
// get the pages from `index` on, the first `refs` of them with a
// reference for the caller (use no others); returns n >= 1. ip locked.
Result<uint32_t> fill(Inode* ip, uint64_t index, uint32_t want, uint8_t** out, uint32_t refs = ~0u) {
  if (want > kMaxReadAhead) want = kMaxReadAhead;
  if (want == 0) want = 1;
  uint64_t end = pages_in(ip->size);
  if (index + want > end) want = index < end ? static_cast<uint32_t>(end - index) : 1;
  uint8_t* fresh[kMaxReadAhead] = {};
  uint32_t n = 0;
  for (; n < want; n++) {
    if (n > 0) {
      SpinlockGuard guard(g_lock);
      if (find_locked(ip, index + n)) break;
    }
    fresh[n] = frames::alloc();
    if (!fresh[n]) {
      if (n == 0) return Error::NoMemory;
      break;  // read fewer
    }
  }
  auto read = readi_pages(ip, index * kBlockSize, fresh, n);
  if (!read.ok()) {
    for (uint32_t i = 0; i < n; i++) frames::put(fresh[i]);
    return read.error();
  }
  uint32_t got = 0;
  Error error = Error::None;
  for (uint32_t i = 0; i < n; i++) {
    if (error != Error::None) {
      frames::put(fresh[i]);
      continue;
    }
    auto r = insert(ip, index + i, fresh[i], got < refs);
    if (!r.ok()) {
      error = r.error();
      continue;
    }
    out[got++] = r.value();
  }
  if (got == 0) return error;
  return got;
}

// The page at `index` with a reference: cached, or read with `ahead`
// pages of read-ahead. ip locked.
Result<uint8_t*> get_page(Inode* ip, uint64_t index, uint32_t ahead) {
  if (uint8_t* p = lookup(ip, index)) return p;
  uint8_t* pages[kMaxReadAhead];
  TRY(fill(ip, index, ahead, pages, 1));
  return pages[0];
}

void pin_dirty(Inode* ip) {
  if (ip->dirty_pinned) return;
  ip->dirty_pinned = true;
  ip->dirty_epoch = __atomic_load_n(&g_epoch, __ATOMIC_RELAXED);
  __atomic_fetch_add(&g_pinned, 1, __ATOMIC_RELAXED);
  idup(ip);
}

// Lets go of the reference pin_dirty took once no page is dirty. ip
// locked; the caller holds a reference of its own, so this is never the
// last one.
void unpin_if_clean(Inode* ip) {
  if (ip->dirty_pages != 0) return;
  if (ip->reserved_blocks) {
    ip->fs->unreserve_blocks(ip->reserved_blocks);
    ip->reserved_blocks = 0;
  }
  ip->dirty_first = ~uint64_t{0};
  ip->dirty_last = 0;
  ip->last_reserved = ~uint64_t{0};
  if (!ip->dirty_pinned) return;
  ip->dirty_pinned = false;
  __atomic_fetch_sub(&g_pinned, 1, __ATOMIC_RELAXED);
  iput(ip);
}

// Marks the cached page dirty, reserving a disk block for it if it has
// none. ip locked.
Result<void> make_dirty(Inode* ip, uint64_t index) {
  bool need_block = false;
  {
    SpinlockGuard guard(g_lock);
    CachedPage* p = find_locked(ip, index);
    if (!p || p->dirty) return {};
    need_block = !p->reserved;
  }
  bool reserve = false;
  if (need_block) {
    // Pages at or past the disk size have no block; below it, holes.
    if (index * kBlockSize >= ip->disk_size) {
      reserve = true;
    } else {
      uint32_t b = TRY(bmap(ip, index, false));
      reserve = b == 0;
    }
  }
  if (reserve) {
    // One block for the data, and the indirect blocks that map it if
    // they do not exist yet.
    uint32_t need = 1 + map_blocks_missing(ip, index);
    auto r = ip->fs->reserve_blocks(need);
    if (!r.ok() && ip->dirty_pages > 0) {
      // Reservations are estimates; write-back turns them into the exact
      // blocks. Then try again.
      (void)write_back(ip);
      need = 1 + map_blocks_missing(ip, index);
      r = ip->fs->reserve_blocks(need);
    }
    TRY(r);
    ip->reserved_blocks += need;
    ip->last_reserved = index;
  }
  pin_dirty(ip);
  if (index < ip->dirty_first) ip->dirty_first = index;
  if (index > ip->dirty_last) ip->dirty_last = index;
  SpinlockGuard guard(g_lock);
  CachedPage* p = find_locked(ip, index);
  RIVET_ASSERT(p);
  if (reserve) p->reserved = true;
  if (!p->dirty) {
    p->dirty = true;
    ip->dirty_pages++;
    g_dirty++;
  }
  return {};
}

}  // namespace

Result<void> page_cache_init() {
  SpinlockGuard guard(g_lock);
  if (g_hash) return {};
  g_lru.lru_next = g_lru.lru_prev = &g_lru;
  g_hash = static_cast<CachedPage**>(kzalloc(sizeof(CachedPage*) * kBuckets));
  if (!g_hash) return Error::NoMemory;
  return {};
}

CacheStats cache_stats() {
  SpinlockGuard guard(g_lock);
  return CacheStats{g_pages, g_dirty};
}

bool too_many_dirty_files() { return __atomic_load_n(&g_pinned, __ATOMIC_RELAXED) > kMaxDirtyFiles; }

bool too_many_dirty() {
  uint64_t dirty = __atomic_load_n(&g_dirty, __ATOMIC_RELAXED);
  return dirty > frames::total() / 4;
}

// ---- read() and write() ----------------------------------------------------------

Result<size_t> cache_read(Inode* ip, IoSink dst, uint64_t off, size_t n) {
  RIVET_ASSERT(ip->lock.held_by_current());
  if (off >= ip->size) return size_t{0};
  if (n > ip->size - off) n = static_cast<size_t>(ip->size - off);
  size_t done = 0;
  while (done < n) {
    uint64_t pos = off + done;
    uint64_t index = pos / kBlockSize;
    size_t in_page = pos % kBlockSize;
    size_t m = kBlockSize - in_page;
    if (m > n - done) m = n - done;
    // The pages of this call that are cached, under one lock.
    constexpr uint32_t kPeek = 16;
    uint8_t* run[kPeek];
    uint64_t left = pages_in(off + n) - index;
    uint32_t k = peek_for_read(ip, index, left < kPeek ? static_cast<uint32_t>(left) : kPeek, run);
    if (k > 0) {
      Result<void> r;
      for (uint32_t i = 0; i < k && done < n && r.ok(); i++) {
        pos = off + done;
        in_page = pos % kBlockSize;
        m = kBlockSize - in_page;
        if (m > n - done) m = n - done;
        r = dst.put(done, run[i] + in_page, m);
        if (r.ok()) done += m;
      }
      __atomic_store_n(&ip->reading_first, ~uint64_t{0}, __ATOMIC_RELEASE);
      if (!r.ok()) return done ? Result<size_t>(done) : Result<size_t>(r.error());
      continue;
    }
    // Read ahead: at least the rest of this call; more, doubling, while
    // the file is read in order.
    uint64_t rest = pages_in(off + n) - index;
    uint32_t want = rest > kMaxReadAhead ? kMaxReadAhead : static_cast<uint32_t>(rest);
    if (index == ip->readahead_next && index != 0) {
      uint32_t more = ip->readahead_pages * 2;
      if (more > want) want = more;
    } else if (index == 0 && want < 4) {
      want = 4;
    }
    if (want > kMaxReadAhead) want = kMaxReadAhead;
    uint8_t* pages[kMaxReadAhead];
    auto got = fill(ip, index, want, pages, 1);  // a reference for the first only
    if (!got.ok()) return done ? Result<size_t>(done) : Result<size_t>(got.error());
    ip->readahead_next = index + got.value();
    ip->readahead_pages = got.value();
    auto r = dst.put(done, pages[0] + in_page, m);
    frames::put(pages[0]);
    if (!r.ok()) return done ? Result<size_t>(done) : Result<size_t>(r.error());
    done += m;
  }
  return done;
}

Result<size_t> cache_write(Inode* ip, IoSource src, uint64_t off, size_t n) {
  RIVET_ASSERT(ip->lock.held_by_current());
  TRY(ip->fs->check_writable());
  if (off >= kMaxFileSize) return Error::FileTooBig;
  if (n > kMaxFileSize - off) n = static_cast<size_t>(kMaxFileSize - off);
  size_t done = 0;
  Error stopped = Error::None;
  uint32_t dirtied = 0;
  while (done < n) {
    uint64_t pos = off + done;
    uint64_t index = pos / kBlockSize;
    size_t in_page = pos % kBlockSize;
    size_t m = kBlockSize - in_page;
    if (m > n - done) m = n - done;
    // Writers that get ahead of the disk write back their own pages.
    if (++dirtied % 64 == 0 && too_many_dirty()) (void)write_back(ip);
    uint8_t* page = lookup(ip, index);
    if (!page) {
      // Read it only if bytes of it on the disk survive this write.
      bool whole = in_page == 0 && (m == kBlockSize || pos + m >= ip->size);
      if (!whole && index * kBlockSize < ip->disk_size) {
        auto got = get_page(ip, index, 1);
        if (!got.ok()) {
          stopped = got.error();
          break;
        }
        page = got.value();
      } else {
        uint8_t* fresh = frames::alloc();
        if (!fresh && write_back(ip).ok()) fresh = frames::alloc();
        if (!fresh) {
          stopped = Error::NoMemory;
          break;
        }
        memset(fresh, 0, kBlockSize);
        auto r = insert(ip, index, fresh);
        if (!r.ok()) {
          stopped = r.error();
          break;
        }
        page = r.value();
      }
    }
    // The block reservation comes first, so a full disk fails the write
    // before anything changes.
    if (auto r = make_dirty(ip, index); !r.ok()) {
      frames::put(page);
      stopped = r.error();
      break;
    }
    // Through a small bounce buffer, so a source that faults part-way
    // leaves the page holding exactly the bytes counted as written.
    size_t copied = 0;
    while (copied < m) {
      uint8_t bounce[512];
      size_t k = m - copied < sizeof bounce ? m - copied : sizeof bounce;
      if (auto r = src.get(done + copied, bounce, k); !r.ok()) {
        stopped = r.error();
        break;
      }
      memcpy(page + in_page + copied, bounce, k);
      copied += k;
    }
    frames::put(page);
    done += copied;
    if (done > 0 && off + done > ip->size) ip->size = off + done;
    if (stopped != Error::None) break;
  }
  if (done == 0 && stopped != Error::None) return stopped;
  return done;
}

// ---- write-back ----------------------------------------------------------------

namespace {

// Writes one run of pages whose blocks follow each other on the device.
Result<void> write_run(FileSystem& fs, uint32_t block, uint8_t* const* pages, uint32_t count) {
  if (uint64_t{block} + count > fs.superblock().size) return Error::Malformed;
  auto r = fs.cache().device()->write_pages(uint64_t{block} * kSectorsPerBlock,
                                             reinterpret_cast<const void* const*>(pages), count);
  return r.ok() ? Result<void>() : Result<void>(Error::Io);
}

}  // namespace

Result<void> write_back(Inode* ip, uint64_t first, uint64_t last) {
  RIVET_ASSERT(ip->lock.held_by_current());
  FileSystem& fs = *ip->fs;
  if (ip->type != kTypeFile || ip->dirty_pages == 0) {
    unpin_if_clean(ip);
    return {};
  }
  // Unlinked and closed everywhere: the data goes instead.
  drop_if_unreferenced(ip);
  if (ip->dirty_pages == 0) return {};
  // A read-only file system (a corrupt metadata block) writes nothing.
  // Its dirty pages are given up on as after a device error: they stay
  // readable in the cache, are never written, and the next fsync (and
  // close) reports EROFS.
  if (auto r = fs.check_writable(); !r.ok()) {
    {
      SpinlockGuard guard(g_lock);
      for (CachedPage* p = ip->pages; p; p = p->file_next) {
        if (!p->dirty) continue;
        p->dirty = false;
        p->reserved = false;
        ip->dirty_pages--;
        g_dirty--;
      }
    }
    unpin_if_clean(ip);
    ip->write_error = r.error();
    return r.error();
  }
  // The batch lives on the heap: kernel stacks are small.
  struct Batch {
    CachedPage* pages[kWriteBackBatch];
    uint8_t* data[kWriteBackBatch];
    uint32_t blocks[kWriteBackBatch];
  };
  auto* b = static_cast<Batch*>(kmalloc(sizeof(Batch)));
  if (!b) return Error::NoMemory;
  Error error = Error::None;
  if (first < ip->dirty_first) first = ip->dirty_first;
  if (last > ip->dirty_last) last = ip->dirty_last;
  uint64_t next = first;  // the next page index to look at
  bool finished = first > last;
  int retries = 0;
  while (!finished && ip->dirty_pages > 0) {
    // An operation is begun without the inode lock (begin_op may wait for
    // operations that wait for this inode), so the batch is gathered after.
    iunlock(ip);
    uint32_t n = 0;
    uint32_t mapped = 0;
    Error map_error = Error::None;
    uint32_t written = 0;
    Error io_error = Error::None;
    Result<void> updated;
    {
      Operation op(fs.log());
      ip->lock.lock();  // (the sleep lock: the inode stays loaded)
      {
        SpinlockGuard guard(g_lock);
        while (!finished && n < kWriteBackBatch) {
          CachedPage* p = find_locked(ip, next);
          if (p && p->dirty) {
            frames::get(p->data);
            b->pages[n++] = p;
          }
          if (next == last)
            finished = true;
          else
            next++;
        }
      }
      if (n == 0) break;  // (ends the operation)
      for (uint32_t i = 0; i < n; i++) b->data[i] = b->pages[i]->data;
      // The pages stay in the cache while we hold them: only truncation
      // (inode lock) removes dirty pages.
      for (; mapped < n; mapped++) {
        auto block = bmap(ip, b->pages[mapped]->index, true, /*data_written=*/true);
        if (!block.ok()) {
          map_error = block.error();
          break;
        }
        b->blocks[mapped] = block.value();
      }
      // The data goes to its blocks before the operation that maps them
      // can commit (it commits at end_op at the earliest).
      while (written < mapped) {
        uint32_t run = 1;
        while (written + run < mapped && b->blocks[written + run] == b->blocks[written] + run) run++;
        if (auto r = write_run(fs, b->blocks[written], b->data + written, run); !r.ok()) {
          io_error = r.error();
          break;
        }
        written += run;
      }
      // The disk size covers the pages written, never more than the file.
      if (written > 0) {
        uint64_t end = (b->pages[written - 1]->index + 1) * kBlockSize;
        if (end > ip->size) end = ip->size;
        if (end > ip->disk_size) ip->disk_size = end;
      }
      updated = iupdate(ip);
    }
    // Pages the write did not reach are given up on after a device error
    // (they stay readable in the cache; the error goes to the next fsync).
    uint32_t cleaned = io_error != Error::None ? n : written;
    {
      SpinlockGuard guard(g_lock);
      for (uint32_t i = 0; i < cleaned; i++) {
        CachedPage* p = b->pages[i];
        if (p->dirty) {
          p->dirty = false;
          ip->dirty_pages--;
          g_dirty--;
        }
        if (i < written) p->reserved = false;
      }
    }
    uint64_t retry_from = mapped < n ? b->pages[mapped]->index : 0;
    for (uint32_t i = 0; i < n; i++) frames::put(b->data[i]);
    if (!updated.ok() && error == Error::None) error = updated.error();
    if (io_error != Error::None) {
      kprintf("fs: write-back of inode %u failed (%s): data lost\n", ip->inum, error_name(io_error));
      if (error == Error::None) error = io_error;
      break;
    }
    if (map_error != Error::None) {
      // Blocks freed by groups not installed yet come back once they
      // are: install them and try the rest again.
      if (map_error == Error::NoSpace && retries++ < 3) {
        iunlock(ip);
        fs.log().sync();  // commits and installs: what groups freed comes back
        ip->lock.lock();
        next = retry_from;
        finished = false;
        continue;
      }
      kprintf("fs: write-back of inode %u: %s\n", ip->inum, error_name(map_error));
      if (error == Error::None) error = map_error;
      break;
    }
  }
  kfree(b);
  unpin_if_clean(ip);
  if (error != Error::None) {
    ip->write_error = error;
    return error;
  }
  return {};
}

uint32_t flush_epoch_advance() { return __atomic_add_fetch(&g_epoch, 1, __ATOMIC_RELAXED); }

void write_back_all(FileSystem& fs, bool only_expired) {
  uint32_t epoch = __atomic_load_n(&g_epoch, __ATOMIC_RELAXED);
  size_t cursor = 0;
  while (Inode* ip = fs.inodes().next_dirty(&cursor)) {
    if (auto locked = InodeLock::lock(ip); locked.ok()) {
      if (ip->dirty_pinned && (!only_expired || epoch - ip->dirty_epoch >= kWriteBackDelaySeconds))
        (void)write_back(ip);
    }
    Operation op(fs.log());
    iput(ip);
  }
}

// ---- dropping ----------------------------------------------------------------------

namespace {

// Removes the cached pages of ip that `remove` (called under the cache
// lock, free to change a page it keeps) says go, a batch at a time (their
// frames are put without the lock); returns how many went.
template <typename Remove>
size_t remove_pages_of(Inode* ip, Remove remove) {
  constexpr size_t kBatch = 64;
  size_t removed = 0;
  bool more = true;
  while (more) {
    uint8_t* put[kBatch];
    size_t n = 0;
    more = false;
    {
      SpinlockGuard guard(g_lock);
      CachedPage* next = nullptr;
      for (CachedPage* p = ip->pages; p; p = next) {
        next = p->file_next;
        if (!remove(p)) continue;
        if (n == kBatch) {
          more = true;
          break;
        }
        put[n++] = p->data;
        remove_locked(p);
      }
    }
    for (size_t k = 0; k < n; k++) frames::put(put[k]);
    removed += n;
  }
  drain_records();
  return removed;
}

}  // namespace

void cache_truncate(Inode* ip, uint64_t from) {
  RIVET_ASSERT(ip->lock.held_by_current());
  uint64_t keep = pages_in(from);
  remove_pages_of(ip, [&](CachedPage* p) {
    if (p->index < keep) {
      if (p->index == keep - 1 && from % kBlockSize)
        memset(p->data + from % kBlockSize, 0, kBlockSize - from % kBlockSize);
      return false;
    }
    if (frames::refs(p->data) > 1) {
      // Still mapped: the mapping keeps the page, which reads as zeros
      // now; it stays cached (and clean) so the file and the mapping go on
      // sharing it.
      memset(p->data, 0, kBlockSize);
      if (p->dirty) {
        p->dirty = false;
        ip->dirty_pages--;
        g_dirty--;
      }
      p->reserved = false;
      return false;
    }
    return true;
  });
  ip->readahead_next = 0;
  ip->readahead_pages = 0;
  // Once no page is dirty, the block reservation and the pin go too.
  unpin_if_clean(ip);
}

void drop_if_unreferenced(Inode* ip) {
  RIVET_ASSERT(ip->lock.held_by_current());
  if (ip->type != kTypeFile || ip->nlink != 0 || !ip->dirty_pinned) return;
  if (__atomic_load_n(&ip->opens, __ATOMIC_RELAXED) > 0) return;
  cache_truncate(ip, 0);
}

size_t cache_drop_clean(Inode* ip, uint64_t first, uint64_t last) {
  return remove_pages_of(ip, [&](CachedPage* p) {
    return p->index >= first && p->index <= last && !p->dirty && frames::refs(p->data) == 1;
  });
}

void cache_forget(Inode* ip) {
  remove_pages_of(ip, [](CachedPage* p) {
    RIVET_ASSERT(!p->dirty);
    return true;
  });
}

size_t reclaim(size_t want) {
  constexpr size_t kMax = 64;
  if (want > kMax) want = kMax;
  uint8_t* put[kMax];
  size_t n = 0;
  {
    SpinlockGuard guard(g_lock);
    if (!g_hash) return 0;
    // Second chance: a page touched since the hand last passed moves to
    // the front once. Two passes over the list at most.
    uint64_t budget = 2 * g_pages;
    CachedPage* p = g_lru.lru_prev;
    while (p != &g_lru && n < want && budget-- > 0) {
      CachedPage* prev = p->lru_prev;
      bool being_read = p->index >= p->ip->reading_first && p->index <= p->ip->reading_last;
      if (!p->dirty && !being_read && frames::refs(p->data) == 1) {
        if (p->referenced) {
          p->referenced = false;
          lru_unlink(p);
          lru_push_front(p);
        } else {
          put[n++] = p->data;
          remove_locked(p);
        }
      }
      p = prev;
    }
  }
  for (size_t i = 0; i < n; i++) frames::put(put[i]);
  drain_records();
  return n;
}

// ---- the pager -------------------------------------------------------------------

namespace {

// Locks ip unless this thread holds it already (a fault taken while
// copying to or from a mapping of the same file inside read()/write()).
struct PagerLock {
  Inode* ip;
  bool taken = false;
  explicit PagerLock(Inode* i) : ip(i) {}
  Result<void> lock() {
    if (ip->lock.held_by_current()) return {};
    TRY(ilock(ip));
    taken = true;
    return {};
  }
  ~PagerLock() {
    if (taken) iunlock(ip);
  }
};

}  // namespace

Result<uint32_t> pager_get(Inode* ip, uint64_t index, uint32_t count, uint8_t** pages) {
  if (count == 0) count = 1;
  if (count > kMaxReadAhead) count = kMaxReadAhead;
  // Cached pages need no lock: a page in the cache is the file's.
  uint32_t got = 0;
  while (got < count) {
    uint8_t* p = lookup(ip, index + got);
    if (!p) break;
    pages[got++] = p;
  }
  if (got > 0) return got;
  PagerLock guard(ip);
  TRY(guard.lock());
  if (index * kBlockSize >= ip->size) return Error::Range;
  if (uint8_t* p = lookup(ip, index)) {
    pages[0] = p;
    return 1u;
  }
  return fill(ip, index, count, pages);
}

Result<void> pager_dirty(Inode* ip, uint64_t index) {
  PagerLock guard(ip);
  TRY(guard.lock());
  if (index * kBlockSize >= ip->size) return {};
  TRY(make_dirty(ip, index));
  // Stores past end of file in its last page are not the file's: that
  // part reads as zeros again, as it does after write-back elsewhere.
  if (index == ip->size / kBlockSize) {
    SpinlockGuard cache(g_lock);
    if (CachedPage* p = find_locked(ip, index))
      memset(p->data + ip->size % kBlockSize, 0, kBlockSize - ip->size % kBlockSize);
  }
  return {};
}

Result<void> pager_sync(Inode* ip, uint64_t first, uint64_t last) {
  {
    InodeLock locked = TRY(InodeLock::lock(ip));
    TRY(write_back(ip, first, last));
  }
  ip->fs->log().commit();
  if (ip->fs->log().failed()) return Error::Io;
  return {};
}

Result<uint64_t> pager_size(Inode* ip) {
  PagerLock guard(ip);
  TRY(guard.lock());
  return ip->size;
}

}  // namespace rivet::fs

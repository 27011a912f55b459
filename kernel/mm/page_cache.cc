#include "kernel/mm/page_cache.h"

#include "kernel/fs/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/lib/spinlock.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pages.h"

namespace rivet::mm {
namespace {

struct Entry {
  fs::Inode* ip;
  uint64_t index;
  PhysAddr page;
  Entry* next;
};

constexpr size_t kBuckets = 256;
Spinlock g_lock("page-cache");
Entry* g_buckets[kBuckets];
PhysAddr g_zero;

size_t bucket_of(fs::Inode* ip, uint64_t index) {
  return (reinterpret_cast<uint64_t>(ip) / 64 + index * 31) % kBuckets;
}

Entry* find_locked(fs::Inode* ip, uint64_t index) {
  for (Entry* e = g_buckets[bucket_of(ip, index)]; e; e = e->next)
    if (e->ip == ip && e->index == index) return e;
  return nullptr;
}

}  // namespace

Result<void> zero_page_init() {
  g_zero = TRY(alloc_zeroed_page());  // this reference is never dropped
  return {};
}

PhysAddr zero_page() { return g_zero; }

Result<PhysAddr> shared_page_get(fs::Inode* ip, uint64_t index) {
  {
    SpinlockGuard guard(g_lock);
    if (Entry* e = find_locked(ip, index)) {
      page_get(e->page);
      return e->page;
    }
  }
  // Not cached: read it and insert it with the inode locked, so no write
  // can come between the read and the insertion (writes update cached
  // pages under the same lock). Another process may get there first.
  PhysAddr page = TRY(alloc_zeroed_page());
  auto* entry = static_cast<Entry*>(kmalloc(sizeof(Entry)));
  if (!entry) {
    page_put(page);
    return Error::NoMemory;
  }
  auto fail = [&](Error e) -> Result<PhysAddr> {
    kfree(entry);
    page_put(page);
    return e;
  };
  if (auto r = fs::inode_lock(ip); !r) return fail(r.error());
  auto got = fs::inode_read(ip, IoBuffer::kernel(phys_to_virt(page)), index * kPageSize, kPageSize);
  if (!got) {
    fs::inode_unlock(ip);
    return fail(got.error());
  }
  PhysAddr theirs;
  {
    SpinlockGuard guard(g_lock);
    if (Entry* e = find_locked(ip, index)) {
      page_get(e->page);
      theirs = e->page;
    } else {
      *entry = Entry{ip, index, page, g_buckets[bucket_of(ip, index)]};
      g_buckets[bucket_of(ip, index)] = entry;
      page_get(page);  // one for the cache, one for the caller
    }
  }
  fs::inode_unlock(ip);
  if (theirs.value == 0) return page;
  kfree(entry);
  page_put(page);
  return theirs;
}

PhysAddr shared_page_lookup(fs::Inode* ip, uint64_t index) {
  SpinlockGuard guard(g_lock);
  Entry* e = find_locked(ip, index);
  if (!e) return PhysAddr();
  page_get(e->page);
  return e->page;
}

Result<PhysAddr> shared_page_adopt(fs::Inode* ip, uint64_t index, PhysAddr page) {
  auto* entry = static_cast<Entry*>(kmalloc(sizeof(Entry)));
  if (!entry) return Error::NoMemory;
  SpinlockGuard guard(g_lock);
  if (Entry* e = find_locked(ip, index)) {
    kfree(entry);
    page_get(e->page);
    return e->page;
  }
  *entry = Entry{ip, index, page, g_buckets[bucket_of(ip, index)]};
  g_buckets[bucket_of(ip, index)] = entry;
  page_get(page);  // the cache's own reference
  return page;
}

namespace {

// fs hooks: a write changed bytes [off, off+n) of the file (within one
// block), or the file was truncated to nothing.
void file_written(fs::Inode* ip, uint64_t off, const uint8_t* data, size_t n) {
  SpinlockGuard guard(g_lock);
  if (Entry* e = find_locked(ip, off / kPageSize))
    __builtin_memcpy(phys_to_virt<uint8_t>(e->page) + off % kPageSize, data, n);
}

void file_truncated(fs::Inode* ip) {
  SpinlockGuard guard(g_lock);
  for (Entry* bucket : g_buckets)
    for (Entry* e = bucket; e; e = e->next)
      if (e->ip == ip) __builtin_memset(phys_to_virt(e->page), 0, kPageSize);
}

}  // namespace

void page_cache_init() { fs::set_file_cache_hooks(fs::FileCacheHooks{file_written, file_truncated}); }

void shared_page_put(fs::Inode* ip, uint64_t index, PhysAddr page) {
  SpinlockGuard guard(g_lock);
  page_put(page);
  Entry** link = &g_buckets[bucket_of(ip, index)];
  for (; *link; link = &(*link)->next) {
    Entry* e = *link;
    if (e->ip != ip || e->index != index) continue;
    if (page_refcount(e->page) == 1) {  // only the cache's reference is left
      *link = e->next;
      page_put(e->page);
      kfree(e);
    }
    return;
  }
}

}  // namespace rivet::mm

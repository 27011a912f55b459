// Kernel heap. Small objects come from slab pages of one size class each;
// a slab page keeps its own free list in a header at the start of the page
// and goes back to the page allocator as soon as its last object is freed,
// so the heap never hoards memory (user tests compare free-page counts
// before and after each test). Requests above the largest class get whole
// contiguous pages with a header in front.
#include "kernel/mm/kmalloc.h"

#include "kernel/log/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/pages.h"

namespace rivet {
namespace {

constexpr uint32_t kSlabMagic = 0x51ab51ab;
constexpr uint32_t kLargeMagic = 0x1a2e1a2e;
constexpr size_t kMinClass = 32;
constexpr size_t kMaxClass = 2048;
constexpr int kClasses = 7;  // 32, 64, ..., 2048

struct FreeObject {
  FreeObject* next;
};

struct SlabHeader {
  uint32_t magic;
  uint32_t size_class;  // index into g_partial
  uint32_t in_use;
  uint32_t capacity;
  FreeObject* free;
  SlabHeader* prev;     // partial list links (pages with a free object)
  SlabHeader* next;
  uint64_t pad;
};
static_assert(sizeof(SlabHeader) <= kMinClass * 2);
constexpr size_t kSlabHeaderSpace = 64;  // objects start here, 16-byte aligned

struct LargeHeader {
  uint32_t magic;
  uint32_t pages;
  uint64_t pad;
};
static_assert(sizeof(LargeHeader) == 16);

Spinlock g_lock("kmalloc", LockRank::Kmalloc);
SlabHeader* g_partial[kClasses];

int class_of(size_t size) {
  int c = 0;
  for (size_t s = kMinClass; s < size; s <<= 1) c++;
  return c;
}
size_t class_size(int c) { return kMinClass << c; }

void unlink_partial(SlabHeader* s) {
  if (s->prev) s->prev->next = s->next;
  else g_partial[s->size_class] = s->next;
  if (s->next) s->next->prev = s->prev;
  s->prev = s->next = nullptr;
}

void push_partial(SlabHeader* s) {
  s->prev = nullptr;
  s->next = g_partial[s->size_class];
  if (s->next) s->next->prev = s;
  g_partial[s->size_class] = s;
}

// Makes `page` a slab of class c.
SlabHeader* new_slab(int c, mm::PhysAddr page) {
  auto* s = mm::phys_to_virt<SlabHeader>(page);
  size_t size = class_size(c);
  s->magic = kSlabMagic;
  s->size_class = static_cast<uint32_t>(c);
  s->in_use = 0;
  s->capacity = static_cast<uint32_t>((mm::kPageSize - kSlabHeaderSpace) / size);
  s->free = nullptr;
  char* base = reinterpret_cast<char*>(s) + kSlabHeaderSpace;
  for (uint32_t i = s->capacity; i > 0; i--) {
    auto* o = reinterpret_cast<FreeObject*>(base + (i - 1) * size);
    o->next = s->free;
    s->free = o;
  }
  return s;
}

void* large_alloc(size_t size) {
  uint64_t pages = (size + sizeof(LargeHeader) + mm::kPageSize - 1) / mm::kPageSize;
  auto run = pages == 1 ? mm::alloc_page(mm::PageOwner::Heap) : mm::alloc_contiguous_pages(pages, mm::PageOwner::Heap);
  if (!run) return nullptr;
  auto* h = mm::phys_to_virt<LargeHeader>(run.value());
  h->magic = kLargeMagic;
  h->pages = static_cast<uint32_t>(pages);
  return h + 1;
}

}  // namespace

void* kmalloc(size_t size) {
  if (size == 0) size = 1;
  if (size > kMaxClass) return large_alloc(size);
  int c = class_of(size);
  g_lock.lock();
  SlabHeader* s = g_partial[c];
  if (!s) {
    // The page comes without the lock held: when memory is short the page
    // allocator asks the page cache to give pages back, which frees heap
    // objects of its own.
    g_lock.unlock();
    auto page = mm::alloc_page(mm::PageOwner::Heap);
    if (!page) return nullptr;
    g_lock.lock();
    s = g_partial[c];
    if (s) {
      mm::page_put(page.value());  // someone made one meanwhile
    } else {
      s = new_slab(c, page.value());
      push_partial(s);
    }
  }
  FreeObject* o = s->free;
  s->free = o->next;
  s->in_use++;
  if (!s->free) unlink_partial(s);
  g_lock.unlock();
  return o;
}

void* kzalloc(size_t size) {
  void* p = kmalloc(size);
  if (p) __builtin_memset(p, 0, size);
  return p;
}

void kfree(void* p) {
  if (!p) return;
  uint64_t page = reinterpret_cast<uint64_t>(p) & ~(mm::kPageSize - 1);
  if (reinterpret_cast<uint64_t>(p) - page == sizeof(LargeHeader)) {
    auto* h = reinterpret_cast<LargeHeader*>(page);
    if (h->magic == kLargeMagic) {
      // The header lives in the first page, which is free (and may be
      // another hart's, and written) the moment it is put: read the count
      // before putting anything. Reading h->pages in the loop once put
      // anyone else's pages after the run when the first page came back
      // holding a larger number, and leaked the rest of the run when it
      // came back zeroed.
      uint32_t pages = h->pages;
      h->magic = 0;
      mm::PhysAddr pa(page - mm::kDirectMapBase);
      for (uint32_t i = 0; i < pages; i++) mm::page_put(pa + i * mm::kPageSize);
      return;
    }
  }
  auto* s = reinterpret_cast<SlabHeader*>(page);
  if (s->magic != kSlabMagic) panic("kfree: %p is not a heap object", p);
  SpinlockGuard guard(g_lock);
  auto* o = static_cast<FreeObject*>(p);
  bool was_full = s->free == nullptr;
  o->next = s->free;
  s->free = o;
  if (s->in_use == 0) panic("kfree: double free of %p", p);
  s->in_use--;
  if (was_full) push_partial(s);
  if (s->in_use == 0) {
    unlink_partial(s);
    s->magic = 0;
    mm::page_put(mm::PhysAddr(page - mm::kDirectMapBase));
  }
}

}  // namespace rivet

// The kernel's physical page allocator: one PageAllocator over all RAM,
// behind a spinlock, handing out frames as PhysAddr.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/dt/machine.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"

namespace rivet::mm {

struct BootRegions {
  uint64_t kernel_pa, kernel_size;  // the loaded image including BSS
  uint64_t dtb_pa, dtb_size;
};

// Sets up the allocator over the machine's RAM minus firmware-reserved
// ranges, the kernel, the device tree and the initrd. Returns an error if no
// RAM is usable.
Result<void> pages_init(const dt::Machine& machine, const BootRegions& boot);

// When no page is free, alloc_page() asks the reclaimer (the page cache)
// to give some back and tries once more.
void set_page_reclaimer(size_t (*reclaim)(size_t want));
// Debugging: fill freed frames with a pattern and check it when they are
// handed out again (the command-line word page_poison turns it on at boot).
void set_page_poisoning(bool on);
// What a page is for. Each allocated page has one owner (its first
// allocator's), counted system-wide (page_stats, memstat, free), so a leak
// shows as a count that does not come back. Pages shared by several
// processes or mapped from the cache keep the owner they were made for.
enum class PageOwner : uint8_t {
  Other = 0,    // boot-time tables, device rings, the zero page
  User,         // process memory: anonymous, copy-on-write copies, swapped in
  PageCache,    // file data (kernel/fs/page_cache)
  PageTable,    // page-table pages, user and kernel
  KernelStack,  // kernel stacks
  Heap,         // kmalloc: slabs and large objects (pipes, buffers, ...)
  Process,      // trapframes
};
inline constexpr int kPageOwners = 7;
Result<PhysAddr> alloc_page(PageOwner owner = PageOwner::Other);  // contents undefined
Result<PhysAddr> alloc_zeroed_page(PageOwner owner = PageOwner::Other);
Result<PhysAddr> alloc_contiguous_pages(uint64_t count, PageOwner owner = PageOwner::Other);
void page_get(PhysAddr pa);            // add a reference
void page_put(PhysAddr pa);            // drop one; frees at zero
uint32_t page_refcount(PhysAddr pa);
// The same for many pages (by frame number) under one acquisition of the
// allocator's lock.
void page_get_many(const uint64_t* pfns, uint64_t count);
void page_put_many(const uint64_t* pfns, uint64_t count);

// Collects pages for page_get_many or page_put_many (the caller decides
// which): fork takes a reference to every page it shares, exit drops one
// from every page it frees, a lock round trip per 64 pages instead of per
// page. add() flushes a full batch; the caller flushes the rest.
class PageBatch {
 public:
  enum Kind : uint8_t { kGet, kPut };
  explicit PageBatch(Kind kind) : kind_(kind) {}
  PageBatch(const PageBatch&) = delete;
  PageBatch& operator=(const PageBatch&) = delete;
  ~PageBatch() { flush(); }

  void add(PhysAddr pa) {
    if (count_ == kMax) flush();
    pfns_[count_++] = pa.pfn();
  }
  void flush() {
    if (count_ == 0) return;
    if (kind_ == kGet)
      page_get_many(pfns_, count_);
    else
      page_put_many(pfns_, count_);
    count_ = 0;
  }

 private:
  static constexpr uint64_t kMax = 64;
  uint64_t pfns_[kMax];  // uninitialised: only the first count_ are used
  uint64_t count_ = 0;
  Kind kind_;
};

struct PageStats {
  uint64_t free_pages;
  uint64_t usable_pages;   // free + allocated
  uint64_t ram_bytes;      // all RAM the device tree describes
  uint64_t owned[kPageOwners];  // allocated pages by PageOwner; they sum to usable - free
};
PageStats page_stats();
// Just the free count, for the checks on every fault and fork.
uint64_t free_page_count();

}  // namespace rivet::mm

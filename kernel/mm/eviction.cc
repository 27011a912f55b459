// Paging to swap: a clock over each address space's own private pages
// (evict_one), make_room() before a fault allocates, swap_in() when a
// fault finds a page out, and freeing the slots of unmapped pages. The
// entry of a page out on swap is PageTableEntry::swapped(slot).
#include "kernel/arch/riscv64/csr.h"
#include "kernel/fs/page_cache.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/swap.h"
#include "kernel/mm/user_pte.h"
#include "kernel/mm/zero_page.h"

namespace rivet::mm {

Result<void> AddressSpace::swap_in(Vma* vma, uint64_t page_va, PageTableEntry* e) {
  uint64_t slot = e->swap_slot();
  PhysAddr page = TRY(alloc_page(PageOwner::User));
  if (auto r = swap_read(slot, page); !r) {
    page_put(page);
    return r.error();
  }
  swap_free(slot);
  // Only private pages of this process go out, so it comes back as such.
  e->set(page, user_pte_flags(vma->prot) | Pte::Valid | Pte::Accessed | Pte::Dirty);
  arch::sfence_vma_page(page_va);
  return {};
}

bool AddressSpace::evict_one() {
  if (!swap_enabled()) return false;
  PhysAddr zero = zero_page();
  // Two turns of the clock (the first may only clear accessed bits), each
  // of which may take two sweeps: from the hand to the top, then from 0.
  constexpr int kTurns = 2;
  constexpr int kSweepsPerTurn = 2;
  for (int pass = 0; pass < kTurns * kSweepsPerTurn; pass++) {
    uint64_t hand = clock_hand_;
    bool evicted = false;
    bool candidates = false;
    bool swap_full = false;
    for (Vma* v = vmas_.first(); v && !evicted && !swap_full; v = v->next) {
      if (v->end <= hand || (v->flags & kVmaShared)) continue;
      uint64_t from = v->start > hand ? v->start : hand;
      page_table_.find_leaf(from, v->end, [&](uint64_t va, PageTableEntry& e) {
        clock_hand_ = va + kPageSize;
        // Only private pages no one else maps. Page-cache pages stay: the
        // cache drops clean ones itself (make_room asks it first).
        if (e.phys() == zero || !e.flags().has(Pte::User) || e.flags().has(kFileCache) ||
            page_refcount(e.phys()) != 1)
          return false;
        candidates = true;
        if (e.flags().has(Pte::Accessed)) {
          e.set_flags(e.flags().without(Pte::Accessed));
          arch::sfence_vma_page(va);
          return false;
        }
        auto slot = swap_write(e.phys());
        if (!slot) {
          swap_full = slot.error() == Error::NoSpace;
          return swap_full;  // full: nothing else can go either
        }
        page_put(e.phys());
        e = PageTableEntry::swapped(slot.value());
        arch::sfence_vma_page(va);
        evicted = true;
        return true;
      });
    }
    if (swap_full) return false;
    if (evicted) return true;
    if (!candidates && hand == 0) return false;  // a whole sweep found nothing to push out
    clock_hand_ = 0;  // wrap around
  }
  return false;
}

void AddressSpace::make_room_slow() {
  // Clean file pages nothing maps go first: they cost a read to get back,
  // a swapped page a write and a read.
  while (free_page_count() < kLowWater && fs::reclaim(kLowWater) > 0) {
  }
  if (!swap_enabled()) return;
  while (free_page_count() < kLowWater)
    if (!evict_one()) return;
}

void AddressSpace::free_swapped(uint64_t start, uint64_t end) {
  if (!swap_enabled()) return;
  page_table_.for_each_entry(start, end, [](uint64_t, PageTableEntry& e) {
    if (!e.is_swapped()) return;
    swap_free(e.swap_slot());
    e.clear();
  });
}

}  // namespace rivet::mm

// fork: clone() copies an address space — its areas, their files, and
// every present page shared copy-on-write (shared mappings stay shared,
// pages out on swap are shared by slot) — one leaf table at a time.
#include "kernel/arch/riscv64/csr.h"
#include "kernel/fs/page_cache.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/swap.h"
#include "kernel/mm/user_pte.h"
#include "kernel/mm/zero_page.h"

namespace rivet::mm {
namespace {

// Below this many free pages, fork shares private pages through swap.
constexpr uint64_t kForkSwapBelow = 1024;

}  // namespace

Result<AddressSpace*> AddressSpace::clone(PhysAddr child_trapframe) {
  AddressSpace* child = TRY(create(child_trapframe));
  child->heap_start = heap_start;
  child->brk = brk;
  // Short of memory, every unshared private page goes to swap (and stays
  // shared there) for the rest of the fork, even once that has freed
  // memory: pages shared in memory could be pushed out by neither process.
  while (free_page_count() < kForkSwapBelow && fs::reclaim(64) > 0) {
  }
  bool short_of_memory = swap_enabled() && free_page_count() < kForkSwapBelow;
  for (Vma* v = vmas_.first(); v; v = v->next) {
    auto copy = child->vmas_.insert(v->start, v->end, v->prot, v->flags);
    if (!copy) {
      child->destroy();
      return copy.error();
    }
    Vma* c = copy.value();
    if (v == heap) child->heap = c;
    if (v->inode) {
      c->file_writable = v->file_writable;
      attach_file(c, v->inode);
      c->file_offset = v->file_offset;
      c->file_end = v->file_end;
    }
    // Share every present page. Private writable pages become copy-on-write
    // in both; shared pages stay shared (clean in the child). Pages out on
    // swap: the child names the same slots (each swap-in makes a private
    // copy). One leaf table at a time: the child's table is found or made
    // once per 2 MiB, its entries are written directly, and the references
    // the child takes are counted in batches (flushed before anything that
    // reads reference counts or could free a page: make_room, swap_write,
    // the end of the VMA).
    Result<void> failed;
    uint64_t visited = 0;
    PageBatch shared(PageBatch::kGet);
    bool swap_on = swap_enabled();
    bool vma_shared = v->flags & kVmaShared;
    page_table_.for_each_leaf_table(v->start, v->end, [&](uint64_t base, PageTableEntry* parent) {
      if (!failed.ok()) return;
      unsigned first = v->start > base ? static_cast<unsigned>((v->start - base) >> kPageShift) : 0;
      unsigned last = v->end - base >= kMegaPageSize ? 512 : static_cast<unsigned>((v->end - base) >> kPageShift);
      PageTableEntry* table = nullptr;  // the child's, made at the first entry it needs
      for (unsigned i = first; i < last; i++) {
        PageTableEntry& e = parent[i];
        if (e.empty() || (e.valid() && !e.leaf())) continue;
        // The child's page tables need pages too (for swapped pages as well
        // as present ones): under memory pressure, push some of the parent's
        // unshared pages out as we go (the page at hand among them, perhaps:
        // then it is shared as a swapped page below).
        if (swap_on && (++visited & 63) == 0) {
          shared.flush();
          make_room();
          short_of_memory = short_of_memory || free_page_count() < kForkSwapBelow;
        }
        if (!e.valid() && !e.is_swapped()) continue;
        // Short of memory, an unshared private page goes to swap now and the
        // child shares the slot: pages shared in memory could be pushed out by
        // neither process, pages shared on swap come back privately to each.
        if (short_of_memory && e.valid() && !vma_shared && !(e.phys() == zero_page()) && e.flags().has(Pte::User)) {
          shared.flush();
          if (page_refcount(e.phys()) == 1) {
            if (auto slot = swap_write(e.phys())) {
              page_put(e.phys());
              e = PageTableEntry::swapped(slot.value());
            }
          }
        }
        if (!table) {
          auto t = child->page_table_.walk(VirtAddr(base), true);
          if (!t) {
            failed = t.error();
            return;
          }
          table = t.value();
        }
        if (e.is_swapped()) {
          failed = swap_dup(e.swap_slot());
          if (!failed.ok()) return;
          table[i] = e;
          continue;
        }
        PteFlags f = e.flags();
        if (vma_shared) {
          f = f.without(Pte::Write | Pte::Dirty);
        } else if (f.has(Pte::Write) || f.has(kCopyOnWrite)) {
          f = f.without(Pte::Write) | kCopyOnWrite;
          e.set_flags(f);
        }
        // The child's entry is never writable: valid and accessed, not dirty.
        shared.add(e.phys());
        table[i] = PageTableEntry::make(e.phys(), f.without(Pte::Dirty) | Pte::Valid | Pte::Accessed);
      }
    });
    shared.flush();
    if (!failed.ok()) {
      arch::sfence_vma_all();
      child->destroy();
      return failed.error();
    }
  }
  arch::sfence_vma_all();  // the parent's writable pages just became read-only
  return child;
}

}  // namespace rivet::mm

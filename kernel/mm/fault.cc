// The page-fault path: the decision (which area, does its protection
// allow the access: handle_fault) and the resolution (resolve_fault): the
// zero page or a fresh page for anonymous memory, a copy or a takeover for
// copy-on-write, a page of a shared file mapping; private file pages and
// read-ahead are file_pages.cc's, swap-in eviction.cc's. translate() is
// the same path for copies to and from user memory.
#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/icache.h"
#include "kernel/fs/page_cache.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/swap.h"
#include "kernel/mm/user_pte.h"
#include "kernel/mm/zero_page.h"

namespace rivet::mm {
namespace {

bool pte_permits(PageTableEntry e, Access access) {
  PteFlags f = e.flags();
  if (!e.valid() || !f.has(Pte::User)) return false;
  switch (access) {
    case Access::Read: return f.has(Pte::Read);
    case Access::Write: return f.has(Pte::Write);
    case Access::Execute: return f.has(Pte::Exec);
  }
  return false;
}

}  // namespace

Result<void> AddressSpace::handle_fault(VirtAddr va, Access access) {
  // Decide: which area, and does its protection allow this access?
  if (va.value >= kUserLimit) return Error::Fault;
  Vma* vma = find(va);
  if (!vma || !permits(vma->prot, access)) return Error::Fault;
  Result<void> r = resolve_fault(vma, va.value, access);
  // The page's contents may be new to the instruction caches.
  if (r && (vma->prot & PROT_EXEC)) arch::icache_new_user_code();
  return r;
}

Result<void> AddressSpace::resolve_fault(Vma* vma, uint64_t va, Access access) {
  uint64_t page_va = page_round_down(va);
  // Then act, with a few pages free for whatever this needs.
  make_room();
  PageTableEntry* e = page_table_.lookup(VirtAddr(page_va));
  if (!e || !e->valid()) {
    if (swap_enabled()) {
      auto slot = page_table_.walk(VirtAddr(page_va), false);
      if (slot && slot.value()->is_swapped()) return swap_in(vma, page_va, slot.value());
    }
    return fault_in(vma, page_va, access);
  }
  if (!e->flags().has(Pte::User)) return Error::Fault;  // PROT_NONE page
  if (access == Access::Write && !e->flags().has(Pte::Write)) {
    if (e->flags().has(kCopyOnWrite)) return break_copy_on_write(vma, page_va, e);
    if (vma->flags & kVmaShared) {
      // First store to a clean shared page: allow it and remember it is dirty.
      e->set_flags(e->flags() | Pte::Write | Pte::Accessed | Pte::Dirty);
      arch::sfence_vma_page(page_va);
      return {};
    }
    return Error::Fault;
  }
  // The PTE allows the access. Harts that do not set A and D themselves
  // (Svade) fault when they are clear, as after the clock cleared A: set
  // them here. Otherwise a stale TLB entry raced us: flush it and retry.
  PteFlags f = e->flags() | Pte::Accessed;
  if (access == Access::Write) f = f | Pte::Dirty;
  if (f.bits() != e->flags().bits()) e->set_flags(f);
  arch::sfence_vma_page(page_va);
  return {};
}

Result<void> AddressSpace::break_copy_on_write(Vma* vma, uint64_t page_va, PageTableEntry* e) {
  PhysAddr old = e->phys();
  bool cached = e->flags().has(kFileCache);
  PteFlags flags = e->flags().without(kCopyOnWrite | kFileCache) | Pte::Write | Pte::Accessed | Pte::Dirty;
  if (old == zero_page() || cached || page_refcount(old) > 1) {
    PhysAddr fresh = TRY(alloc_page(PageOwner::User));
    if (old == zero_page())
      __builtin_memset(phys_to_virt(fresh), 0, kPageSize);
    else
      __builtin_memcpy(phys_to_virt(fresh), phys_to_virt(old), kPageSize);
    e->set(fresh, flags);
    page_put(old);
  } else {
    // The last sharer: take the page over instead of copying it.
    e->set_flags(flags);
  }
  arch::sfence_vma_page(page_va);
  return {};
}

Result<void> AddressSpace::fault_in(Vma* vma, uint64_t page_va, Access access) {
  PteFlags base = user_pte_flags(vma->prot);
  bool from_file = vma->inode && page_va < vma->file_end;
  if (vma->inode && !from_file && !(vma->flags & kVmaImage)) return Error::Range;  // past the mapped file
  uint64_t size = ~uint64_t{0};
  if (from_file && (vma->flags & kVmaMmap)) {
    // A page wholly beyond end of file is an error, as a bus error would be.
    size = TRY(fs::pager_size(vma->inode));
    if (vma->offset_of(page_va) >= size) return Error::Range;
  }
  if (from_file && (vma->flags & kVmaShared)) {
    uint8_t* frame;
    TRY(fs::pager_get(vma->inode, vma->offset_of(page_va) / kPageSize, 1, &frame));
    PteFlags f = base.without(Pte::Write);
    if (access == Access::Write) f = f | Pte::Write | Pte::Dirty;
    if (auto r = page_table_.map(VirtAddr(page_va), phys_of(frame), kPageSize, f); !r) {
      page_put(phys_of(frame));
      return r.error();
    }
    return {};
  }
  if (from_file) return fault_in_file(vma, page_va, access, size);
  // Anonymous memory (and an ELF segment's BSS pages): a read maps the
  // shared zero page, read-only and copy-on-write; a write gets a page.
  if (access != Access::Write) {
    PhysAddr zero = zero_page();
    page_get(zero);
    PteFlags f = base.without(Pte::Write);
    if (vma->prot & PROT_WRITE) f = f | kCopyOnWrite;
    if (auto r = page_table_.map(VirtAddr(page_va), zero, kPageSize, f); !r) {
      page_put(zero);
      return r.error();
    }
    return {};
  }
  PhysAddr page = TRY(alloc_zeroed_page(PageOwner::User));
  if (auto r = page_table_.map(VirtAddr(page_va), page, kPageSize, base); !r) {
    page_put(page);
    return r.error();
  }
  return {};
}

Result<PhysAddr> AddressSpace::translate(VirtAddr va, Access access) {
  if (va.value >= kUserLimit) return Error::Fault;
  PageTableEntry* e = page_table_.lookup(va);
  if (!e || !pte_permits(*e, access)) {
    // A copy to or from a user buffer fails with EFAULT however the page
    // could not be had, short of memory.
    if (auto r = handle_fault(va, access); !r) return r.error() == Error::NoMemory ? Error::NoMemory : Error::Fault;
    e = page_table_.lookup(va);
    if (!e || !pte_permits(*e, access)) return Error::Fault;
  }
  return e->phys() + (va.value & (kPageSize - 1));
}

}  // namespace rivet::mm

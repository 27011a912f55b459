#include "kernel/mm/address_space.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/boot/image.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pages.h"
#include "kernel/sys/abi.h"

extern "C" char trampoline[];

namespace rivet::mm {
namespace {

constexpr unsigned vpn(uint64_t va, int level) { return (va >> (kPageShift + 9 * level)) & 0x1ff; }

// Frees the user pages mapped below kUserLimit and every table page of the
// tree rooted at `table` (the trampoline and trapframe are not ours).
void free_tree(PhysAddr table, int level, uint64_t base) {
  auto* entries = phys_to_virt<PageTableEntry>(table);
  for (unsigned i = 0; i < 512; i++) {
    PageTableEntry e = entries[i];
    if (!e.valid()) continue;
    uint64_t va = base + (static_cast<uint64_t>(i) << (kPageShift + 9 * level));
    if (e.leaf()) {
      if (va < kUserLimit) page_put(e.phys());
    } else {
      free_tree(e.phys(), level - 1, va);
    }
  }
  page_put(table);
}

bool permits(uint32_t prot, Access access) {
  switch (access) {
    case Access::Read: return prot & PROT_READ;
    case Access::Write: return prot & PROT_WRITE;
    case Access::Execute: return prot & PROT_EXEC;
  }
  return false;
}

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

PteFlags user_pte_flags(uint32_t prot) {
  PteFlags f(Pte::User);
  // RISC-V reserves W without R, so writable implies readable.
  if (prot & (PROT_READ | PROT_WRITE)) f = f | Pte::Read;
  if (prot & PROT_WRITE) f = f | Pte::Write;
  if (prot & PROT_EXEC) f = f | Pte::Exec;
  return f;
}

Result<AddressSpace*> AddressSpace::create(PhysAddr trapframe) {
  auto* as = static_cast<AddressSpace*>(kzalloc(sizeof(AddressSpace)));
  if (!as) return Error::NoMemory;
  new (as) AddressSpace();
  auto table = PageTable::create();
  if (!table) {
    kfree(as);
    return table.error();
  }
  as->page_table_ = table.value();
  PhysAddr tramp(boot::image_va_to_pa(reinterpret_cast<uint64_t>(trampoline)));
  auto ok = as->page_table_.map(VirtAddr(kTrampoline), tramp, kPageSize, Pte::Read | Pte::Exec);
  if (ok) ok = as->page_table_.map(VirtAddr(kTrapFrame), trapframe, kPageSize, Pte::Read | Pte::Write);
  if (!ok) {
    as->destroy();
    return ok.error();
  }
  return as;
}

void AddressSpace::destroy() {
  free_tree(page_table_.root(), 2, 0);
  for (Vma* v = vmas_; v;) {
    Vma* next = v->next;
    kdelete(v);
    v = next;
  }
  this->~AddressSpace();
  kfree(this);
}

Vma* AddressSpace::find(uint64_t va) const {
  for (Vma* v = vmas_; v && v->start <= va; v = v->next)
    if (v->contains(va)) return v;
  return nullptr;
}

Result<Vma*> AddressSpace::add_vma(uint64_t start, uint64_t end, uint32_t prot, uint32_t flags) {
  bool empty_ok = flags & kVmaHeap;
  if (start > end || (start == end && !empty_ok) || (start | end) & (kPageSize - 1) || end > kUserLimit ||
      start < kPageSize)
    return Error::Invalid;
  Vma** link = &vmas_;
  while (*link && (*link)->end <= start) link = &(*link)->next;
  if (*link && (*link)->start < end) return Error::Exists;
  Vma* v = TRY(knew<Vma>());
  v->start = start;
  v->end = end;
  v->prot = prot;
  v->flags = flags;
  v->next = *link;
  *link = v;
  return v;
}

Result<void> AddressSpace::resize_vma(Vma* vma, uint64_t new_end) {
  if (new_end & (kPageSize - 1) || new_end < vma->start || new_end > kUserLimit) return Error::Invalid;
  if (new_end > vma->end && vma->next && vma->next->start < new_end) return Error::NoMemory;
  if (new_end < vma->end) unmap_pages(new_end, vma->end);
  vma->end = new_end;
  return {};
}

Result<void> AddressSpace::map_page(uint64_t va, PhysAddr pa, uint32_t prot) {
  return page_table_.map(VirtAddr(va), pa, kPageSize, user_pte_flags(prot));
}

Result<void> AddressSpace::populate(uint64_t start, uint64_t end) {
  Vma* v = find(start);
  if (!v || end > v->end) return Error::Invalid;
  for (uint64_t va = start; va < end; va += kPageSize) {
    if (page_table_.lookup(VirtAddr(va))) continue;
    auto page = alloc_zeroed_page();
    auto mapped = page ? map_page(va, page.value(), v->prot) : Result<void>(page.error());
    if (!mapped) {
      if (page) page_put(page.value());
      unmap_pages(start, va);
      return mapped.error();
    }
  }
  return {};
}

void AddressSpace::unmap_pages(uint64_t start, uint64_t end) {
  bool any = false;
  page_table_.for_each_leaf(start, end, [&](uint64_t, PageTableEntry& e) {
    page_put(e.phys());
    e.raw = 0;
    any = true;
  });
  // The address space belongs to the process running on this hart (or to
  // none): a local fence is enough.
  if (any) arch::sfence_vma_all();
}

Result<void> AddressSpace::handle_fault(uint64_t va, Access access) {
  if (va >= kUserLimit) return Error::Fault;
  Vma* v = find(va);
  if (!v || !permits(v->prot, access)) return Error::Fault;
  uint64_t page_va = page_round_down(va);
  if (PageTableEntry* e = page_table_.lookup(VirtAddr(page_va)); e && e->valid()) {
    // Mapped, yet the access faulted: the PTE is stricter than the VMA
    // allows, which nothing creates yet.
    return Error::Fault;
  }
  if (!(v->flags & kVmaAnonymous)) return Error::Fault;
  PhysAddr page = TRY(alloc_zeroed_page());
  if (auto r = map_page(page_va, page, v->prot); !r) {
    page_put(page);
    return r.error();
  }
  return {};
}

Result<PhysAddr> AddressSpace::translate(uint64_t va, Access access) {
  if (va >= kUserLimit) return Error::Fault;
  PageTableEntry* e = page_table_.lookup(VirtAddr(va));
  if (!e || !pte_permits(*e, access)) {
    TRY(handle_fault(va, access));
    e = page_table_.lookup(VirtAddr(va));
    if (!e || !pte_permits(*e, access)) return Error::Fault;
  }
  return PhysAddr(e->phys().value + (va & (kPageSize - 1)));
}

Result<AddressSpace*> AddressSpace::clone(PhysAddr child_trapframe) {
  AddressSpace* child = TRY(create(child_trapframe));
  child->heap_start = heap_start;
  child->brk = brk;
  for (Vma* v = vmas_; v; v = v->next) {
    auto copy = child->add_vma(v->start, v->end, v->prot, v->flags);
    if (!copy) {
      child->destroy();
      return copy.error();
    }
    if (v == heap) child->heap = copy.value();
    Result<void> failed;
    page_table_.for_each_leaf(v->start, v->end, [&](uint64_t va, PageTableEntry& e) {
      if (!failed.ok()) return;
      auto page = alloc_page();
      if (!page) {
        failed = page.error();
        return;
      }
      __builtin_memcpy(phys_to_virt(page.value()), phys_to_virt(e.phys()), kPageSize);
      auto mapped = child->page_table_.map(VirtAddr(va), page.value(), kPageSize,
                                           e.flags().without(Pte::Valid | Pte::Accessed | Pte::Dirty));
      if (!mapped) {
        page_put(page.value());
        failed = mapped;
      }
    });
    if (!failed.ok()) {
      child->destroy();
      return failed.error();
    }
  }
  return child;
}

uint64_t AddressSpace::resident_pages() {
  uint64_t n = 0;
  page_table_.for_each_leaf(0, kUserLimit, [&](uint64_t, PageTableEntry&) { n++; });
  return n;
}

}  // namespace rivet::mm

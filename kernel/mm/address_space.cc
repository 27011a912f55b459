// An address space's life and its areas: creation and teardown, the VMA
// records (the kernel's side of vma_list.h), adding, growing and removing
// areas (munmap, mprotect) and the page-table work each calls for. The
// fault path, file pages, eviction and fork have their own files
// (address_space.h lists them).
#include "kernel/mm/address_space.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/icache.h"
#include "kernel/boot/image.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/swap.h"
#include "kernel/mm/user_pte.h"
#include "kernel/mm/zero_page.h"

extern "C" char trampoline[];

namespace rivet::mm {
namespace {

// Frees the user pages mapped below kUserLimit, the swap slots of pages
// that are out, and every table page of the tree rooted at `table` (the
// trampoline and trapframe are not ours). References are dropped in
// batches: one lock round trip per 64 pages.
void free_tree(PhysAddr table, int level, uint64_t base, PageBatch& pages) {
  auto* entries = phys_to_virt<PageTableEntry>(table);
  for (unsigned i = 0; i < 512; i++) {
    PageTableEntry e = entries[i];
    if (!e.valid()) {
      if (level == 0 && e.is_swapped()) swap_free(e.swap_slot());
      continue;
    }
    uint64_t va = base + (static_cast<uint64_t>(i) << (kPageShift + 9 * level));
    if (e.leaf()) {
      if (va < kUserLimit) pages.add(e.phys());
    } else {
      free_tree(e.phys(), level - 1, va, pages);
    }
  }
  pages.add(table);
}

}  // namespace

// VmaList's records (vma_list.h): from the kernel heap; a record that
// names a file holds a reference to it.
Vma* vma_record_new() {
  auto v = knew<Vma>();
  return v ? v.value() : nullptr;
}

void vma_record_copied(Vma* copy) {
  if (copy->inode) AddressSpace::attach_file(copy, copy->inode);
}

void vma_record_delete(Vma* vma) {
  if (vma->inode) AddressSpace::detach_file(vma);
  kdelete(vma);
}

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
  release_files();
  {
    PageBatch pages(PageBatch::kPut);
    free_tree(page_table_.root(), 2, 0, pages);
  }  // the last batch goes back here
  vmas_.clear();  // release_files() dropped the file references
  this->~AddressSpace();
  kfree(this);
}

Result<void> AddressSpace::resize_vma(Vma* vma, VirtAddr new_end_va) {
  uint64_t new_end = new_end_va.value, old_end = vma->end;
  TRY(vmas_.resize(vma, new_end));
  if (new_end < old_end) {
    unmap_pages(new_end_va, VirtAddr(old_end));
    // The tables that mapped only the released range go too, not at exit:
    // a large heap needs one table page per 2 MiB.
    page_table_.free_empty_tables(new_end, old_end);
    arch::sfence_vma_all();
  }
  return {};
}

Result<void> AddressSpace::map_page(VirtAddr va, PhysAddr pa, uint32_t prot) {
  return page_table_.map(va, pa, kPageSize, user_pte_flags(prot));
}

Result<void> AddressSpace::populate(VirtAddr start, VirtAddr end) {
  Vma* v = find(start);
  if (!v || end.value > v->end) return Error::Invalid;
  // Eager allocation (sbrk) takes only free memory: it does not push other
  // pages out to swap, so asking for more than RAM fails quickly with
  // ENOMEM. Memory allocated lazily is what swap backs.
  for (VirtAddr va = start; va < end; va = va + kPageSize) {
    if (page_table_.lookup(va)) continue;
    auto page = alloc_zeroed_page(PageOwner::User);
    auto mapped = page ? map_page(va, page.value(), v->prot) : Result<void>(page.error());
    if (!mapped) {
      if (page) page_put(page.value());
      unmap_pages(start, va);
      return mapped.error();
    }
  }
  return {};
}

void AddressSpace::unmap_pages(VirtAddr start, VirtAddr end) {
  free_swapped(start.value, end.value);
  bool any = false;
  page_table_.for_each_leaf(start.value, end.value, [&](uint64_t, PageTableEntry& e) {
    drop_page(e);
    any = true;
  });
  if (any) arch::sfence_vma_all();
}

uint64_t AddressSpace::resident_pages() {
  uint64_t n = 0;
  PhysAddr zero = zero_page();
  page_table_.for_each_leaf(0, kUserLimit, [&](uint64_t, PageTableEntry& e) {
    if (!(e.phys() == zero)) n++;
  });
  return n;
}

Result<void> AddressSpace::unmap_range(VirtAddr start_va, VirtAddr end_va) {
  uint64_t start = start_va.value, end = end_va.value;
  if (!vmas_.mmap_only(start, end)) return Error::Invalid;
  // Split first (the only step that can fail), then remove: dirty shared
  // pages go back to their files, the others are dropped, swap slots freed.
  TRY(vmas_.split_around(start, end));
  vmas_.remove_inside(start, end, [&](Vma* v) {
    free_swapped(v->start, v->end);
    page_table_.for_each_leaf(v->start, v->end, [&](uint64_t va, PageTableEntry& e) {
      (void)write_back(v, va, e);
      drop_page(e);
    });
  });
  arch::sfence_vma_all();
  return {};
}

Result<void> AddressSpace::protect_range(VirtAddr start_va, VirtAddr end_va, uint32_t prot) {
  uint64_t start = start_va.value, end = end_va.value;
  // Validate: the range must be fully covered, and the new protection
  // allowed for every area in it.
  uint64_t covered = start;
  for (Vma* v = vmas_.first(); v && covered < end; v = v->next) {
    if (v->end <= covered) continue;
    if (v->start > covered) return Error::NoMemory;
    if ((prot & PROT_WRITE) && (v->flags & kVmaShared) && !v->file_writable) return Error::AccessDenied;
    covered = v->end;
  }
  if (covered < end) return Error::NoMemory;
  // Then split where the range cuts an area (the only step that can fail)
  // and change what lies inside.
  for (Vma* v = TRY(vmas_.split_around(start, end)); v && v->start < end; v = v->next) {
    v->prot = prot;
    if (prot & PROT_EXEC) arch::icache_new_user_code();  // data written may now run
    page_table_.for_each_leaf(v->start, v->end, [&](uint64_t, PageTableEntry& e) {
      e.set_flags(present_flags(v, prot, e.flags()));
    });
  }
  arch::sfence_vma_all();
  return {};
}

}  // namespace rivet::mm

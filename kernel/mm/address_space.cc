#include "kernel/mm/address_space.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/icache.h"
#include "kernel/boot/image.h"
#include "kernel/lib/panic.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/zero_page.h"
#include "kernel/mm/swap.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/page_cache.h"
#include "kernel/sys/abi.h"

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

constexpr PteFlags kCopyOnWrite = PteFlags(Pte::Rsw0);
// A present page that belongs to the page cache (a file page shared with
// every process that maps it, and with read() and write()): never swapped
// out, never taken over by a write. Swapped-out entries use RSW1 too, but
// they are never valid.
constexpr PteFlags kFileCache = PteFlags(Pte::Rsw1);
// Read-ahead of file pages: at most this many pages per fault, mapped
// together (the pages around a fault that are cached already, too).
constexpr uint32_t kMaxReadAhead = 32;
// Below this many free pages, fork shares private pages through swap.
constexpr uint64_t kForkSwapBelow = 1024;

// The PTE flags of a present page in `vma` under protection `prot`:
// private writable pages start without W and with the copy-on-write mark
// (the first store takes the page over or copies it); shared pages start
// without W (the first store marks them dirty); PROT_NONE drops PTE_U.
PteFlags present_flags(const Vma* vma, uint32_t prot, PteFlags old) {
  PteFlags f = user_pte_flags(prot == PROT_NONE ? PROT_READ : prot).without(Pte::Write);
  if (prot == PROT_NONE) f = f.without(Pte::User);
  if ((prot & PROT_WRITE) && !(vma->flags & kVmaShared)) f = f | kCopyOnWrite;
  if (old.has(Pte::Dirty)) f = f | Pte::Dirty;
  if (old.has(kFileCache)) f = f | kFileCache;
  return f | Pte::Valid | Pte::Accessed;
}

Result<uint64_t> file_size(fs::Inode* ip) { return fs::pager_size(ip); }

uint8_t* frame_of(PhysAddr pa) { return phys_to_virt<uint8_t>(pa); }
PhysAddr phys_of(const uint8_t* frame) { return PhysAddr(reinterpret_cast<uint64_t>(frame) - kDirectMapBase); }

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

void AddressSpace::drop_page(Vma*, uint64_t, PageTableEntry& e) {
  // A page-cache page stays cached: the cache holds its own reference.
  PhysAddr page = e.phys();
  e.clear();
  page_put(page);
}

Result<void> AddressSpace::write_back(Vma* vma, uint64_t va, PageTableEntry& e) {
  if (!(vma->flags & kVmaShared) || !vma->inode || !e.flags().has(Pte::Dirty)) return {};
  // The cached page is what the file holds: it only needs to be marked
  // dirty for write-back (pages past end of file are not the file's).
  TRY(fs::pager_dirty(vma->inode, vma->offset_of(va) / kPageSize));
  e.set_flags(e.flags().without(Pte::Dirty | Pte::Write));
  arch::sfence_vma_page(va);
  return {};
}

void AddressSpace::attach_file(Vma* vma, fs::Inode* ip) {
  vma->inode = fs::inode_dup(ip);
  if (vma->flags & kVmaImage) __atomic_fetch_add(&ip->text_users, 1, __ATOMIC_RELAXED);
  __atomic_fetch_add(&ip->opens, 1, __ATOMIC_RELAXED);
  if ((vma->flags & kVmaShared) && vma->file_writable) __atomic_fetch_add(&ip->writers, 1, __ATOMIC_RELAXED);
}

void AddressSpace::detach_file(Vma* vma) {
  if (vma->flags & kVmaImage) __atomic_fetch_sub(&vma->inode->text_users, 1, __ATOMIC_RELAXED);
  if ((vma->flags & kVmaShared) && vma->file_writable)
    __atomic_fetch_sub(&vma->inode->writers, 1, __ATOMIC_RELAXED);
  __atomic_fetch_sub(&vma->inode->opens, 1, __ATOMIC_RELAXED);
  fs::inode_release(vma->inode);
  vma->inode = nullptr;
}

void AddressSpace::free_vma(Vma* vma) {
  if (vma->inode) detach_file(vma);
  vma_count_--;
  kdelete(vma);
}

void AddressSpace::release_files() {
  for (Vma* v = vmas_; v; v = v->next) {
    if (!v->inode) continue;
    // Pages of the page cache go back to it while the VMA still names its
    // file; private copies are freed with the page table.
    page_table_.for_each_leaf(v->start, v->end, [&](uint64_t va, PageTableEntry& e) {
      if (v->flags & kVmaShared) {
        (void)write_back(v, va, e);  // a failed write-back cannot be reported at exit
        drop_page(v, va, e);
      } else if (e.flags().has(kFileCache)) {
        drop_page(v, va, e);
      }
    });
    detach_file(v);
    v->flags &= ~kVmaShared;
  }
  arch::sfence_vma_all();
}

void AddressSpace::destroy() {
  release_files();
  {
    PageBatch pages(PageBatch::kPut);
    free_tree(page_table_.root(), 2, 0, pages);
  }  // the last batch goes back here
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

Result<Vma*> AddressSpace::add_vma(uint64_t start, uint64_t end, uint32_t prot, uint32_t flags, Vma* record) {
  auto refuse = [record](Error e) -> Result<Vma*> {
    if (record) kdelete(record);
    return e;
  };
  bool empty_ok = flags & kVmaHeap;
  if (start > end || (start == end && !empty_ok) || (start | end) & (kPageSize - 1) || end > kUserLimit ||
      start < kPageSize)
    return refuse(Error::Invalid);
  Vma** link = &vmas_;
  while (*link && (*link)->start < start) link = &(*link)->next;
  for (Vma* v = vmas_; v; v = v->next)
    if (v->start < end && start < v->end) return refuse(Error::Exists);
  if (vma_count_ >= kMaxVmas) return refuse(Error::NoMemory);
  Vma* v = record ? record : TRY(knew<Vma>());
  vma_count_++;
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
  if (new_end > vma->end) {
    for (Vma* v = vmas_; v; v = v->next)
      if (v != vma && v->start < new_end && vma->end < v->end) return Error::NoMemory;
  }
  if (new_end < vma->end) {
    unmap_pages(new_end, vma->end);
    // The tables that mapped only the released range go too, not at exit:
    // a large heap needs one table page per 2 MiB.
    page_table_.free_empty_tables(new_end, vma->end);
    arch::sfence_vma_all();
  }
  vma->end = new_end;
  return {};
}

Result<void> AddressSpace::map_page(uint64_t va, PhysAddr pa, uint32_t prot) {
  return page_table_.map(VirtAddr(va), pa, kPageSize, user_pte_flags(prot));
}

Result<void> AddressSpace::populate(uint64_t start, uint64_t end) {
  Vma* v = find(start);
  if (!v || end > v->end) return Error::Invalid;
  // Eager allocation (sbrk) takes only free memory: it does not push other
  // pages out to swap, so asking for more than RAM fails quickly with
  // ENOMEM. Memory allocated lazily is what swap backs.
  for (uint64_t va = start; va < end; va += kPageSize) {
    if (page_table_.lookup(VirtAddr(va))) continue;
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

void AddressSpace::free_swapped(uint64_t start, uint64_t end) {
  if (!swap_enabled()) return;
  page_table_.for_each_entry(start, end, [](uint64_t, PageTableEntry& e) {
    if (!e.is_swapped()) return;
    swap_free(e.swap_slot());
    e.clear();
  });
}

void AddressSpace::unmap_pages(uint64_t start, uint64_t end) {
  free_swapped(start, end);
  bool any = false;
  page_table_.for_each_leaf(start, end, [&](uint64_t va, PageTableEntry& e) {
    drop_page(find(va), va, e);
    any = true;
  });
  if (any) arch::sfence_vma_all();
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
    size = TRY(file_size(vma->inode));
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

Result<void> AddressSpace::fault_in_file(Vma* vma, uint64_t page_va, Access access, uint64_t size) {
  // Private pages of a file come from the page cache: the fault maps the
  // cached page itself, read-only (copy-on-write where the area is
  // writable: the first store copies it). One page, unless this fault is
  // where the previous batch stopped: then the program reads the file in
  // order, and the batch doubles up to kMaxReadAhead pages, read in one
  // request where the blocks are adjacent and mapped together. Sparse
  // touches read only the pages touched.
  //
  // The last page of an ELF segment's file part may hold bytes past
  // file_end (the BSS must read as zeros): that page is a private copy.
  uint64_t index = vma->offset_of(page_va) / kPageSize;
  uint32_t want = 1;
  if (access != Access::Write && page_va == vma->readahead_next) {
    want = vma->readahead_pages < 2 ? 4 : 2 * vma->readahead_pages;
    if (want > kMaxReadAhead) want = kMaxReadAhead;
  }
  // Only pages of the file's part of the area that are not mapped yet.
  uint32_t n = 1;
  for (; n < want; n++) {
    uint64_t va = page_va + n * kPageSize;
    if (va >= vma->end || va >= vma->file_end || vma->offset_of(va) >= size) break;
    auto e = page_table_.walk(VirtAddr(va), false);
    if (e && !e.value()->empty()) break;  // present, or out on swap
  }
  uint8_t* frames[kMaxReadAhead];
  uint32_t got = TRY(fs::pager_get(vma->inode, index, n, frames));
  PteFlags base = present_flags(vma, vma->prot, PteFlags()) | kFileCache;
  uint32_t mapped = 0;
  for (; mapped < got; mapped++) {
    uint64_t va = page_va + mapped * kPageSize;
    PhysAddr pa = phys_of(frames[mapped]);
    PteFlags f = base;
    if (va + kPageSize > vma->file_end) {
      // Part file, part BSS: a private page.
      auto copy = alloc_page(PageOwner::User);
      if (!copy) break;
      uint64_t keep = vma->file_end - va;
      __builtin_memcpy(phys_to_virt(copy.value()), frames[mapped], keep);
      __builtin_memset(phys_to_virt<uint8_t>(copy.value()) + keep, 0, kPageSize - keep);
      page_put(pa);
      frames[mapped] = frame_of(copy.value());
      pa = copy.value();
      f = user_pte_flags(vma->prot) | Pte::Valid | Pte::Accessed;
    }
    if (!page_table_.map(VirtAddr(va), pa, kPageSize, f.without(Pte::Valid | Pte::Accessed))) break;
  }
  for (uint32_t i = mapped; i < got; i++) page_put(phys_of(frames[i]));
  if (mapped == 0) return Error::NoMemory;  // no page table page for the faulting page
  vma->readahead_next = page_va + mapped * kPageSize;
  vma->readahead_pages = mapped;
  // A store: copy the page now rather than on a second fault.
  PageTableEntry* e = page_table_.lookup(VirtAddr(page_va));
  if (access == Access::Write && e && e->flags().has(kCopyOnWrite)) return break_copy_on_write(vma, page_va, e);
  return {};
}

Result<void> AddressSpace::handle_fault(uint64_t va, Access access) {
  // Decide: which area, and does its protection allow this access?
  if (va >= kUserLimit) return Error::Fault;
  Vma* vma = find(va);
  if (!vma || !permits(vma->prot, access)) return Error::Fault;
  Result<void> r = resolve_fault(vma, va, access);
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

Result<PhysAddr> AddressSpace::translate(uint64_t va, Access access) {
  if (va >= kUserLimit) return Error::Fault;
  PageTableEntry* e = page_table_.lookup(VirtAddr(va));
  if (!e || !pte_permits(*e, access)) {
    // A copy to or from a user buffer fails with EFAULT however the page
    // could not be had, short of memory.
    if (auto r = handle_fault(va, access); !r) return r.error() == Error::NoMemory ? Error::NoMemory : Error::Fault;
    e = page_table_.lookup(VirtAddr(va));
    if (!e || !pte_permits(*e, access)) return Error::Fault;
  }
  return PhysAddr(e->phys().value + (va & (kPageSize - 1)));
}

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
    for (Vma* v = vmas_; v && !evicted && !swap_full; v = v->next) {
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

void AddressSpace::make_room() {
  constexpr uint64_t kLowWater = 48;  // pages: one fault's data and tables, with margin
  // Clean file pages nothing maps go first: they cost a read to get back,
  // a swapped page a write and a read.
  while (free_page_count() < kLowWater && fs::reclaim(kLowWater) > 0) {
  }
  if (!swap_enabled()) return;
  while (free_page_count() < kLowWater)
    if (!evict_one()) return;
}

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
  for (Vma* v = vmas_; v; v = v->next) {
    auto copy = child->add_vma(v->start, v->end, v->prot, v->flags);
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

uint64_t AddressSpace::resident_pages() {
  uint64_t n = 0;
  PhysAddr zero = zero_page();
  page_table_.for_each_leaf(0, kUserLimit, [&](uint64_t, PageTableEntry& e) {
    if (!(e.phys() == zero)) n++;
  });
  return n;
}

Result<Vma*> AddressSpace::split(Vma* vma, uint64_t at) {
  if (vma_count_ >= kMaxVmas) return Error::NoMemory;
  Vma* upper = TRY(knew<Vma>());
  vma_count_++;
  *upper = *vma;
  upper->start = at;
  if (vma->inode) {
    upper->file_offset = vma->offset_of(at);
    attach_file(upper, vma->inode);
  }
  vma->end = at;
  vma->next = upper;
  return upper;
}

bool AddressSpace::range_is_mmap_only(uint64_t start, uint64_t end) const {
  for (Vma* v = vmas_; v; v = v->next)
    if (v->start < end && start < v->end && !(v->flags & kVmaMmap)) return false;
  return true;
}

bool AddressSpace::range_allows(uint64_t start, uint64_t end, Access access) const {
  uint64_t at = start;
  for (Vma* v = vmas_; v && at < end; v = v->next) {
    if (v->end <= at) continue;
    if (v->start > at || !permits(v->prot, access)) return false;
    at = v->end;
  }
  return at >= end;
}

Result<void> AddressSpace::unmap_range(uint64_t start, uint64_t end) {
  if (!range_is_mmap_only(start, end)) return Error::Invalid;
  // Split first (the only step that can fail), then remove.
  for (Vma* v = vmas_; v; v = v->next) {
    if (v->end <= start || v->start >= end) continue;
    if (v->start < start) TRY(split(v, start));
    else if (v->end > end) TRY(split(v, end));
  }
  Vma** link = &vmas_;
  while (*link) {
    Vma* v = *link;
    if (v->start >= start && v->end <= end) {
      free_swapped(v->start, v->end);
      page_table_.for_each_leaf(v->start, v->end, [&](uint64_t va, PageTableEntry& e) {
        (void)write_back(v, va, e);
        drop_page(v, va, e);
      });
      *link = v->next;
      free_vma(v);
    } else {
      link = &v->next;
    }
  }
  arch::sfence_vma_all();
  return {};
}

Result<void> AddressSpace::protect_range(uint64_t start, uint64_t end, uint32_t prot) {
  // Validate: the range must be fully covered, and the new protection
  // allowed for every area in it.
  uint64_t covered = start;
  for (Vma* v = vmas_; v && covered < end; v = v->next) {
    if (v->end <= covered) continue;
    if (v->start > covered) return Error::NoMemory;
    if ((prot & PROT_WRITE) && (v->flags & kVmaShared) && !v->file_writable) return Error::AccessDenied;
    covered = v->end;
  }
  if (covered < end) return Error::NoMemory;
  for (Vma* v = vmas_; v; v = v->next) {
    if (v->end <= start || v->start >= end) continue;
    if (v->start < start) {
      TRY(split(v, start));
      continue;  // the upper part comes next
    }
    if (v->end > end) TRY(split(v, end));
    v->prot = prot;
    if (prot & PROT_EXEC) arch::icache_new_user_code();  // data written may now run
    page_table_.for_each_leaf(v->start, v->end, [&](uint64_t, PageTableEntry& e) {
      e.set_flags(present_flags(v, prot, e.flags()));
    });
  }
  arch::sfence_vma_all();
  return {};
}

Result<void> AddressSpace::sync_range(uint64_t start, uint64_t end) {
  uint64_t covered = start;
  for (Vma* v = vmas_; v && covered < end; v = v->next) {
    if (v->end <= covered) continue;
    if (v->start > covered) return Error::NoMemory;
    covered = v->end;
  }
  if (covered < end) return Error::NoMemory;
  for (Vma* v = vmas_; v; v = v->next) {
    if (v->end <= start || v->start >= end || !(v->flags & kVmaShared)) continue;
    uint64_t lo = v->start > start ? v->start : start, hi = v->end < end ? v->end : end;
    Result<void> failed;
    page_table_.for_each_leaf(lo, hi, [&](uint64_t va, PageTableEntry& e) {
      if (failed.ok()) failed = write_back(v, va, e);
    });
    TRY(failed);
    // And onto the disk.
    if (v->inode) TRY(fs::pager_sync(v->inode, v->offset_of(lo) / kPageSize, (v->offset_of(hi) - 1) / kPageSize));
  }
  return {};
}

uint64_t AddressSpace::find_gap(uint64_t length, uint64_t hint) const {
  uint64_t floor = heap ? heap->end + kPageSize : kPageSize;
  auto free_at = [&](uint64_t lo) {
    if (lo < floor || lo + length < lo || lo + length > kUserLimit) return false;
    for (Vma* v = vmas_; v; v = v->next)
      if (v->start < lo + length && lo < v->end) return false;
    return true;
  };
  if (hint && (hint & (kPageSize - 1)) == 0 && free_at(hint)) return hint;
  // Top down: the highest gap below each area (areas are sorted upward).
  uint64_t best = 0;
  uint64_t prev_end = floor;
  for (Vma* v = vmas_; v; v = v->next) {
    if (v->start >= prev_end && v->start - prev_end >= length) best = v->start - length;
    if (v->end > prev_end) prev_end = v->end;
  }
  // Nothing goes above the stack (the top areas are the stack and its guard).
  return best;
}

}  // namespace rivet::mm

// File-backed areas: attaching and detaching files, private file pages
// (mapped from the page cache, with read-ahead), shared pages' write-back
// (munmap, msync, exit) and the references dropped at exit and exec.
#include "kernel/arch/riscv64/csr.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/page_cache.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/user_pte.h"

namespace rivet::mm {
namespace {

// Read-ahead of file pages: at most this many pages per fault, mapped
// together (the pages around a fault that are cached already, too).
constexpr uint32_t kMaxReadAhead = 32;

}  // namespace

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

Result<void> AddressSpace::write_back(Vma* vma, uint64_t va, PageTableEntry& e) {
  if (!(vma->flags & kVmaShared) || !vma->inode || !e.flags().has(Pte::Dirty)) return {};
  // The cached page is what the file holds: it only needs to be marked
  // dirty for write-back (pages past end of file are not the file's).
  TRY(fs::pager_dirty(vma->inode, vma->offset_of(va) / kPageSize));
  e.set_flags(e.flags().without(Pte::Dirty | Pte::Write));
  arch::sfence_vma_page(va);
  return {};
}

void AddressSpace::release_files() {
  for (Vma* v = vmas_.first(); v; v = v->next) {
    if (!v->inode) continue;
    // Pages of the page cache go back to it while the VMA still names its
    // file; private copies are freed with the page table.
    page_table_.for_each_leaf(v->start, v->end, [&](uint64_t va, PageTableEntry& e) {
      if (v->flags & kVmaShared) {
        (void)write_back(v, va, e);  // a failed write-back cannot be reported at exit
        drop_page(e);
      } else if (e.flags().has(kFileCache)) {
        drop_page(e);
      }
    });
    detach_file(v);
    v->flags &= ~kVmaShared;
  }
  arch::sfence_vma_all();
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

Result<void> AddressSpace::sync_range(VirtAddr start_va, VirtAddr end_va) {
  uint64_t start = start_va.value, end = end_va.value;
  if (!vmas_.covers(start, end)) return Error::NoMemory;
  for (Vma* v = vmas_.first(); v; v = v->next) {
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

}  // namespace rivet::mm

// A process's address space: its page table plus the list of VMAs (virtual
// memory areas) that say what may live where — code, data, heap, stack,
// mappings — and with which protection. The page table is only a cache of
// what the VMAs describe: a page that is not mapped yet is resolved by
// handle_fault() from its VMA (allocated zeroed, for anonymous memory).
//
// Where the parts live:
//   vma_list.{h,cc}    the VMA list and its arithmetic (pure; host-tested)
//   address_space.cc   creation and teardown, adding, resizing and
//                      removing areas (munmap, mprotect) and the page-table
//                      work they call for
//   fault.cc           the fault path: the decision (handle_fault), then
//                      zero page, fresh page, copy-on-write; translate()
//   file_pages.cc      file-backed areas: attaching files, private file
//                      pages with read-ahead, write-back of shared pages,
//                      msync, dropping file references at exit
//   eviction.cc        paging to swap: the clock (evict_one, make_room),
//                      swap-in, freeing slots
//   fork.cc            clone(): the copy-on-write copy for fork
//   user_pte.h         how PTEs of user pages are marked (copy-on-write,
//                      page-cache pages), shared by the files above
//
// The interface takes and gives addresses as VirtAddr; the VMA records and
// VmaList keep plain uint64_t, which is what their interval arithmetic is
// written in (and what the host tests drive).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/page_table.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/vma_list.h"

namespace rivet::mm {

class AddressSpace {
  // The areas, first: at offset 0, so the queries every system call's user
  // copy makes (range_allows) reach the list without an extra add.
  VmaList vmas_;

 public:
  // An empty user address space with the trampoline and the given
  // trapframe page mapped at the top.
  static Result<AddressSpace*> create(PhysAddr trapframe);
  // Frees every page, table and VMA, and the object itself.
  void destroy();

  uint64_t satp() const { return page_table_.satp(); }
  PageTable& page_table() { return page_table_; }

  Vma* find(VirtAddr va) const { return vmas_.find(va.value); }
  // Adds [start, end) with prot/flags (VmaList::insert: Error::Exists if it
  // overlaps an area, Error::NoMemory past kMaxVmas areas, Error::Invalid
  // if malformed). `record`, if given, is a Vma from knew<Vma>() to use (so
  // a caller can allocate before it changes anything); it is freed if the
  // call fails.
  Result<Vma*> add_vma(VirtAddr start, VirtAddr end, uint32_t prot, uint32_t flags, Vma* record = nullptr) {
    return vmas_.insert(start.value, end.value, prot, flags, record);
  }
  // Backs `vma` by the file `ip` (a new reference; a program image counts
  // as a text user of it, a MAP_SHARED mapping of a writable descriptor as
  // a writer: see Inode::text_users; set vma->file_writable first).
  static void attach_file(Vma* vma, fs::Inode* ip);
  // Moves an area's end (heap growth/shrink). Shrinking frees the pages.
  Result<void> resize_vma(Vma* vma, VirtAddr new_end);

  // Maps zeroed pages over [start, end) now (eager allocation), all inside
  // one VMA. On failure nothing new stays mapped.
  Result<void> populate(VirtAddr start, VirtAddr end);
  // Unmaps and frees every page in [start, end).
  void unmap_pages(VirtAddr start, VirtAddr end);
  // Maps one page `pa` (a reference is taken over) at va with the VMA's
  // protection.
  Result<void> map_page(VirtAddr va, PhysAddr pa, uint32_t prot);

  // The page-fault path: finds the VMA, checks the access against its
  // protection, then resolves it — zero page or fresh page for anonymous
  // memory, a copy (or takeover) for copy-on-write, a read from the file,
  // write-enabling a shared page — or refuses it with Error::Fault.
  // Error::NoMemory if a page cannot be had, Error::Range for a page of a
  // file mapping wholly past end of file (a bus error).
  Result<void> handle_fault(VirtAddr va, Access access);

  // mmap support. [start, end) page aligned.
  // Removes every mapping in the range, splitting areas as needed; dirty
  // shared pages are written back first. Only mmap'd areas may be touched:
  // Error::Invalid if the range overlaps any other area.
  Result<void> unmap_range(VirtAddr start, VirtAddr end);
  // Changes protection; Error::NoMemory if the range is not fully mapped,
  // Error::AccessDenied for PROT_WRITE on a shared mapping of a file not
  // opened for writing.
  Result<void> protect_range(VirtAddr start, VirtAddr end, uint32_t prot);
  // Writes dirty shared pages in the range back to their files.
  Result<void> sync_range(VirtAddr start, VirtAddr end);
  // A free gap of `length` bytes for a new mapping, top down from below the
  // stack, never inside the heap's growth room; the null address if none.
  VirtAddr find_gap(uint64_t length, VirtAddr hint) const { return VirtAddr(vmas_.find_gap(length, hint.value, heap)); }
  bool range_is_mmap_only(VirtAddr start, VirtAddr end) const { return vmas_.mmap_only(start.value, end.value); }
  // Whether areas cover all of [start, end) and allow `access` there (what
  // a system call checks before it copies; the copy itself faults pages in).
  bool range_allows(VirtAddr start, VirtAddr end, Access access) const {
    return vmas_.range_allows(start.value, end.value, access);
  }

  // Writes back every dirty shared page and drops every file reference
  // (process context: exit and exec call it before destroy()).
  void release_files();
  // The physical page behind va, faulting it in as a user access would.
  // What copy_in/copy_out use.
  Result<PhysAddr> translate(VirtAddr va, Access access);

  // fork: a copy of this address space with its own trapframe mapping.
  Result<AddressSpace*> clone(PhysAddr child_trapframe);

  uint64_t resident_pages();
  uint64_t table_pages() const { return page_table_.table_pages(); }

  // Paging to disk: evicts one of this address space's own private pages
  // (a clock over its page table, skipping pages touched since the last
  // pass); false if nothing can go. make_room() evicts until a few pages
  // are free, before a fault allocates.
  bool evict_one();
  void make_room() {
    // On every fault: the common case, memory to spare, costs no call.
    if (free_page_count() < kLowWater) make_room_slow();
  }

  VirtAddr heap_start;  // set by exec: the break starts here
  VirtAddr brk;
  Vma* heap = nullptr;      // [heap_start, page_round_up(brk)); may be empty

 private:
  AddressSpace() = default;
  Result<void> resolve_fault(Vma* vma, uint64_t va, Access access);
  Result<void> break_copy_on_write(Vma* vma, uint64_t page_va, PageTableEntry* pte);
  Result<void> fault_in(Vma* vma, uint64_t page_va, Access access);
  Result<void> fault_in_file(Vma* vma, uint64_t page_va, Access access, uint64_t file_size);
  // Unmaps a present page and drops this mapping's reference (a page-cache
  // page stays cached: the cache holds its own reference).
  static void drop_page(PageTableEntry& e) {
    PhysAddr page = e.phys();
    e.clear();
    page_put(page);
  }
  Result<void> write_back(Vma* vma, uint64_t va, PageTableEntry& e);
  // Drops the file reference a record holds (vma_record_delete).
  static void detach_file(Vma* vma);
  friend void vma_record_copied(Vma* copy);
  friend void vma_record_delete(Vma* vma);

  // Pages: make_room() evicts below this many free pages (one fault's data
  // and tables, with margin).
  static constexpr uint64_t kLowWater = 48;
  void make_room_slow();
  Result<void> swap_in(Vma* vma, uint64_t page_va, PageTableEntry* e);
  void free_swapped(uint64_t start, uint64_t end);

  PageTable page_table_;
  uint64_t clock_hand_ = 0;
};

// PTE flags for a user page with PROT_* protection.
PteFlags user_pte_flags(uint32_t prot);

}  // namespace rivet::mm

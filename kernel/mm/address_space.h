// A process's address space: its page table plus the list of VMAs (virtual
// memory areas) that say what may live where — code, data, heap, stack,
// mappings — and with which protection. The page table is only a cache of
// what the VMAs describe: a page that is not mapped yet is resolved by
// handle_fault() from its VMA (allocated zeroed, for anonymous memory).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"
#include "kernel/mm/page_table.h"

namespace rivet::fs {
struct Inode;
}

namespace rivet::mm {

// The top of user space: the trampoline (shared code, not user-accessible),
// then the process's trapframe, both above every VMA.
inline constexpr uint64_t kTrapFrame = RIVET_TRAPFRAME;  // trampoline.S loads it too
static_assert(kTrapFrame == kTrampoline - kPageSize);
inline constexpr uint64_t kUserLimit = kTrapFrame;  // VMAs end at or below this
// The most areas a process may have (Linux's max_map_count is 65,530): each
// costs kernel memory and every fault and mmap walks the list. mmap, and a
// munmap or mprotect that would split an area, fail with ENOMEM past it.
inline constexpr uint32_t kMaxVmas = 4096;

enum class Access : uint8_t { Read, Write, Execute };

// VMA flags (protection uses PROT_* from kernel/sys/abi.h).
enum VmaFlag : uint32_t {
  kVmaAnonymous = 1u << 0,  // zero-filled memory, no file behind it
  kVmaHeap = 1u << 1,
  kVmaStack = 1u << 2,
  kVmaImage = 1u << 3,      // a segment of the program's ELF file
  kVmaMmap = 1u << 4,       // made by mmap(): only these can be munmap'd
  kVmaShared = 1u << 5,     // MAP_SHARED: pages shared with the file
};

struct Vma {
  uint64_t start = 0;  // page aligned; the area is [start, end)
  uint64_t end = 0;
  uint32_t prot = 0;   // PROT_READ | PROT_WRITE | PROT_EXEC
  uint32_t flags = 0;
  Vma* next = nullptr;  // sorted by address
  // File backing: the page at `start` holds file bytes from `file_offset`;
  // only addresses below `file_end` come from the file (an ELF segment's
  // BSS and the tail past end of file read as zeros). The VMA holds an
  // inode reference.
  fs::Inode* inode = nullptr;
  uint64_t file_offset = 0;
  uint64_t file_end = 0;
  bool file_writable = false;  // the descriptor mmap'd was open for writing
  // Read-ahead of private file pages: the page after the last batch read
  // in, and that batch's size. A fault there means the program is walking
  // the file in order, so the next batch is bigger.
  uint64_t readahead_next = 0;
  uint32_t readahead_pages = 0;
  bool contains(uint64_t va) const { return va >= start && va < end; }
  uint64_t offset_of(uint64_t va) const { return file_offset + (va - start); }
};

class AddressSpace {
 public:
  // An empty user address space with the trampoline and the given
  // trapframe page mapped at the top.
  static Result<AddressSpace*> create(PhysAddr trapframe);
  // Frees every page, table and VMA, and the object itself.
  void destroy();

  uint64_t satp() const { return page_table_.satp(); }
  PageTable& page_table() { return page_table_; }

  Vma* find(uint64_t va) const;
  // Adds [start, end) with prot/flags; Error::Exists if it overlaps an area,
  // Error::NoMemory past kMaxVmas areas, Error::Invalid if unaligned, empty (except the heap, which may be) or
  // outside user space. `record`, if given, is a Vma from knew<Vma>() to
  // use (so a caller can allocate before it changes anything); it is freed
  // if the call fails.
  Result<Vma*> add_vma(uint64_t start, uint64_t end, uint32_t prot, uint32_t flags, Vma* record = nullptr);
  // Backs `vma` by the file `ip` (a new reference; a program image counts
  // as a text user of it, a MAP_SHARED mapping of a writable descriptor as
  // a writer: see Inode::text_users; set vma->file_writable first).
  static void attach_file(Vma* vma, fs::Inode* ip);
  // Moves an area's end (heap growth/shrink). Shrinking frees the pages.
  Result<void> resize_vma(Vma* vma, uint64_t new_end);

  // Maps zeroed pages over [start, end) now (eager allocation), all inside
  // one VMA. On failure nothing new stays mapped.
  Result<void> populate(uint64_t start, uint64_t end);
  // Unmaps and frees every page in [start, end).
  void unmap_pages(uint64_t start, uint64_t end);
  // Maps one page `pa` (a reference is taken over) at va with the VMA's
  // protection.
  Result<void> map_page(uint64_t va, PhysAddr pa, uint32_t prot);

  // The page-fault path: finds the VMA, checks the access against its
  // protection, then resolves it — zero page or fresh page for anonymous
  // memory, a copy (or takeover) for copy-on-write, a read from the file,
  // write-enabling a shared page — or refuses it with Error::Fault.
  // Error::NoMemory if a page cannot be had, Error::Range for a page of a
  // file mapping wholly past end of file (a bus error).
  Result<void> handle_fault(uint64_t va, Access access);

  // mmap support. [start, end) page aligned.
  // Removes every mapping in the range, splitting areas as needed; dirty
  // shared pages are written back first. Only mmap'd areas may be touched:
  // Error::Invalid if the range overlaps any other area.
  Result<void> unmap_range(uint64_t start, uint64_t end);
  // Changes protection; Error::NoMemory if the range is not fully mapped,
  // Error::AccessDenied for PROT_WRITE on a shared mapping of a file not
  // opened for writing.
  Result<void> protect_range(uint64_t start, uint64_t end, uint32_t prot);
  // Writes dirty shared pages in the range back to their files.
  Result<void> sync_range(uint64_t start, uint64_t end);
  // A free gap of `length` bytes for a new mapping, top down from below the
  // stack, never inside the heap's growth room; 0 if none.
  uint64_t find_gap(uint64_t length, uint64_t hint) const;
  bool range_is_mmap_only(uint64_t start, uint64_t end) const;
  // Whether areas cover all of [start, end) and allow `access` there (what
  // a system call checks before it copies; the copy itself faults pages in).
  bool range_allows(uint64_t start, uint64_t end, Access access) const;

  // Writes back every dirty shared page and drops every file reference
  // (process context: exit and exec call it before destroy()).
  void release_files();
  // The physical page behind va, faulting it in as a user access would.
  // What copy_in/copy_out use.
  Result<PhysAddr> translate(uint64_t va, Access access);

  // fork: a copy of this address space with its own trapframe mapping.
  Result<AddressSpace*> clone(PhysAddr child_trapframe);

  uint64_t resident_pages();
  uint64_t table_pages() const { return page_table_.table_pages(); }

  // Paging to disk: evicts one of this address space's own private pages
  // (a clock over its page table, skipping pages touched since the last
  // pass); false if nothing can go. make_room() evicts until a few pages
  // are free, before a fault allocates.
  bool evict_one();
  void make_room();

  uint64_t heap_start = 0;  // set by exec: the break starts here
  uint64_t brk = 0;
  Vma* heap = nullptr;      // [heap_start, page_round_up(brk)); may be empty

 private:
  AddressSpace() = default;
  Result<void> resolve_fault(Vma* vma, uint64_t va, Access access);
  Result<void> break_copy_on_write(Vma* vma, uint64_t page_va, PageTableEntry* pte);
  Result<void> fault_in(Vma* vma, uint64_t page_va, Access access);
  Result<void> fault_in_file(Vma* vma, uint64_t page_va, Access access, uint64_t file_size);
  Result<Vma*> split(Vma* vma, uint64_t at);  // returns the upper part
  void drop_page(Vma* vma, uint64_t va, PageTableEntry& e);
  Result<void> write_back(Vma* vma, uint64_t va, PageTableEntry& e);
  void free_vma(Vma* vma);
  static void detach_file(Vma* vma);  // inside an operation

  Result<void> swap_in(Vma* vma, uint64_t page_va, PageTableEntry* e);
  void free_swapped(uint64_t start, uint64_t end);

  PageTable page_table_;
  Vma* vmas_ = nullptr;
  uint32_t vma_count_ = 0;
  uint64_t clock_hand_ = 0;
};

// PTE flags for a user page with PROT_* protection.
PteFlags user_pte_flags(uint32_t prot);

}  // namespace rivet::mm

// The list of a process's virtual memory areas (VMAs): sorted,
// non-overlapping [start, end) ranges of user space with their protection
// and flags, and the arithmetic on them — insert, find, split, carving a
// range out of whatever areas it touches, finding a gap for a mapping.
//
// It is pure bookkeeping: no page tables, no locks, no files, no kernel
// allocator. tests/unit/vma_list_test.cc runs it on the host. AddressSpace
// (address_space.h) owns one and does the page-table work each change
// calls for (unmapping pages, writing back dirty shared pages), driven by
// what the list returns.
//
// The records themselves come from three functions that whoever links
// vma_list.cc provides: the kernel's (address_space.cc) use knew/kdelete
// and take and drop the file reference a record holds; the host tests'
// count. A link-time seam rather than an interface object, so the kernel
// pays for no indirect call.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/layout.h"

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

// A VMA's protection: PROT_READ, PROT_WRITE and PROT_EXEC of
// kernel/sys/abi.h, whose values these are (user_pte.h checks; that
// header's struct stat would clash with a host program's).
inline constexpr uint32_t kProtRead = 0x1;
inline constexpr uint32_t kProtWrite = 0x2;
inline constexpr uint32_t kProtExec = 0x4;

// VMA flags.
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
  uint32_t prot = 0;   // kProtRead | kProtWrite | kProtExec (PROT_*)
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

// Whether protection `prot` allows `access`.
inline bool permits(uint32_t prot, Access access) {
  switch (access) {
    case Access::Read: return prot & kProtRead;
    case Access::Write: return prot & kProtWrite;
    case Access::Execute: return prot & kProtExec;
  }
  return false;
}

// Provided by the program that links vma_list.cc (see above).
Vma* vma_record_new();              // a fresh record; nullptr when out of memory
void vma_record_copied(Vma* copy);  // a split copied an area into `copy`: take the references it holds too
void vma_record_delete(Vma* vma);   // drops the references the record holds and frees it

class VmaList {
 public:
  VmaList() = default;
  VmaList(const VmaList&) = delete;
  VmaList& operator=(const VmaList&) = delete;

  // The lowest area (follow ->next for the others, in address order).
  Vma* first() const { return head_; }
  uint32_t count() const { return count_; }

  // The area holding va, or nullptr. On every fault: inline.
  Vma* find(uint64_t va) const {
    for (Vma* v = head_; v && v->start <= va; v = v->next)
      if (v->contains(va)) return v;
    return nullptr;
  }

  // Adds [start, end) with prot/flags. Error::Invalid if unaligned, empty
  // (except the heap, which may be), reversed or outside user space (the
  // first page included); Error::Exists if it overlaps an area;
  // Error::NoMemory past kMaxVmas areas or when no record can be had.
  // `record`, if given, is a record from vma_record_new() to use (so a
  // caller can allocate before it changes anything); it is freed if the
  // call fails.
  Result<Vma*> insert(uint64_t start, uint64_t end, uint32_t prot, uint32_t flags, Vma* record = nullptr);
  // Splits vma at `at` (page aligned, strictly inside it): vma keeps
  // [start, at), the new record that follows it gets [at, end) and the file
  // offset that goes with it. Error::NoMemory past kMaxVmas areas or when
  // no record can be had; then nothing changed.
  Result<Vma*> split(Vma* vma, uint64_t at);
  // Splits the areas that straddle `start` or `end` so that the areas
  // touching [start, end) lie wholly inside it; returns the first of them
  // (nullptr if none). The only step of munmap and mprotect that can fail
  // (as split() does): a split already made then stays, which describes
  // the same memory.
  Result<Vma*> split_around(uint64_t start, uint64_t end);
  // Unlinks every area that lies wholly inside [start, end), calls fn(vma)
  // on it (the caller's page-table work), then frees it.
  template <typename F>
  void remove_inside(uint64_t start, uint64_t end, F&& fn) {
    Vma** link = &head_;
    while (*link && (*link)->start < end) {
      Vma* v = *link;
      if (v->start >= start && v->end <= end) {
        *link = v->next;
        count_--;
        fn(v);
        vma_record_delete(v);
      } else {
        link = &v->next;
      }
    }
  }
  // Moves vma's end to new_end (heap growth and shrink; the caller frees
  // the pages of a shrink). Error::Invalid if unaligned, below the start
  // or past user space, Error::NoMemory if the area would grow into the
  // next one.
  Result<void> resize(Vma* vma, uint64_t new_end);

  // Whether areas cover all of [start, end).
  bool covers(uint64_t start, uint64_t end) const;
  // Whether areas cover all of [start, end) and allow `access` there.
  bool range_allows(uint64_t start, uint64_t end, Access access) const;
  // Whether every area that touches [start, end) was made by mmap.
  bool mmap_only(uint64_t start, uint64_t end) const;
  // A free gap of `length` bytes (page aligned) for a new mapping: `hint`
  // if it is page aligned and free there, else the highest free range that
  // fits, below the stack (the top areas) and never inside the heap's
  // growth room (the page after `heap` stays free); 0 if none.
  uint64_t find_gap(uint64_t length, uint64_t hint, const Vma* heap) const;

  // Frees every record.
  void clear();

 private:
  Vma* head_ = nullptr;
  uint32_t count_ = 0;
};

}  // namespace rivet::mm

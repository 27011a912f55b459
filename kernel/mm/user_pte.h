// How the kernel marks the page-table entries of user pages, for the files
// that make up AddressSpace (address_space.h lists them): the meaning of
// the two RSW bits on a present page, and the flags a present page of an
// area gets. Private to kernel/mm. (A page out on swap is
// PageTableEntry::swapped(), in page_table.h.)
#pragma once

#include <stdint.h>

#include "kernel/mm/address_space.h"
#include "kernel/mm/page_table.h"
#include "kernel/sys/abi.h"

namespace rivet::mm {

static_assert(kProtRead == PROT_READ && kProtWrite == PROT_WRITE && kProtExec == PROT_EXEC);

// A private page shared read-only (with the zero page, the page cache or a
// forked process): the first store copies it or, the last sharer, takes it
// over.
inline constexpr PteFlags kCopyOnWrite = PteFlags(Pte::Rsw0);
// A present page that belongs to the page cache (a file page shared with
// every process that maps it, and with read() and write()): never swapped
// out, never taken over by a write. Swapped-out entries use RSW1 too, but
// they are never valid.
inline constexpr PteFlags kFileCache = PteFlags(Pte::Rsw1);

// The PTE flags of a present page in `vma` under protection `prot`:
// private writable pages start without W and with the copy-on-write mark
// (the first store takes the page over or copies it); shared pages start
// without W (the first store marks them dirty); PROT_NONE drops PTE_U.
inline PteFlags present_flags(const Vma* vma, uint32_t prot, PteFlags old) {
  PteFlags f = user_pte_flags(prot == PROT_NONE ? PROT_READ : prot).without(Pte::Write);
  if (prot == PROT_NONE) f = f.without(Pte::User);
  if ((prot & PROT_WRITE) && !(vma->flags & kVmaShared)) f = f | kCopyOnWrite;
  if (old.has(Pte::Dirty)) f = f | Pte::Dirty;
  if (old.has(kFileCache)) f = f | kFileCache;
  return f | Pte::Valid | Pte::Accessed;
}

// A page-cache frame (a direct-map pointer) and its physical address.
inline uint8_t* frame_of(PhysAddr pa) { return phys_to_virt<uint8_t>(pa); }
inline PhysAddr phys_of(const uint8_t* frame) { return PhysAddr(reinterpret_cast<uint64_t>(frame) - kDirectMapBase); }

}  // namespace rivet::mm

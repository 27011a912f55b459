// The kernel's virtual address space (Sv39).
//
//  0x0000000000000000 .. 0x0000003fffffffff  user space (lower half); the
//                                            trampoline is its top page
//  0xffffffc000000000 .. 0xffffffff7fffffff  direct map: every physical
//                                            address pa at kDirectMapBase + pa
//                                            (RAM and device registers)
//  0xffffffff80000000 .. 0xffffffffbfffffff  the kernel image, linked here and
//                                            mapped to wherever it was loaded
//  0xffffffffc0000000 .. 0xffffffffffffefff  kernel stacks with guard pages
//
// Linking the kernel high and mapping it to its load address is what lets one
// image run on boards whose RAM starts at different physical addresses.
#pragma once

#include <stdint.h>

#include "kernel/mm/layout_asm.h"

namespace rivet::mm {

inline constexpr uint64_t kPageSize = RIVET_PAGE_SIZE;
inline constexpr uint64_t kPageShift = 12;
inline constexpr uint64_t kMegaPageSize = 2ull << 20;
inline constexpr uint64_t kGigaPageSize = 1ull << 30;

inline constexpr uint64_t kDirectMapBase = RIVET_DIRECT_MAP_BASE;
inline constexpr uint64_t kDirectMapSize = 0xffffffff80000000ull - kDirectMapBase;  // 254 GiB
inline constexpr uint64_t kKernelBase = RIVET_KERNEL_BASE;
inline constexpr uint64_t kKernelStackArea = 0xffffffffc0000000ull;
inline constexpr uint64_t kUserTop = RIVET_USER_TOP;  // one past the last user address
inline constexpr uint64_t kTrampoline = RIVET_TRAMPOLINE;

// The root-table indices the early page table (entry.S) uses.
inline constexpr uint64_t kDirectRootIndex = RIVET_DIRECT_ROOT_INDEX;
inline constexpr uint64_t kKernelRootIndex = RIVET_KERNEL_ROOT_INDEX;
static_assert(((kDirectMapBase >> 30) & 0x1ff) == kDirectRootIndex);
static_assert(((kKernelBase >> 30) & 0x1ff) == kKernelRootIndex);
static_assert(kPageSize == 1ull << kPageShift);
static_assert(kTrampoline == kUserTop - kPageSize);

constexpr uint64_t page_round_down(uint64_t a) { return a & ~(kPageSize - 1); }
constexpr uint64_t page_round_up(uint64_t a) { return (a + kPageSize - 1) & ~(kPageSize - 1); }

}  // namespace rivet::mm

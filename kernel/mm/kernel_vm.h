// The kernel's own address space: the direct map of RAM and device
// registers, the image with W^X permissions, and kernel stacks with guard
// pages. Shared by all harts.
#pragma once

#include <stdint.h>

#include "kernel/dt/machine.h"
#include "kernel/lib/result.h"
#include "kernel/mm/page_table.h"

namespace rivet::mm {

// Before the page allocator exists: extends the boot page table (entry.S)
// with 1 GiB direct-map pages over [pa, pa+size) so the allocator and the
// device tree can be reached.
void early_map_direct(uint64_t pa, uint64_t size);

// Builds the final kernel page table and switches this hart to it.
Result<void> kernel_vm_init(const dt::Machine& machine);
PageTable& kernel_page_table();

// Maps device registers [pa, pa+size) into the direct map (pages already
// mapped are kept) and makes every hart see them. For drivers, at probe.
Result<void> map_device(uint64_t pa, uint64_t size);

// Switches this hart to the kernel page table (secondary harts arrive with
// it already on; this is for after a user page table).
void kernel_vm_activate();

// The physical address of kernel memory in the direct map or the image
// (what DMA needs). Anything else (a kernel stack) is a bug: panics.
PhysAddr kernel_virt_to_phys(const void* p);

// A kernel stack of kKernelStackPages pages below an unmapped guard page,
// so an overflow faults instead of corrupting memory. Returns the top.
inline constexpr uint64_t kKernelStackPages = 4;
Result<uint64_t> kernel_stack_alloc();
void kernel_stack_free(uint64_t top);

}  // namespace rivet::mm

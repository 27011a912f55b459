#include "kernel/mm/kernel_vm.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/boot/image.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/smp.h"

extern "C" {
uint64_t kernel_satp = 0;
}

namespace rivet::mm {
namespace {

PageTable g_kernel;
Spinlock g_device_map_lock("device map", LockRank::DeviceMap);


// Maps [pa, pa+size) into the direct map with the largest pages alignment
// allows, so the TLB covers RAM with few entries.
Result<void> map_direct(uint64_t pa, uint64_t size, PteFlags flags) {
  uint64_t end = pa + size;
  while (pa < end) {
    uint64_t left = end - pa;
    PageSize page = PageSize::Small;
    if ((pa & (kGigaPageSize - 1)) == 0 && left >= kGigaPageSize)
      page = PageSize::Giga;
    else if ((pa & (kMegaPageSize - 1)) == 0 && left >= kMegaPageSize)
      page = PageSize::Mega;
    uint64_t step = static_cast<uint64_t>(page);
    TRY(g_kernel.map(VirtAddr(kDirectMapBase + pa), PhysAddr(pa), step, flags, page));
    pa += step;
  }
  return {};
}

Result<void> map_device_locked(uint64_t base, uint64_t size) {
  if (size == 0) return {};
  uint64_t lo = page_round_down(base), hi = page_round_up(base + size);
  for (uint64_t pa = lo; pa < hi; pa += kPageSize) {
    // Devices can share a page (virtio-mmio slots are 4 KiB apart but
    // declared 0x1000 long); skip pages already mapped.
    if (g_kernel.lookup(VirtAddr(kDirectMapBase + pa))) continue;
    TRY(g_kernel.map(VirtAddr(kDirectMapBase + pa), PhysAddr(pa), kPageSize,
                     Pte::Read | Pte::Write | Pte::Global));
  }
  return {};
}

Result<void> map_image(const char* start, const char* end, PteFlags flags) {
  uint64_t va = reinterpret_cast<uint64_t>(start);
  uint64_t size = page_round_up(reinterpret_cast<uint64_t>(end)) - va;
  return g_kernel.map(VirtAddr(va), PhysAddr(boot::image_va_to_pa(va)), size, flags | Pte::Global);
}

// Kernel stacks: slot i occupies pages [i*(N+1), i*(N+1)+N] of the stack
// area, the lowest page of each slot left unmapped as the guard. Freed slots
// keep their pages mapped and are reused, so nothing is ever unmapped from the
// shared kernel table (which would need a TLB shootdown on every hart).
constexpr uint64_t kSlotPages = kKernelStackPages + 1;
constexpr uint64_t kMaxStackSlots = 4096;
Spinlock g_stack_lock("kstacks", LockRank::KernelStacks);
uint64_t g_stack_slots_used = 0;
uint64_t g_free_stacks[kMaxStackSlots];
uint64_t g_free_stack_count = 0;

}  // namespace

void early_map_direct(uint64_t pa, uint64_t size) {
  auto* root = reinterpret_cast<PageTableEntry*>(early_root);
  constexpr PteFlags kFlags = Pte::Valid | Pte::Read | Pte::Write | Pte::Global | Pte::Accessed | Pte::Dirty;
  for (uint64_t g = pa / kGigaPageSize; g <= (pa + size - 1) / kGigaPageSize; g++) {
    if (kDirectRootIndex + g >= kKernelRootIndex) break;  // beyond the direct map
    root[kDirectRootIndex + g] = PageTableEntry::make(PhysAddr(g * kGigaPageSize), kFlags);  // a gigapage
  }
  arch::sfence_vma_all();
}

Result<void> kernel_vm_init(const dt::Machine& machine) {
  g_kernel = TRY(PageTable::create());
  for (size_t i = 0; i < machine.memory_count; i++) {
    const dt::Range& r = machine.memory[i];
    if (r.end() > kDirectMapSize) {
      kprintf("rivet: memory above %lu GiB is not mapped\n", kDirectMapSize >> 30);
      continue;
    }
    TRY(map_direct(page_round_up(r.base), page_round_down(r.end()) - page_round_up(r.base),
                   Pte::Read | Pte::Write | Pte::Global));
  }
  // Device registers are mapped when their drivers ask (map_device).

  // The image, W^X: text executable, read-only data read-only, the rest
  // writable and never executable.
  TRY(map_image(_kernel_start, _text_end, Pte::Read | Pte::Exec));
  TRY(map_image(_text_end, _rodata_end, PteFlags(Pte::Read)));
  TRY(map_image(_rodata_end, _kernel_end, Pte::Read | Pte::Write));

  // The trampoline, at the same address as in every user page table, so
  // uservec/userret keep running across their satp switch.
  TRY(g_kernel.map(VirtAddr(kTrampoline), PhysAddr(boot::image_va_to_pa(reinterpret_cast<uint64_t>(trampoline))),
                   kPageSize, Pte::Read | Pte::Exec));

  kernel_satp = g_kernel.satp();
  kernel_vm_activate();
  return {};
}

PageTable& kernel_page_table() { return g_kernel; }

Result<void> map_device(uint64_t base, uint64_t size) {
  if (base + size < base || base + size > kDirectMapSize) return Error::Invalid;
  {
    SpinlockGuard guard(g_device_map_lock);
    TRY(map_device_locked(base, size));
  }
  // A hart may have cached the "not mapped" it once saw there.
  uint64_t span = page_round_up(base + size) - page_round_down(base);
  if (span > 64 * kPageSize) span = 0;  // a big block (the PLIC): flush everything at once
  smp::flush_tlb_everywhere(span ? kDirectMapBase + page_round_down(base) : 0, span);
  return {};
}

PhysAddr kernel_virt_to_phys(const void* p) {
  uint64_t va = reinterpret_cast<uint64_t>(p);
  if (va >= kDirectMapBase && va < kDirectMapBase + kDirectMapSize) return PhysAddr(va - kDirectMapBase);
  if (va >= reinterpret_cast<uint64_t>(_kernel_start) && va < reinterpret_cast<uint64_t>(_kernel_end))
    return PhysAddr(boot::image_va_to_pa(va));
  panic("kernel_virt_to_phys: %p is neither in the direct map nor in the image", p);
}

void kernel_vm_activate() {
  arch::sfence_vma_all();
  arch::write_satp(kernel_satp);
  arch::sfence_vma_all();
}

Result<uint64_t> kernel_stack_alloc() {
  SpinlockGuard guard(g_stack_lock);
  if (g_free_stack_count > 0) return g_free_stacks[--g_free_stack_count];
  if (g_stack_slots_used == kMaxStackSlots) return Error::NoMemory;
  uint64_t slot_base = kKernelStackArea + g_stack_slots_used * kSlotPages * kPageSize;
  uint64_t bottom = slot_base + kPageSize;  // above the guard page
  for (uint64_t i = 0; i < kKernelStackPages; i++) {
    auto page = alloc_zeroed_page(PageOwner::KernelStack);
    auto mapped = page ? g_kernel.map(VirtAddr(bottom + i * kPageSize), page.value(), kPageSize,
                                      Pte::Read | Pte::Write | Pte::Global)
                       : Result<void>(page.error());
    if (!mapped) {
      // Give back what this slot took; the slot itself is not consumed.
      for (uint64_t j = 0; j < i; j++) page_put(g_kernel.lookup(VirtAddr(bottom + j * kPageSize))->phys());
      for (uint64_t j = 0; j < i; j++) g_kernel.lookup(VirtAddr(bottom + j * kPageSize))->clear();
      if (page) page_put(page.value());
      return mapped.error();
    }
  }
  g_stack_slots_used++;
  return bottom + kKernelStackPages * kPageSize;
}

void kernel_stack_free(uint64_t top) {
  SpinlockGuard guard(g_stack_lock);
  RIVET_ASSERT(g_free_stack_count < kMaxStackSlots);
  g_free_stacks[g_free_stack_count++] = top;
}

}  // namespace rivet::mm

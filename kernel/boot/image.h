// Symbols of the kernel image, from kernel.ld and entry.S, and where the
// firmware loaded it.
#pragma once

#include <stdint.h>

extern "C" {
extern char _kernel_start[];
extern char _text_end[];
extern char _rodata_end[];
extern char _bss_start[];
extern char _bss_end[];
extern char _kernel_end[];
extern char _init_array_start[];
extern char _init_array_end[];
extern char early_root[];
extern char boot_stack_top[];
extern char trampoline[];  // trampoline.S: one page, also mapped into user space
void secondary_entry();

// Physical address of _kernel_start, set first thing in kernel_main.
extern uint64_t g_kernel_load_pa;
// satp of the kernel page table, read by secondary harts before their MMU is on.
extern uint64_t kernel_satp;
}

namespace rivet::boot {

inline uint64_t image_va_to_pa(uint64_t va) {
  return va - reinterpret_cast<uint64_t>(_kernel_start) + g_kernel_load_pa;
}
inline uint64_t image_size() {
  return reinterpret_cast<uint64_t>(_kernel_end) - reinterpret_cast<uint64_t>(_kernel_start);
}

}  // namespace rivet::boot

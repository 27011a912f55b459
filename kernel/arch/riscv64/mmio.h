// Device register access. The fences keep device accesses ordered with
// ordinary memory accesses (e.g. a DMA descriptor written to RAM before the
// doorbell register write that tells the device to read it).
#pragma once

#include <stdint.h>

#include "kernel/mm/layout.h"

namespace rivet::arch {

// Device registers are reached through the direct map.
inline uintptr_t mmio_va(uint64_t pa) { return static_cast<uintptr_t>(mm::kDirectMapBase + pa); }

inline uint8_t mmio_read8(uintptr_t a) {
  uint8_t v = *reinterpret_cast<volatile uint8_t*>(a);
  asm volatile("fence i, r" ::: "memory");
  return v;
}
inline uint32_t mmio_read32(uintptr_t a) {
  uint32_t v = *reinterpret_cast<volatile uint32_t*>(a);
  asm volatile("fence i, r" ::: "memory");
  return v;
}
inline void mmio_write8(uintptr_t a, uint8_t v) {
  asm volatile("fence w, o" ::: "memory");
  *reinterpret_cast<volatile uint8_t*>(a) = v;
}
inline void mmio_write32(uintptr_t a, uint32_t v) {
  asm volatile("fence w, o" ::: "memory");
  *reinterpret_cast<volatile uint32_t*>(a) = v;
}

}  // namespace rivet::arch

// Strong address types: a physical address and a kernel virtual address are
// different things, and the compiler keeps them apart.
#pragma once

#include <stdint.h>

#include "kernel/mm/layout.h"

namespace rivet::mm {

struct PhysAddr {
  uint64_t value = 0;
  constexpr PhysAddr() = default;
  constexpr explicit PhysAddr(uint64_t v) : value(v) {}
  constexpr uint64_t pfn() const { return value >> kPageShift; }
  static constexpr PhysAddr from_pfn(uint64_t pfn) { return PhysAddr(pfn << kPageShift); }
  constexpr bool operator==(const PhysAddr&) const = default;
  constexpr PhysAddr operator+(uint64_t off) const { return PhysAddr(value + off); }
};

struct VirtAddr {
  uint64_t value = 0;
  constexpr VirtAddr() = default;
  constexpr explicit VirtAddr(uint64_t v) : value(v) {}
  constexpr bool operator==(const VirtAddr&) const = default;
  constexpr bool operator<(VirtAddr o) const { return value < o.value; }
  constexpr bool operator<=(VirtAddr o) const { return value <= o.value; }
  constexpr bool operator>(VirtAddr o) const { return value > o.value; }
  constexpr bool operator>=(VirtAddr o) const { return value >= o.value; }
  constexpr VirtAddr operator+(uint64_t off) const { return VirtAddr(value + off); }
  constexpr VirtAddr operator-(uint64_t off) const { return VirtAddr(value - off); }
  constexpr uint64_t operator-(VirtAddr o) const { return value - o.value; }  // a distance
  constexpr bool page_aligned() const { return (value & (kPageSize - 1)) == 0; }
};

// The direct map: every physical address is reachable at kDirectMapBase + pa.
template <typename T = void>
inline T* phys_to_virt(PhysAddr pa) {
  return reinterpret_cast<T*>(kDirectMapBase + pa.value);
}

}  // namespace rivet::mm

// Test data for the SD tests: `bytes` pseudo-random bytes from `seed`
// (xorshift32), different for every seed, so a block read from the wrong
// address never matches by accident.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <vector>

namespace rivet::sd::test {

inline std::vector<uint8_t> pattern(size_t bytes, uint32_t seed) {
  std::vector<uint8_t> v(bytes);
  uint32_t x = seed * 2654435761u + 1;
  for (auto& b : v) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  return v;
}

}  // namespace rivet::sd::test

// The C memory and string functions the compiler may call on its own
// (struct copies, zeroing) and that the kernel uses directly. The kernel has
// no libc, so these are its only definitions.
#include <stddef.h>
#include <stdint.h>

extern "C" {

void* memset(void* dst, int c, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  uint64_t pattern = static_cast<unsigned char>(c) * 0x0101010101010101ull;
  while (n && (reinterpret_cast<uintptr_t>(d) & 7)) { *d++ = static_cast<unsigned char>(c); n--; }
  for (; n >= 64; n -= 64, d += 64) {
    auto* dw = reinterpret_cast<uint64_t*>(d);
    dw[0] = pattern; dw[1] = pattern; dw[2] = pattern; dw[3] = pattern;
    dw[4] = pattern; dw[5] = pattern; dw[6] = pattern; dw[7] = pattern;
  }
  for (; n >= 8; n -= 8, d += 8) *reinterpret_cast<uint64_t*>(d) = pattern;
  while (n--) *d++ = static_cast<unsigned char>(c);
  return dst;
}

void* memcpy(void* __restrict dst, const void* __restrict src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (((reinterpret_cast<uintptr_t>(d) ^ reinterpret_cast<uintptr_t>(s)) & 7) == 0) {
    while (n && (reinterpret_cast<uintptr_t>(d) & 7)) { *d++ = *s++; n--; }
    // Sixteen words per turn: the loop costs little next to the loads and
    // stores (file data is copied a page at a time).
    for (; n >= 128; n -= 128, d += 128, s += 128) {
      auto* dw = reinterpret_cast<uint64_t*>(d);
      const auto* sw = reinterpret_cast<const uint64_t*>(s);
      for (int k = 0; k < 16; k += 8) {
        uint64_t a = sw[k], b = sw[k + 1], c = sw[k + 2], e = sw[k + 3];
        uint64_t f = sw[k + 4], g = sw[k + 5], h = sw[k + 6], i = sw[k + 7];
        dw[k] = a; dw[k + 1] = b; dw[k + 2] = c; dw[k + 3] = e;
        dw[k + 4] = f; dw[k + 5] = g; dw[k + 6] = h; dw[k + 7] = i;
      }
    }
    for (; n >= 8; n -= 8, d += 8, s += 8)
      *reinterpret_cast<uint64_t*>(d) = *reinterpret_cast<const uint64_t*>(s);
  }
  while (n--) *d++ = *s++;
  return dst;
}

void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d == s || n == 0) return dst;
  if (d < s || d >= s + n) return memcpy(dst, src, n);
  while (n--) d[n] = s[n];
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const unsigned char*>(a);
  const auto* y = static_cast<const unsigned char*>(b);
  for (size_t i = 0; i < n; i++)
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  return 0;
}

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

int strcmp(const char* a, const char* b) {
  while (*a && *a == *b) { a++; b++; }
  return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
}

int strncmp(const char* a, const char* b, size_t n) {
  for (; n; n--, a++, b++) {
    if (*a != *b) return static_cast<unsigned char>(*a) - static_cast<unsigned char>(*b);
    if (!*a) return 0;
  }
  return 0;
}

}  // extern "C"

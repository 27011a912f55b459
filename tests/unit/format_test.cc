#include "kernel/lib/format.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

namespace rivet {
namespace {

std::string fmt(const char* f, auto... args) {
  char buf[256];
  snformat(buf, sizeof buf, f, args...);
  return buf;
}

std::string libc(const char* f, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

// The kernel formatter agrees with the C library on every conversion the
// kernel uses.
TEST(Format, MatchesLibc) {
#define SAME(...) EXPECT_EQ(fmt(__VA_ARGS__), libc(__VA_ARGS__))
  SAME("plain text");
  SAME("%d %d %d", 0, -1, 2147483647);
  SAME("%i", -2147483647 - 1);
  SAME("%ld %lu", -9223372036854775807L - 1, 18446744073709551615UL);
  SAME("%x %X %#x %#lx", 255u, 255u, 255u, 0xdeadbeefUL);
  SAME("%08x|%-8x|%8x", 0x1234u, 0x1234u, 0x1234u);
  SAME("%#018lx", 0xffffffff80000000UL);
  SAME("%5s|%-5s|%.2s|%s", "ab", "ab", "abcdef", "");
  SAME("%c%c%%", 'o', 'k');
  SAME("%+d % d %+d", 5, 5, -5);
  SAME("%.3d %.0d", 7, 0);
  SAME("%o %#o", 8u, 8u);
  SAME("%zu %zx", static_cast<size_t>(12345), static_cast<size_t>(0xabc));
  SAME("%*d|%-*d", 6, 42, 6, 42);
  SAME("%hhd %hd", 300, 70000);
  SAME("%p", reinterpret_cast<void*>(0x80200000UL));
#undef SAME
}

// A null string prints as "(null)" instead of crashing the kernel.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat"
TEST(Format, NullString) { EXPECT_EQ(fmt("%s", static_cast<const char*>(nullptr)), "(null)"); }
#pragma GCC diagnostic pop

// Output is truncated to the buffer, always NUL-terminated, and the return
// value is the untruncated length.
TEST(Format, TruncatesSafely) {
  char buf[8];
  size_t n = snformat(buf, sizeof buf, "%s-%d", "abcdef", 12345);
  EXPECT_EQ(n, 12u);
  EXPECT_STREQ(buf, "abcdef-");
  EXPECT_EQ(snformat(nullptr, 0, "%d", 1234), 4u);
}

}  // namespace
}  // namespace rivet

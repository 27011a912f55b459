// Tests of the user library's pure parts on the host: the printf engine
// (user/lib/format.c) against the host's snprintf, the allocator
// (user/lib/heap.c) over a fake sbrk, and the string functions
// (user/lib/string.c, renamed ulib_*) against the host C library.
#include <gtest/gtest.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "format.h"
#include "heap.h"

extern "C" {
size_t ulib_strlen(const char*);
char* ulib_strcpy(char*, const char*);
char* ulib_strncpy(char*, const char*, size_t);
char* ulib_strcat(char*, const char*);
int ulib_strcmp(const char*, const char*);
int ulib_strncmp(const char*, const char*, size_t);
char* ulib_strchr(const char*, int);
char* ulib_strrchr(const char*, int);
char* ulib_strstr(const char*, const char*);
void* ulib_memset(void*, int, size_t);
int ulib_memcmp(const void*, const void*, size_t);
void* ulib_memmove(void*, const void*, size_t);
void* ulib_memcpy(void*, const void*, size_t);
char* ulib_strdup(const char*);
long ulib_strtol(const char*, char**, int);
int ulib_atoi(const char*);
// strdup's allocator, as the user library's malloc(uint).
void* ulib_malloc(size_t n) { return malloc(n); }
}

namespace {

// ---- printf's engine ---------------------------------------------------------------------

void append_sink(void* ctx, const char* s, int n) { static_cast<std::string*>(ctx)->append(s, n); }

std::string format(const char* fmt, ...) {
  std::string out;
  va_list ap;
  va_start(ap, fmt);
  int n = rivet_vformat(append_sink, &out, fmt, ap);
  va_end(ap);
  EXPECT_EQ(n, static_cast<int>(out.size())) << fmt;
  return out;
}

std::string host(const char* fmt, ...) {
  char buf[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  return buf;
}

// The conversions xv6 programs use print what xv6's printf prints.
TEST(UserFormat, Xv6Conversions) {
  EXPECT_EQ(format("%d %d %d", 0, -42, 2147483647), "0 -42 2147483647");
  EXPECT_EQ(format("%d", -2147483647 - 1), "-2147483648");
  EXPECT_EQ(format("%x", 0xdeadbeefu), "deadbeef");
  EXPECT_EQ(format("%s and %c", "text", 'z'), "text and z");
  EXPECT_EQ(format("%ld %lu %lx", -1L, 18446744073709551615UL, 0xffffffffffffffffUL),
            "-1 18446744073709551615 ffffffffffffffff");
  EXPECT_EQ(format("%lld %llu", (long long)INT64_MIN, 1ULL << 63), "-9223372036854775808 9223372036854775808");
  EXPECT_EQ(format("100%%"), "100%");
  EXPECT_EQ(format("%s", (const char*)nullptr), "(null)");
}

// %p is 0x and 16 hex digits, as in xv6.
TEST(UserFormat, PointerIsSixteenHexDigits) {
  EXPECT_EQ(format("%p", (void*)0x10000), "0x0000000000010000");
  EXPECT_EQ(format("%p", (void*)nullptr), "0x0000000000000000");
  EXPECT_EQ(format("%p", (void*)0xffffffff80000000ul), "0xffffffff80000000");
}

// Unknown conversions and a trailing '%' are printed as written.
TEST(UserFormat, UnknownConversionPrintedVerbatim) {
  EXPECT_EQ(format("%q"), "%q");
  EXPECT_EQ(format("a%"), "a%");
  EXPECT_EQ(format("%5"), "%5");
  EXPECT_EQ(format("%-5y|"), "%-5y|");
}

// Flags, widths and precisions agree with the host's snprintf.
TEST(UserFormat, MatchesHostForFlagsWidthsPrecisions) {
  const char* flags[] = {"", "-", "0", "+", " ", "#", "-0", "+0", "-+", "#0", "- "};
  const char* widths[] = {"", "1", "5", "12"};
  const char* precisions[] = {"", ".0", ".3", ".10"};
  const int ints[] = {0, 1, -1, 42, -42, 123456789, INT32_MIN, INT32_MAX};
  const unsigned uints[] = {0, 1, 255, 0x1234abcd, UINT32_MAX};
  for (const char* f : flags) {
    for (const char* w : widths) {
      for (const char* p : precisions) {
        for (char conv : {'d', 'i'}) {
          std::string spec = std::string("[%") + f + w + p + conv + "]";
          for (int v : ints) EXPECT_EQ(format(spec.c_str(), v), host(spec.c_str(), v)) << spec << " " << v;
        }
        for (char conv : {'u', 'x', 'X', 'o'}) {
          std::string spec = std::string("[%") + f + w + p + conv + "]";
          if (strchr(f, '+') || strchr(f, ' ')) continue;  // undefined for unsigned
          for (unsigned v : uints) EXPECT_EQ(format(spec.c_str(), v), host(spec.c_str(), v)) << spec << " " << v;
        }
        if (!strchr(f, '0') && !strchr(f, '#') && !strchr(f, '+') && !strchr(f, ' ')) {
          std::string spec = std::string("[%") + f + w + p + "s]";
          for (const char* s : {"", "a", "hello", "a longer string"}) {
            EXPECT_EQ(format(spec.c_str(), s), host(spec.c_str(), s)) << spec << " " << s;
          }
          if (p[0] == '\0') {
            std::string cspec = std::string("[%") + f + w + "c]";
            EXPECT_EQ(format(cspec.c_str(), 'x'), host(cspec.c_str(), 'x')) << cspec;
          }
        }
      }
    }
  }
}

// Length modifiers read arguments of the right size.
TEST(UserFormat, LengthModifiers) {
  EXPECT_EQ(format("%hhd %hd %hhu %hu", 300, 70000, 300, 70000), host("%hhd %hd %hhu %hu", 300, 70000, 300, 70000));
  EXPECT_EQ(format("%zu %zx", (size_t)1 << 40, (size_t)0xabc), "1099511627776 abc");
  EXPECT_EQ(format("%lx %ld", 0x123456789abcUL, -5000000000L), "123456789abc -5000000000");
  EXPECT_EQ(format("%016lx", 0xabcUL), "0000000000000abc");
}

// '*' takes the width and precision from the arguments.
TEST(UserFormat, StarWidthAndPrecision) {
  EXPECT_EQ(format("[%*d]", 6, 42), "[    42]");
  EXPECT_EQ(format("[%*d]", -6, 42), "[42    ]");
  EXPECT_EQ(format("[%.*s]", 3, "abcdef"), "[abc]");
  EXPECT_EQ(format("[%.*s]", 60, "ab"), "[ab]");
  EXPECT_EQ(format("[%.*d]", -1, 7), "[7]");
}

// Long output goes through the sink in pieces without loss.
TEST(UserFormat, LongOutput) {
  std::string big(5000, 'x');
  EXPECT_EQ(format("<%s>", big.c_str()), "<" + big + ">");
  EXPECT_EQ(format("%300d", 1), std::string(299, ' ') + "1");
}

// ---- the allocator ------------------------------------------------------------------------

// A fake sbrk over a fixed arena: the break moves within it, never beyond.
struct FakeBreak {
  std::vector<uint8_t> arena;
  size_t brk = 0;
  size_t start = 0;
  size_t limit;
  int calls = 0;

  explicit FakeBreak(size_t size) : arena(size + 64), limit(size) {
    // Start unaligned, as a real break after odd-sized bss might.
    start = 16 - reinterpret_cast<uintptr_t>(arena.data()) % 16 + 8;
    brk = start;
  }
  uint8_t* base() { return arena.data(); }
  size_t used() const { return brk - start; }

  static void* grow(void* ctx, long delta) {
    auto* self = static_cast<FakeBreak*>(ctx);
    self->calls++;
    size_t old = self->brk;
    if (delta < 0 && static_cast<size_t>(-delta) > self->brk - self->start) return (void*)-1;
    if (delta > 0 && self->brk + delta > self->start + self->limit) return (void*)-1;
    self->brk += delta;
    return self->arena.data() + old;
  }
};

struct HeapTest : ::testing::Test {
  FakeBreak fake{32 << 20};
  heap h{};
  void SetUp() override { heap_init(&h, &FakeBreak::grow, &fake); }
};

// Allocations are 16-byte aligned, distinct, inside the heap and writable.
TEST_F(HeapTest, AllocationsAreAlignedAndDisjoint) {
  std::vector<std::pair<uint8_t*, size_t>> blocks;
  for (size_t n : {1, 7, 16, 17, 100, 4096, 5000, 1, 65536, 200000}) {
    auto* p = static_cast<uint8_t*>(heap_alloc(&h, n));
    ASSERT_NE(p, nullptr) << n;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % HEAP_ALIGN, 0u);
    EXPECT_GE(heap_block_size(p), n);
    EXPECT_GE(p, fake.base() + fake.start);
    EXPECT_LE(p + n, fake.base() + fake.brk);
    memset(p, 0xab, n);
    for (auto& [q, m] : blocks) EXPECT_TRUE(p + n <= q || q + m <= p) << "overlap";
    blocks.push_back({p, n});
  }
  for (auto& [p, n] : blocks) EXPECT_EQ(heap_free(&h, p), 0);
  EXPECT_GE(heap_check(&h), 0);
}

// Zero bytes, and sizes that would overflow, give NULL.
TEST_F(HeapTest, ZeroAndHugeRequestsFail) {
  EXPECT_EQ(heap_alloc(&h, 0), nullptr);
  EXPECT_EQ(heap_alloc(&h, SIZE_MAX), nullptr);
  EXPECT_EQ(heap_alloc(&h, SIZE_MAX / 2 + 1), nullptr);
  EXPECT_EQ(heap_alloc(&h, 64 << 20), nullptr);  // more than the arena
  EXPECT_NE(heap_alloc(&h, 100), nullptr);         // and the heap still works
}

// Freeing everything merges the pieces back into one free region.
TEST_F(HeapTest, FreeingEverythingCoalesces) {
  h.trim_threshold = SIZE_MAX;  // keep the memory, to see the merge
  std::vector<void*> ps;
  for (int i = 0; i < 200; i++) ps.push_back(heap_alloc(&h, 24 + i * 8));
  size_t heap_bytes = fake.used();
  // Free in an interleaved order so merges happen on both sides.
  for (size_t i = 0; i < ps.size(); i += 2) ASSERT_EQ(heap_free(&h, ps[i]), 0);
  for (size_t i = 1; i < ps.size(); i += 2) ASSERT_EQ(heap_free(&h, ps[i]), 0);
  long free_bytes = heap_check(&h);
  ASSERT_GE(free_bytes, 0);
  EXPECT_GE(static_cast<size_t>(free_bytes) + 16, heap_bytes);
  // One block: a request for nearly all of it fits without growing.
  int calls = fake.calls;
  EXPECT_NE(heap_alloc(&h, free_bytes - 32), nullptr);
  EXPECT_EQ(fake.calls, calls);
}

// A freed block is reused before the heap grows.
TEST_F(HeapTest, FreedMemoryIsReused) {
  void* a = heap_alloc(&h, 1000);
  heap_alloc(&h, 10);  // keeps a from merging with the top
  size_t used = fake.used();
  heap_free(&h, a);
  for (int i = 0; i < 100; i++) {
    void* b = heap_alloc(&h, 1000);
    EXPECT_EQ(b, a);
    heap_free(&h, b);
  }
  EXPECT_EQ(fake.used(), used);
}

// A large free top of the heap goes back to the system.
TEST_F(HeapTest, LargeFreeTopIsTrimmed) {
  void* small = heap_alloc(&h, 100);
  void* big = heap_alloc(&h, 4 << 20);
  ASSERT_NE(big, nullptr);
  size_t peak = fake.used();
  heap_free(&h, big);
  EXPECT_LT(fake.used(), peak - (3 << 20));
  EXPECT_GE(heap_check(&h), 0);
  // What is left still works.
  void* again = heap_alloc(&h, 4 << 20);
  EXPECT_NE(again, nullptr);
  heap_free(&h, again);
  heap_free(&h, small);
  EXPECT_GE(heap_check(&h), 0);
}

// If someone else moved the break, the top is not trimmed (it is not ours).
TEST_F(HeapTest, NoTrimWhenBreakMovedByOthers) {
  void* big = heap_alloc(&h, 1 << 20);
  FakeBreak::grow(&fake, 4096);  // the program's own sbrk
  size_t used = fake.used();
  heap_free(&h, big);
  EXPECT_EQ(fake.used(), used);
  // And the allocator still uses that memory.
  EXPECT_NE(heap_alloc(&h, 1 << 20), nullptr);
  EXPECT_EQ(fake.used(), used);
}

// Double frees and stray pointers are refused, not absorbed.
TEST_F(HeapTest, InvalidFreesAreDetected) {
  char* p = static_cast<char*>(heap_alloc(&h, 64));
  char* q = static_cast<char*>(heap_alloc(&h, 64));
  EXPECT_EQ(heap_free(&h, p + 16), -1);
  EXPECT_EQ(heap_free(&h, p + 1), -1);
  EXPECT_EQ(heap_free(&h, p), 0);
  EXPECT_EQ(heap_free(&h, p), -1);  // double free
  EXPECT_EQ(heap_free(&h, nullptr), 0);
  EXPECT_EQ(heap_free(&h, q), 0);
  EXPECT_GE(heap_check(&h), 0);
}

// realloc keeps the contents, in place when it fits.
TEST_F(HeapTest, ReallocKeepsContents) {
  char* p = static_cast<char*>(heap_alloc(&h, 10));
  memcpy(p, "0123456789", 10);
  EXPECT_EQ(heap_realloc(&h, p, 5), p);
  char* q = static_cast<char*>(heap_realloc(&h, p, 10000));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(memcmp(q, "0123456789", 10), 0);
  EXPECT_EQ(heap_realloc(&h, q, 0), nullptr);  // frees
  EXPECT_NE(heap_realloc(&h, nullptr, 5), nullptr);
}

// Growth failure gives NULL and leaves the heap consistent and usable.
TEST_F(HeapTest, ExhaustionFailsCleanly) {
  std::vector<void*> ps;
  for (;;) {
    void* p = heap_alloc(&h, 100000);
    if (p == nullptr) break;
    ps.push_back(p);
    ASSERT_LT(ps.size(), 10000u);
  }
  EXPECT_GT(ps.size(), 100u);
  EXPECT_GE(heap_check(&h), 0);
  for (void* p : ps) EXPECT_EQ(heap_free(&h, p), 0);
  EXPECT_NE(heap_alloc(&h, 10 << 20), nullptr);
}

// Random allocations and frees with shadow contents: no corruption, no overlap.
TEST_F(HeapTest, RandomStress) {
  std::mt19937 rng(1234);
  std::map<uint8_t*, std::pair<size_t, uint8_t>> live;
  for (int step = 0; step < 20000; step++) {
    if (live.empty() || rng() % 3 != 0) {
      size_t n = 1 + rng() % (rng() % 10 == 0 ? 100000 : 300);
      auto* p = static_cast<uint8_t*>(heap_alloc(&h, n));
      if (p == nullptr) continue;
      uint8_t tag = static_cast<uint8_t>(rng());
      memset(p, tag, n);
      auto next = live.lower_bound(p);
      if (next != live.end()) {
        ASSERT_LE(p + n, next->first);
      }
      if (next != live.begin()) {
        auto prev = std::prev(next);
        ASSERT_LE(prev->first + prev->second.first, p);
      }
      live[p] = {n, tag};
    } else {
      auto it = live.begin();
      std::advance(it, rng() % live.size());
      for (size_t i = 0; i < it->second.first; i++) {
        ASSERT_EQ(it->first[i], it->second.second) << "corrupted";
      }
      ASSERT_EQ(heap_free(&h, it->first), 0);
      live.erase(it);
    }
    if (step % 1000 == 0) {
      ASSERT_GE(heap_check(&h), 0);
    }
  }
  for (auto& [p, info] : live) {
    ASSERT_EQ(heap_free(&h, p), 0);
  }
  EXPECT_GE(heap_check(&h), 0);
}

// ---- string functions ----------------------------------------------------------------------

// The string functions agree with the host C library.
TEST(UserString, MatchesHostLibrary) {
  const char* samples[] = {"", "a", "abc", "abd", "ab", "hello world", "\xff\x01", "zz"};
  for (const char* a : samples) {
    EXPECT_EQ(ulib_strlen(a), strlen(a));
    for (const char* b : samples) {
      EXPECT_EQ(ulib_strcmp(a, b) < 0, strcmp(a, b) < 0) << a << " " << b;
      EXPECT_EQ(ulib_strcmp(a, b) == 0, strcmp(a, b) == 0) << a << " " << b;
      for (unsigned n = 0; n < 5; n++) {
        EXPECT_EQ(ulib_strncmp(a, b, n) < 0, strncmp(a, b, n) < 0) << a << " " << b << " " << n;
        EXPECT_EQ(ulib_strncmp(a, b, n) == 0, strncmp(a, b, n) == 0) << a << " " << b << " " << n;
      }
      EXPECT_EQ(ulib_strstr(a, b), strstr(a, b)) << a << " " << b;
    }
    for (char c : {'a', 'b', 'z', '\0'}) {
      const char* mine = ulib_strchr(a, c);
      const char* theirs = strchr(a, c);
      EXPECT_EQ(mine, theirs);
      mine = ulib_strrchr(a, c);
      theirs = strrchr(a, c);
      EXPECT_EQ(mine, theirs);
    }
  }
  char buf[32];
  EXPECT_STREQ(ulib_strcpy(buf, "copy"), "copy");
  EXPECT_STREQ(ulib_strcat(buf, "+more"), "copy+more");
  memset(buf, 'x', sizeof buf);
  ulib_strncpy(buf, "ab", 5);
  EXPECT_EQ(memcmp(buf, "ab\0\0\0x", 6), 0);
  char* d = ulib_strdup("dup");
  EXPECT_STREQ(d, "dup");
  free(d);
}

// memmove handles overlap both ways and unaligned word copies.
TEST(UserString, MemmoveOverlapAndAlignment) {
  for (int src = 0; src < 16; src++) {
    for (int dst = 0; dst < 16; dst++) {
      for (int n : {0, 1, 7, 8, 9, 31, 64}) {
        unsigned char a[128], b[128];
        for (int i = 0; i < 128; i++) a[i] = b[i] = static_cast<unsigned char>(i * 3);
        ulib_memmove(a + dst, a + src, n);
        memmove(b + dst, b + src, n);
        ASSERT_EQ(memcmp(a, b, sizeof a), 0) << src << " " << dst << " " << n;
      }
    }
  }
  unsigned char x[100], y[100];
  for (int i = 0; i < 100; i++) x[i] = static_cast<unsigned char>(i);
  ulib_memcpy(y, x, 100);
  EXPECT_EQ(memcmp(x, y, 100), 0);
  ulib_memcpy(y + 3, x + 5, 50);
  EXPECT_EQ(memcmp(y + 3, x + 5, 50), 0);
  ulib_memset(y, 0x5a, 100);
  for (unsigned char c : y) EXPECT_EQ(c, 0x5a);
  EXPECT_EQ(ulib_memcmp(x, x, 100), 0);
  EXPECT_LT(ulib_memcmp("\x01", "\xff", 1), 0);  // compares unsigned bytes
}

// atoi is xv6's (digits only); strtol handles signs and bases.
TEST(UserString, NumberParsing) {
  EXPECT_EQ(ulib_atoi("123abc"), 123);
  EXPECT_EQ(ulib_atoi("-5"), 0);  // xv6's atoi takes no sign
  EXPECT_EQ(ulib_atoi(""), 0);
  char* end;
  EXPECT_EQ(ulib_strtol("  -42x", &end, 10), -42);
  EXPECT_STREQ(end, "x");
  EXPECT_EQ(ulib_strtol("0x1f", &end, 0), 31);
  EXPECT_EQ(ulib_strtol("017", &end, 0), 15);
  EXPECT_EQ(ulib_strtol("zz", &end, 36), 35 * 36 + 35);
  EXPECT_EQ(ulib_strtol("nope", &end, 10), 0);
  EXPECT_STREQ(end, "nope");
}

}  // namespace

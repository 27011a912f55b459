// kmalloc's large-object path on the host, over a stand-in page allocator
// that makes the worst of a freed frame happen at once: the moment a frame's
// last reference goes, "another hart" allocates it and writes over it.
#include "kernel/mm/kmalloc.h"

#include <gtest/gtest.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "kernel/log/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/pages.h"

namespace rivet {

// One thread: the locks have nothing to exclude.
void Spinlock::lock() {}
void Spinlock::unlock() {}
bool Spinlock::held_by_this_cpu() const { return true; }

void panic(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::abort();
}

namespace mm {
namespace {

constexpr uint64_t kFrames = 64;

struct FakeFrames {
  uint8_t* memory = nullptr;          // kFrames pages, page aligned
  uint32_t refs[kFrames] = {};
  int fill_on_free = -1;              // byte written over a frame when it is freed; -1: none

  uint64_t index_of(PhysAddr pa) const {
    return (reinterpret_cast<uint64_t>(phys_to_virt(pa)) - reinterpret_cast<uint64_t>(memory)) / kPageSize;
  }
  PhysAddr frame(uint64_t i) const {
    return PhysAddr(reinterpret_cast<uint64_t>(memory) + i * kPageSize - kDirectMapBase);
  }
  uint64_t allocated() const {
    uint64_t n = 0;
    for (uint32_t r : refs) n += r > 0;
    return n;
  }
};
FakeFrames* g_frames = nullptr;

}  // namespace

Result<PhysAddr> alloc_page(PageOwner) { return alloc_contiguous_pages(1); }

Result<PhysAddr> alloc_contiguous_pages(uint64_t count, PageOwner) {
  for (uint64_t start = 0; start + count <= kFrames; start++) {
    uint64_t run = 0;
    while (run < count && g_frames->refs[start + run] == 0) run++;
    if (run < count) continue;
    for (uint64_t i = 0; i < count; i++) g_frames->refs[start + i] = 1;
    return g_frames->frame(start);
  }
  return Error::NoMemory;
}

void page_put(PhysAddr pa) {
  uint64_t i = g_frames->index_of(pa);
  if (i >= kFrames || g_frames->refs[i] == 0) {
    // As the kernel's check does: a put of a free frame is fatal (and a
    // runaway count would otherwise go on for billions of frames).
    std::fprintf(stderr, "page_put of frame %llu, which is not allocated\n", static_cast<unsigned long long>(i));
    std::abort();
  }
  if (--g_frames->refs[i] == 0 && g_frames->fill_on_free >= 0)
    std::memset(phys_to_virt(pa), g_frames->fill_on_free, kPageSize);
}

namespace {

class KmallocLargeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    frames_.memory = static_cast<uint8_t*>(std::aligned_alloc(kPageSize, kFrames * kPageSize));
    ASSERT_NE(frames_.memory, nullptr);
    g_frames = &frames_;
  }
  void TearDown() override {
    g_frames = nullptr;
    std::free(frames_.memory);
  }
  FakeFrames frames_;
};

// Three pages (the header takes 16 bytes of the first) go back as three.
TEST_F(KmallocLargeTest, FreesExactlyItsPages) {
  void* p = kmalloc(3 * kPageSize - 64);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(frames_.allocated(), 3u);
  kfree(p);
  EXPECT_EQ(frames_.allocated(), 0u);
}

// The first page comes back holding a large number where the header's page
// count was: kfree must not put pages past its run (they are other
// owners'), which it did while it read the count after putting the first
// page (the panic in exec's kfree of its argument buffer). A put of a frame
// that is not allocated aborts the test program.
TEST_F(KmallocLargeTest, FirstPageReusedAtOnceDoesNotFreeOthersPages) {
  void* neighbour = nullptr;
  void* p = kmalloc(3 * kPageSize - 64);
  ASSERT_NE(p, nullptr);
  neighbour = kmalloc(4 * kPageSize - 64);  // the frames right after the run
  ASSERT_NE(neighbour, nullptr);
  frames_.fill_on_free = 0xff;
  kfree(p);
  EXPECT_EQ(frames_.allocated(), 4u) << "the neighbour's pages must stay allocated";
  frames_.fill_on_free = -1;
  kfree(neighbour);
  EXPECT_EQ(frames_.allocated(), 0u);
}

// The first page comes back zeroed (alloc_zeroed_page on another hart):
// the rest of the run must still go (it leaked: free pages stayed below
// the baseline after heavy use).
TEST_F(KmallocLargeTest, FirstPageZeroedAtOnceLeaksNothing) {
  void* p = kmalloc(5 * kPageSize - 64);
  ASSERT_NE(p, nullptr);
  frames_.fill_on_free = 0;
  kfree(p);
  EXPECT_EQ(frames_.allocated(), 0u);
}

}  // namespace
}  // namespace mm
}  // namespace rivet

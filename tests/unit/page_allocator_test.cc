#include "kernel/mm/page_allocator.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace rivet::mm {
namespace {

class PageAllocatorTest : public ::testing::Test {
 protected:
  // A span of 64 frames starting at frame 0x80000 (physical 0x80000000).
  static constexpr uint64_t kFirst = 0x80000;
  static constexpr uint64_t kFrames = 64;
  void SetUp() override {
    meta_.resize(kFrames);
    a_.init(meta_.data(), kFirst, kFrames);
  }
  std::vector<PageInfo> meta_;
  PageAllocator a_;
};

// A fresh allocator has nothing to give until frames are released.
TEST_F(PageAllocatorTest, StartsEmpty) {
  EXPECT_EQ(a_.free_frames(), 0u);
  auto r = a_.allocate();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::NoMemory);
}

// Released frames are handed out once each, lowest first, and exhaustion is
// an error value rather than a crash.
TEST_F(PageAllocatorTest, AllocatesEveryReleasedFrameOnce) {
  a_.release(kFirst, kFirst + kFrames);
  EXPECT_EQ(a_.free_frames(), kFrames);
  std::set<uint64_t> got;
  for (uint64_t i = 0; i < kFrames; i++) {
    auto r = a_.allocate();
    ASSERT_TRUE(r.ok());
    if (i == 0) {
      EXPECT_EQ(r.value(), kFirst);
    }
    EXPECT_TRUE(got.insert(r.value()).second);
    EXPECT_EQ(a_.refcount(r.value()), 1u);
  }
  EXPECT_EQ(a_.allocate().error(), Error::NoMemory);
  EXPECT_EQ(a_.free_frames(), 0u);
}

// Reserved ranges (firmware, kernel, device tree) are never handed out.
TEST_F(PageAllocatorTest, ReservedFramesAreNeverAllocated) {
  a_.release(kFirst, kFirst + kFrames);
  a_.reserve(kFirst, kFirst + 8);          // e.g. OpenSBI
  a_.reserve(kFirst + 20, kFirst + 30);    // e.g. the kernel
  a_.reserve(kFirst + 100, kFirst + 200);  // outside the span: ignored
  EXPECT_EQ(a_.free_frames(), kFrames - 18);
  EXPECT_EQ(a_.usable_frames(), kFrames - 18);
  for (auto r = a_.allocate(); r.ok(); r = a_.allocate()) {
    EXPECT_FALSE(r.value() < kFirst + 8);
    EXPECT_FALSE(r.value() >= kFirst + 20 && r.value() < kFirst + 30);
  }
}

// Reference counts: a shared frame is freed only when its last user lets go.
TEST_F(PageAllocatorTest, ReferenceCountsFreeAtZero) {
  a_.release(kFirst, kFirst + kFrames);
  uint64_t pfn = a_.allocate().value();
  a_.get(pfn);
  a_.get(pfn);
  EXPECT_EQ(a_.refcount(pfn), 3u);
  EXPECT_FALSE(a_.put(pfn));
  EXPECT_FALSE(a_.put(pfn));
  EXPECT_EQ(a_.free_frames(), kFrames - 1);
  EXPECT_TRUE(a_.put(pfn));
  EXPECT_EQ(a_.free_frames(), kFrames);
  EXPECT_EQ(a_.refcount(pfn), 0u);
  // The freed frame comes back first.
  EXPECT_EQ(a_.allocate().value(), pfn);
}

// Freeing a frame twice is a kernel bug and stops the kernel.
TEST_F(PageAllocatorTest, DoubleFreeIsCaught) {
  a_.release(kFirst, kFirst + kFrames);
  uint64_t pfn = a_.allocate().value();
  a_.put(pfn);
  EXPECT_DEATH(a_.put(pfn), "check failed");
}

// Contiguous runs respect alignment, skip holes and fail cleanly when no run
// is long enough.
TEST_F(PageAllocatorTest, ContiguousAllocation) {
  a_.release(kFirst, kFirst + kFrames);
  // Runs come from the top down: a hole 3 frames below the top leaves the
  // top too short for 4.
  a_.reserve(kFirst + kFrames - 3, kFirst + kFrames - 2);
  auto r = a_.allocate_contiguous(4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), kFirst + kFrames - 7);  // the 2 frames above the hole are too short
  auto aligned = a_.allocate_contiguous(8, 16);
  ASSERT_TRUE(aligned.ok());
  EXPECT_EQ(aligned.value() % 16, 0u);
  for (uint64_t i = 0; i < 8; i++) EXPECT_TRUE(a_.is_allocated(aligned.value() + i));
  EXPECT_EQ(a_.allocate_contiguous(kFrames).error(), Error::NoMemory);
  EXPECT_EQ(a_.allocate_contiguous(0).error(), Error::Invalid);
  EXPECT_EQ(a_.allocate_contiguous(2, 3).error(), Error::Invalid);
  // Freed runs can be allocated again.
  for (uint64_t i = 0; i < 4; i++) a_.put(r.value() + i);
  EXPECT_EQ(a_.allocate_contiguous(4).value(), kFirst + kFrames - 7);
}

// A long random sequence of operations keeps the counters consistent with
// the true state of every frame.
TEST_F(PageAllocatorTest, RandomOperationsKeepCountsConsistent) {
  a_.release(kFirst, kFirst + kFrames);
  std::vector<uint64_t> held;
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245 + 12345; };
  for (int step = 0; step < 20000; step++) {
    uint32_t op = next() % 4;
    if (op < 2) {
      auto r = a_.allocate();
      if (r.ok()) {
        held.push_back(r.value());
      } else {
        EXPECT_EQ(std::set<uint64_t>(held.begin(), held.end()).size(), kFrames);
      }
    } else if (op == 2 && !held.empty()) {
      size_t i = next() % held.size();
      a_.put(held[i]);
      held.erase(held.begin() + static_cast<long>(i));
    } else if (!held.empty()) {
      uint64_t pfn = held[next() % held.size()];
      a_.get(pfn);
      held.push_back(pfn);
    }
    uint64_t distinct = std::set<uint64_t>(held.begin(), held.end()).size();
    ASSERT_EQ(a_.free_frames(), kFrames - distinct);
  }
}

}  // namespace
}  // namespace rivet::mm

// VmaList (kernel/mm/vma_list.cc) on the host: insert, find, split, the
// carving that munmap and mprotect do in every position, the kMaxVmas
// limit, gaps, resize and malformed input. Records come from new/delete
// here (the kernel's come from knew/kdelete), counted so a leak or a double
// free fails the test; vma_record_copied counts the references a split
// takes (the kernel takes a file reference there).
#include "kernel/mm/vma_list.h"

#include <gtest/gtest.h>

#include <vector>

namespace rivet::mm {

namespace {
int g_live = 0;          // records allocated and not freed
int g_copied = 0;        // vma_record_copied calls
int g_fail_after = -1;   // vma_record_new fails once this many more have succeeded (-1: never)
}  // namespace

Vma* vma_record_new() {
  if (g_fail_after == 0) return nullptr;
  if (g_fail_after > 0) g_fail_after--;
  g_live++;
  return new Vma();
}
void vma_record_copied(Vma*) { g_copied++; }
void vma_record_delete(Vma* vma) {
  g_live--;
  delete vma;
}

namespace {

constexpr uint64_t P = kPageSize;
constexpr uint32_t kRW = kProtRead | kProtWrite;

struct Area {
  uint64_t start, end;
  uint32_t prot;
  bool operator==(const Area&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Area& a) {
  return os << "[" << a.start / P << "p, " << a.end / P << "p) prot " << a.prot;
}

class VmaListTest : public ::testing::Test {
 protected:
  void SetUp() override {
    g_live = 0;
    g_copied = 0;
    g_fail_after = -1;
  }
  void TearDown() override {
    list.clear();
    EXPECT_EQ(g_live, 0);
    EXPECT_EQ(list.count(), 0u);
  }
  Vma* add(uint64_t lo, uint64_t hi, uint32_t prot = kRW, uint32_t flags = kVmaMmap | kVmaAnonymous) {
    auto r = list.insert(lo * P, hi * P, prot, flags);
    EXPECT_TRUE(r.ok()) << lo << ".." << hi;
    return r.ok() ? r.value() : nullptr;
  }
  std::vector<Area> areas() const {
    std::vector<Area> out;
    uint64_t prev = 0;
    uint32_t n = 0;
    for (Vma* v = list.first(); v; v = v->next, n++) {
      EXPECT_GE(v->start, prev) << "unsorted or overlapping";
      EXPECT_LE(v->start, v->end);
      prev = v->end;
      out.push_back({v->start / P, v->end / P, v->prot});
    }
    EXPECT_EQ(n, list.count());
    EXPECT_EQ(static_cast<int>(n), g_live);
    return out;
  }
  // What munmap does: split around, then remove what lies inside.
  Result<void> unmap(uint64_t lo, uint64_t hi) {
    TRY(list.split_around(lo * P, hi * P));
    list.remove_inside(lo * P, hi * P, [&](Vma* v) { removed.push_back({v->start / P, v->end / P, v->prot}); });
    return {};
  }
  // What mprotect does to the list.
  Result<void> protect(uint64_t lo, uint64_t hi, uint32_t prot) {
    Vma* v = TRY(list.split_around(lo * P, hi * P));
    for (; v && v->start < hi * P; v = v->next) v->prot = prot;
    return {};
  }

  VmaList list;
  std::vector<Area> removed;
};

TEST_F(VmaListTest, InsertKeepsOrderInEveryPosition) {
  add(20, 30);
  add(40, 50);  // after
  add(1, 10);   // before
  add(30, 40);  // between, touching both
  add(10, 20);  // between, touching both
  EXPECT_EQ(areas(), (std::vector<Area>{{1, 10, kRW}, {10, 20, kRW}, {20, 30, kRW}, {30, 40, kRW}, {40, 50, kRW}}));
}

TEST_F(VmaListTest, InsertRefusesOverlapInEveryPosition) {
  add(10, 20);
  add(30, 40);
  for (auto [lo, hi] : std::vector<std::pair<uint64_t, uint64_t>>{
           {5, 11}, {19, 25}, {12, 15}, {10, 20}, {5, 45}, {15, 35}, {25, 31}, {39, 41}}) {
    auto r = list.insert(lo * P, hi * P, kRW, kVmaMmap);
    ASSERT_FALSE(r.ok()) << lo << ".." << hi;
    EXPECT_EQ(r.error(), Error::Exists) << lo << ".." << hi;
  }
  EXPECT_EQ(areas(), (std::vector<Area>{{10, 20, kRW}, {30, 40, kRW}}));
}

TEST_F(VmaListTest, InsertRefusesMalformedRanges) {
  auto invalid = [&](uint64_t start, uint64_t end, uint32_t flags = kVmaMmap) {
    auto r = list.insert(start, end, kRW, flags);
    return !r.ok() && r.error() == Error::Invalid;
  };
  EXPECT_TRUE(invalid(10 * P + 1, 20 * P));        // unaligned start
  EXPECT_TRUE(invalid(10 * P, 20 * P - 1));        // unaligned end
  EXPECT_TRUE(invalid(10 * P, 10 * P));            // empty
  EXPECT_TRUE(invalid(20 * P, 10 * P));            // reversed
  EXPECT_TRUE(invalid(0, 10 * P));                 // the first page
  EXPECT_TRUE(invalid(kUserLimit - P, kUserLimit + P));  // past user space
  EXPECT_TRUE(invalid(kUserLimit, kUserLimit + P));
  EXPECT_TRUE(invalid(~uint64_t{0} & ~(P - 1), 0));       // wraps
  EXPECT_TRUE(list.insert(kUserLimit - P, kUserLimit, kRW, kVmaStack).ok());  // the top fits
  EXPECT_TRUE(list.insert(P, 2 * P, kRW, kVmaImage).ok());                    // and the bottom
  EXPECT_TRUE(list.insert(5 * P, 5 * P, kRW, kVmaHeap).ok());                 // an empty heap may be
  EXPECT_EQ(list.count(), 3u);
}

TEST_F(VmaListTest, InsertFreesTheGivenRecordWhenItFails) {
  add(10, 20);
  Vma* record = vma_record_new();
  auto r = list.insert(15 * P, 25 * P, kRW, kVmaMmap, record);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(g_live, 1);  // only the area's
  record = vma_record_new();
  r = list.insert(30 * P, 40 * P, kRW, kVmaMmap, record);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), record);
}

TEST_F(VmaListTest, InsertFailsCleanlyWithoutMemory) {
  g_fail_after = 0;
  auto r = list.insert(10 * P, 20 * P, kRW, kVmaMmap);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::NoMemory);
  EXPECT_EQ(list.count(), 0u);
}

TEST_F(VmaListTest, FindEveryPosition) {
  add(10, 20);
  add(20, 30);
  add(40, 50);
  EXPECT_EQ(list.find(0), nullptr);
  EXPECT_EQ(list.find(10 * P - 1), nullptr);
  EXPECT_EQ(list.find(10 * P)->start, 10 * P);
  EXPECT_EQ(list.find(20 * P - 1)->start, 10 * P);
  EXPECT_EQ(list.find(20 * P)->start, 20 * P);
  EXPECT_EQ(list.find(30 * P), nullptr);
  EXPECT_EQ(list.find(45 * P + 123)->start, 40 * P);
  EXPECT_EQ(list.find(50 * P), nullptr);
  EXPECT_EQ(list.find(~uint64_t{0}), nullptr);
}

TEST_F(VmaListTest, SplitCarriesTheFileOffset) {
  Vma* v = add(10, 20, kProtRead, kVmaMmap);
  v->inode = reinterpret_cast<fs::Inode*>(0x1000);  // never dereferenced
  v->file_offset = 3 * P;
  v->file_end = 20 * P;
  auto upper = list.split(v, 14 * P);
  ASSERT_TRUE(upper.ok());
  Vma* u = upper.value();
  EXPECT_EQ(v->end, 14 * P);
  EXPECT_EQ(v->next, u);
  EXPECT_EQ(u->start, 14 * P);
  EXPECT_EQ(u->end, 20 * P);
  EXPECT_EQ(u->file_offset, 7 * P);
  EXPECT_EQ(u->offset_of(15 * P), v->offset_of(15 * P));
  EXPECT_EQ(u->inode, v->inode);
  EXPECT_EQ(u->file_end, 20 * P);
  EXPECT_EQ(g_copied, 1);
  v->inode = u->inode = nullptr;
}

TEST_F(VmaListTest, SplitWithoutMemoryChangesNothing) {
  Vma* v = add(10, 20);
  g_fail_after = 0;
  auto r = list.split(v, 15 * P);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::NoMemory);
  EXPECT_EQ(areas(), (std::vector<Area>{{10, 20, kRW}}));
  EXPECT_EQ(g_copied, 0);
}

// munmap in every position relative to three areas [10,20) [20,30) [40,50).
struct UnmapCase {
  uint64_t lo, hi;
  std::vector<Area> left;
  std::vector<Area> removed;
};

class VmaListUnmapTest : public VmaListTest, public ::testing::WithParamInterface<UnmapCase> {};

TEST_P(VmaListUnmapTest, Unmap) {
  const UnmapCase& c = GetParam();
  add(10, 20);
  add(20, 30);
  add(40, 50);
  ASSERT_TRUE(unmap(c.lo, c.hi).ok());
  EXPECT_EQ(areas(), c.left);
  EXPECT_EQ(removed, c.removed);
}

INSTANTIATE_TEST_SUITE_P(
    EveryPosition, VmaListUnmapTest,
    ::testing::Values(
        // Before everything, after everything, in the hole between: nothing.
        UnmapCase{1, 10, {{10, 20, kRW}, {20, 30, kRW}, {40, 50, kRW}}, {}},
        UnmapCase{50, 60, {{10, 20, kRW}, {20, 30, kRW}, {40, 50, kRW}}, {}},
        UnmapCase{30, 40, {{10, 20, kRW}, {20, 30, kRW}, {40, 50, kRW}}, {}},
        // Exactly one area.
        UnmapCase{20, 30, {{10, 20, kRW}, {40, 50, kRW}}, {{20, 30, kRW}}},
        // Its head, its tail, its middle.
        UnmapCase{10, 12, {{12, 20, kRW}, {20, 30, kRW}, {40, 50, kRW}}, {{10, 12, kRW}}},
        UnmapCase{18, 20, {{10, 18, kRW}, {20, 30, kRW}, {40, 50, kRW}}, {{18, 20, kRW}}},
        UnmapCase{12, 15, {{10, 12, kRW}, {15, 20, kRW}, {20, 30, kRW}, {40, 50, kRW}}, {{12, 15, kRW}}},
        // Covering an area and more on both sides.
        UnmapCase{35, 55, {{10, 20, kRW}, {20, 30, kRW}}, {{40, 50, kRW}}},
        // Straddling several areas: split at both ends.
        UnmapCase{15, 45, {{10, 15, kRW}, {45, 50, kRW}}, {{15, 20, kRW}, {20, 30, kRW}, {40, 45, kRW}}},
        // Everything.
        UnmapCase{1, 100, {}, {{10, 20, kRW}, {20, 30, kRW}, {40, 50, kRW}}}),
    [](const ::testing::TestParamInfo<UnmapCase>& info) {
      return "p" + std::to_string(info.param.lo) + "_" + std::to_string(info.param.hi);
    });

TEST_F(VmaListTest, ProtectInEveryPosition) {
  add(10, 20);
  add(20, 30);
  ASSERT_TRUE(protect(12, 15, kProtRead).ok());  // middle of one
  EXPECT_EQ(areas(), (std::vector<Area>{{10, 12, kRW}, {12, 15, kProtRead}, {15, 20, kRW}, {20, 30, kRW}}));
  ASSERT_TRUE(protect(14, 25, 0u).ok());  // straddling three
  EXPECT_EQ(areas(), (std::vector<Area>{
                         {10, 12, kRW}, {12, 14, kProtRead}, {14, 15, 0}, {15, 20, 0}, {20, 25, 0}, {25, 30, kRW}}));
  ASSERT_TRUE(protect(10, 30, kProtExec).ok());  // exactly all
  for (const Area& a : areas()) EXPECT_EQ(a.prot, static_cast<uint32_t>(kProtExec));
  EXPECT_EQ(list.count(), 6u);
  ASSERT_TRUE(protect(25, 30, kProtRead).ok());  // exactly one, no split
  EXPECT_EQ(list.count(), 6u);
}

TEST_F(VmaListTest, LimitCountsEveryArea) {
  for (uint64_t i = 0; i < kMaxVmas; i++) add(10 + 2 * i, 11 + 2 * i);
  EXPECT_EQ(list.count(), kMaxVmas);
  uint64_t top = 10 + 2 * kMaxVmas;
  auto r = list.insert(top * P, (top + 1) * P, kRW, kVmaMmap);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::NoMemory);
  // A given record is freed on that path too.
  r = list.insert(top * P, (top + 1) * P, kRW, kVmaMmap, vma_record_new());
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(g_live, static_cast<int>(kMaxVmas));
  // A split that would exceed the limit fails, and changes nothing.
  auto s = list.split(list.find(10 * P), 10 * P + P);
  EXPECT_FALSE(s.ok());
  list.clear();
  for (uint64_t i = 0; i < kMaxVmas - 1; i++) add(100 + 2 * i, 101 + 2 * i);
  add(10, 20);  // the last one allowed
  // munmap of a middle part and mprotect of one need splits: ENOMEM.
  auto u = unmap(12, 14);
  ASSERT_FALSE(u.ok());
  EXPECT_EQ(u.error(), Error::NoMemory);
  EXPECT_TRUE(removed.empty());
  auto p = protect(12, 14, kProtRead);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), Error::NoMemory);
  EXPECT_EQ(list.find(10 * P)->end, 20 * P);
  EXPECT_EQ(list.count(), kMaxVmas);
  // Unmapping a whole area needs none.
  EXPECT_TRUE(unmap(100, 101).ok());
  EXPECT_EQ(list.count(), kMaxVmas - 1);
  // Room for one split: an mprotect that needs two makes the first (which
  // describes the same memory) and fails on the second.
  p = protect(12, 14, kProtRead);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error(), Error::NoMemory);
  EXPECT_EQ(list.count(), kMaxVmas);
  EXPECT_EQ(list.find(10 * P)->end, 12 * P);
  EXPECT_EQ(list.find(12 * P)->end, 20 * P);
  EXPECT_EQ(list.find(12 * P)->prot, kRW);
  // Now a whole area: no split needed.
  EXPECT_TRUE(protect(12, 20, kProtRead).ok());
  EXPECT_EQ(list.find(12 * P)->prot, static_cast<uint32_t>(kProtRead));
  EXPECT_TRUE(unmap(10, 12).ok());
  EXPECT_EQ(list.count(), kMaxVmas - 1);
}

TEST_F(VmaListTest, Resize) {
  Vma* heap = list.insert(10 * P, 10 * P, kRW, kVmaHeap | kVmaAnonymous).value();
  add(20, 30);
  EXPECT_TRUE(list.resize(heap, 15 * P).ok());
  EXPECT_EQ(heap->end, 15 * P);
  EXPECT_TRUE(list.resize(heap, 20 * P).ok());  // up to the next area
  auto r = list.resize(heap, 21 * P);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::NoMemory);
  EXPECT_EQ(heap->end, 20 * P);
  EXPECT_EQ(list.resize(heap, 12 * P + 1).error(), Error::Invalid);
  EXPECT_EQ(list.resize(heap, 9 * P).error(), Error::Invalid);
  EXPECT_TRUE(list.resize(heap, 10 * P).ok());  // back to empty
  EXPECT_EQ(heap->end, 10 * P);
}

TEST_F(VmaListTest, CoversAllowsMmapOnly) {
  add(10, 20, kProtRead, kVmaImage);
  add(20, 30, kRW);
  add(40, 50, kRW);
  EXPECT_TRUE(list.covers(10 * P, 30 * P));
  EXPECT_TRUE(list.covers(15 * P, 25 * P));
  EXPECT_FALSE(list.covers(5 * P, 15 * P));
  EXPECT_FALSE(list.covers(25 * P, 45 * P));
  EXPECT_FALSE(list.covers(30 * P, 40 * P));
  EXPECT_FALSE(list.covers(45 * P, 55 * P));
  EXPECT_TRUE(list.range_allows(10 * P, 30 * P, Access::Read));
  EXPECT_FALSE(list.range_allows(10 * P, 30 * P, Access::Write));
  EXPECT_TRUE(list.range_allows(20 * P, 30 * P, Access::Write));
  EXPECT_FALSE(list.range_allows(25 * P, 45 * P, Access::Read));
  EXPECT_FALSE(list.range_allows(15 * P, 16 * P, Access::Execute));
  EXPECT_TRUE(list.range_allows(15 * P + 5, 15 * P + 6, Access::Read));
  EXPECT_FALSE(list.mmap_only(15 * P, 25 * P));
  EXPECT_TRUE(list.mmap_only(20 * P, 50 * P));
  EXPECT_TRUE(list.mmap_only(30 * P, 40 * P));
  EXPECT_TRUE(list.mmap_only(1 * P, 10 * P));
}

TEST_F(VmaListTest, Gaps) {
  // Heap at [10,12), then room, a mapping at [40,50), the stack at the top.
  Vma* heap = list.insert(10 * P, 12 * P, kRW, kVmaHeap | kVmaAnonymous).value();
  add(40, 50);
  list.insert(kUserLimit - 9 * P, kUserLimit - 8 * P, 0u, kVmaStack).value();
  list.insert(kUserLimit - 8 * P, kUserLimit, kRW, kVmaStack | kVmaAnonymous).value();
  // Top down: just below the stack's guard.
  EXPECT_EQ(list.find_gap(4 * P, 0, heap), kUserLimit - 13 * P);
  // A hint that is free is honoured; one that overlaps, is unaligned, or
  // lies in the heap's growth room is not.
  EXPECT_EQ(list.find_gap(4 * P, 20 * P, heap), 20 * P);
  EXPECT_EQ(list.find_gap(4 * P, 38 * P, heap), kUserLimit - 13 * P);
  EXPECT_EQ(list.find_gap(4 * P, 20 * P + 1, heap), kUserLimit - 13 * P);
  EXPECT_EQ(list.find_gap(4 * P, 12 * P, heap), kUserLimit - 13 * P);
  EXPECT_EQ(list.find_gap(4 * P, 13 * P, heap), 13 * P);
  EXPECT_EQ(list.find_gap(P, kUserLimit - P, heap), kUserLimit - 10 * P);  // hint in the stack
  // Exact fit: only the hole between the heap's room and the mapping.
  list.clear();
  heap = list.insert(10 * P, 12 * P, kRW, kVmaHeap | kVmaAnonymous).value();
  add(20, 30);
  list.insert(30 * P, kUserLimit, kRW, kVmaStack).value();
  EXPECT_EQ(list.find_gap(7 * P, 0, heap), 13 * P);
  EXPECT_EQ(list.find_gap(8 * P, 0, heap), 0u);  // none
  EXPECT_EQ(list.find_gap(P, 0, heap), 19 * P);  // the highest
  // Lengths that wrap or exceed user space.
  EXPECT_EQ(list.find_gap(kUserLimit, 0, heap), 0u);
  EXPECT_EQ(list.find_gap(~uint64_t{0} & ~(P - 1), 13 * P, heap), 0u);
  // Without a heap the floor is the first page.
  list.clear();
  add(20, 30);
  EXPECT_EQ(list.find_gap(19 * P, 0, nullptr), P);
  EXPECT_EQ(list.find_gap(20 * P, 0, nullptr), 0u);
}

}  // namespace
}  // namespace rivet::mm

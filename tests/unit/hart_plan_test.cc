#include "kernel/proc/hart_plan.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace rivet {
namespace {

dt::Hart hart(uint32_t id, bool usable, bool sstc = false, uint32_t ctx = dt::kNoContext) {
  dt::Hart h;
  h.hartid = id;
  h.okay = usable;
  h.sv39 = usable;
  h.sstc = sstc;
  h.plic_s_context = ctx;
  return h;
}

// A non-zero boot hart comes first; the others follow in tree order.
TEST(HartPlan, BootHartFirstEvenIfNotZero) {
  dt::Machine m;
  for (uint32_t i = 0; i < 4; i++) m.harts[m.hart_count++] = hart(i, true, true, 2 * i + 1);
  HartPlanEntry plan[8];
  size_t n = plan_harts(m, 3, plan, 8);
  ASSERT_EQ(n, 4u);
  EXPECT_EQ(plan[0].hartid, 3u);
  EXPECT_EQ(plan[0].plic_context, 7u);
  EXPECT_EQ(plan[1].hartid, 0u);
  EXPECT_EQ(plan[2].hartid, 1u);
  EXPECT_EQ(plan[3].hartid, 2u);
}

// Sparse hart ids are kept as they are; harts without an MMU or disabled are
// left out.
TEST(HartPlan, SparseIdsAndUnusableHarts) {
  dt::Machine m;
  m.harts[m.hart_count++] = hart(0, false);  // S7/E51 monitor core
  m.harts[m.hart_count++] = hart(5, true);
  m.harts[m.hart_count++] = hart(9, true);
  m.harts[m.hart_count++] = hart(17, false);
  m.harts[m.hart_count++] = hart(40, true);
  HartPlanEntry plan[8];
  size_t n = plan_harts(m, 9, plan, 8);
  ASSERT_EQ(n, 3u);
  EXPECT_EQ(plan[0].hartid, 9u);
  EXPECT_EQ(plan[1].hartid, 5u);
  EXPECT_EQ(plan[2].hartid, 40u);
}

// More usable harts than the kernel supports: the plan is cut at the limit
// and the boot hart is still in it.
TEST(HartPlan, RespectsTheLimit) {
  dt::Machine m;
  for (uint32_t i = 0; i < 8; i++) m.harts[m.hart_count++] = hart(i, true);
  HartPlanEntry plan[3];
  ASSERT_EQ(plan_harts(m, 7, plan, 3), 3u);
  EXPECT_EQ(plan[0].hartid, 7u);
}

// A boot hart missing from the tree still runs (conservatively: SBI timer, no
// PLIC context), and duplicate ids in a broken tree are used once.
TEST(HartPlan, BootHartNotInTreeAndDuplicates) {
  dt::Machine m;
  m.harts[m.hart_count++] = hart(1, true, true, 3);
  m.harts[m.hart_count++] = hart(1, true, true, 3);
  HartPlanEntry plan[4];
  ASSERT_EQ(plan_harts(m, 6, plan, 4), 2u);
  EXPECT_EQ(plan[0].hartid, 6u);
  EXPECT_FALSE(plan[0].sstc);
  EXPECT_EQ(plan[0].plic_context, dt::kNoContext);
  EXPECT_EQ(plan[1].hartid, 1u);
}

std::vector<char> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(f), {});
}

// On the real VisionFive 2 tree, booting on hart 2 (any of 1-4 may boot):
// the S7 hart 0 is skipped and the U74 harts get their PLIC S contexts.
TEST(HartPlan, VisionFive2Tree) {
  auto blob = read_file(std::string(RIVET_TEST_DATA) + "/boards/starfive-visionfive-2-v1.3b.dtb");
  ASSERT_FALSE(blob.empty());
  dt::Machine m;
  ASSERT_TRUE(dt::discover(blob.data(), blob.size(), m).ok()) << m.error;
  HartPlanEntry plan[8];
  size_t n = plan_harts(m, 2, plan, 8);
  ASSERT_EQ(n, 4u);
  EXPECT_EQ(plan[0].hartid, 2u);
  for (size_t i = 0; i < n; i++) {
    EXPECT_NE(plan[i].hartid, 0u);
    EXPECT_FALSE(plan[i].sstc);
    EXPECT_NE(plan[i].plic_context, dt::kNoContext);
  }
}

}  // namespace
}  // namespace rivet

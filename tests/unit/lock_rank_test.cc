// The lock order table and the per-rank bookkeeping the kernel's lock
// checks use (kernel/sync/lock_rank.h).
#include "kernel/sync/lock_rank.h"

#include <gtest/gtest.h>

#include <string.h>

namespace rivet {
namespace {

TEST(LockRank, TableFollowsTheEnum) {
  for (size_t i = 0; i < kLockRankCount; i++) {
    EXPECT_EQ(static_cast<size_t>(kLockOrder[i].rank), i);
    ASSERT_NE(kLockOrder[i].name, nullptr);
    EXPECT_GT(strlen(kLockOrder[i].name), 0u);
  }
}

TEST(LockRank, SleepLocksRankBelowEverySpinlock) {
  size_t last_sleep = 0, first_spin = kLockRankCount;
  for (size_t i = 0; i < kLockRankCount; i++) {
    if (lock_rank_is_sleep(static_cast<LockRank>(i))) last_sleep = i;
    else if (first_spin == kLockRankCount) first_spin = i;
  }
  EXPECT_LT(last_sleep, first_spin);
  // So any spinlock may be taken under any sleep lock, never the reverse.
  EXPECT_TRUE(lock_order_allows(LockRank::Inode, LockRank::Pages));
  EXPECT_FALSE(lock_order_allows(LockRank::SleepLockState, LockRank::Buffer));
}

TEST(LockRank, OrderIsStrictExceptDeclaredNesting) {
  EXPECT_TRUE(lock_order_allows(LockRank::Wait, LockRank::Proc));
  EXPECT_FALSE(lock_order_allows(LockRank::Proc, LockRank::Wait));
  EXPECT_TRUE(lock_order_allows(LockRank::Proc, LockRank::Pid));
  // Same rank: only where the table says it nests.
  EXPECT_TRUE(lock_order_allows(LockRank::Inode, LockRank::Inode));
  EXPECT_TRUE(lock_order_allows(LockRank::Buffer, LockRank::Buffer));
  EXPECT_FALSE(lock_order_allows(LockRank::Proc, LockRank::Proc));
  EXPECT_FALSE(lock_order_allows(LockRank::Pages, LockRank::Pages));
  // A lock sleep_on() is given sits below the process lock it takes.
  for (LockRank r : {LockRank::SleepLockState, LockRank::FsLog, LockRank::BufferCache, LockRank::Pipe,
                     LockRank::VirtioBlk, LockRank::Console, LockRank::Ticks, LockRank::Wait})
    EXPECT_TRUE(lock_order_allows(r, LockRank::Proc)) << lock_rank_name(r);
}

TEST(HeldLocks, CountsPerRankAndKnowsTheHighest) {
  HeldLocks held;
  EXPECT_TRUE(held.empty());
  EXPECT_TRUE(held.allows(LockRank::Inode));
  held.add(LockRank::Wait, "wait");
  EXPECT_EQ(held.highest(), LockRank::Wait);
  EXPECT_TRUE(held.allows(LockRank::Proc));
  EXPECT_FALSE(held.allows(LockRank::Ticks));
  EXPECT_FALSE(held.allows(LockRank::Wait));
  held.add(LockRank::Proc, "proc");
  EXPECT_EQ(held.highest(), LockRank::Proc);
  EXPECT_STREQ(held.names[static_cast<size_t>(LockRank::Proc)], "proc");
  EXPECT_EQ(held.total(), 2u);
  // Released out of order: the highest goes back to what is still held.
  EXPECT_TRUE(held.remove(LockRank::Wait));
  EXPECT_EQ(held.highest(), LockRank::Proc);
  EXPECT_TRUE(held.holds_only(LockRank::Proc));
  EXPECT_TRUE(held.remove(LockRank::Proc));
  EXPECT_TRUE(held.empty());
  EXPECT_FALSE(held.remove(LockRank::Proc));  // not held: a bookkeeping bug the caller reports
}

TEST(HeldLocks, NestingRanksCountEveryLock) {
  HeldLocks held;
  // A log commit holds many buffers at once: counts, not a fixed list.
  for (int i = 0; i < 1000; i++) {
    ASSERT_TRUE(held.allows(LockRank::Buffer));
    held.add(LockRank::Buffer, "buffer");
  }
  EXPECT_FALSE(held.holds_only(LockRank::Buffer));  // more than one
  for (int i = 0; i < 999; i++) ASSERT_TRUE(held.remove(LockRank::Buffer));
  EXPECT_TRUE(held.holds_only(LockRank::Buffer));
  EXPECT_TRUE(held.remove(LockRank::Buffer));
  EXPECT_TRUE(held.empty());
}

TEST(HeldLocks, LowestAndHighestRanks) {
  HeldLocks held;
  held.add(LockRank::Inode, "inode");
  EXPECT_EQ(held.highest(), LockRank::Inode);
  held.add(LockRank::Pages, "pages");
  EXPECT_EQ(held.highest(), LockRank::Pages);
  EXPECT_FALSE(held.allows(LockRank::Kmalloc));
}

}  // namespace
}  // namespace rivet

// The lock order, written once. Every Spinlock and SleepLock is given a
// LockRank when it is constructed; a thread may take a lock only if its
// rank is above the rank of every lock it already holds (spinlocks: held by
// this hart; sleep locks: held by this thread). Ranks that the code really
// needs to nest with themselves say so in the table (kNests), and the
// comment there says where and why that is safe.
//
// The check is compiled in only with RIVET_LOCK_CHECKS (the kernel the test
// suite boots; see kernel/CMakeLists.txt). Without it Spinlock and SleepLock
// keep no rank at all, so the benchmarked kernel runs exactly the same
// instructions as before ranks existed. A violation panics, naming both
// locks: "lock order: taking X (rank R) while holding Y (rank S)".
//
// Sleep locks rank below every spinlock: a thread may take a spinlock while
// holding a sleep lock, never the other way round (taking a sleep lock may
// sleep, and nobody sleeps holding a spinlock other than the one sleep_on()
// is given: STYLE.md practice 5).
//
// This header is pure (no kernel services) so the order and the bookkeeping
// are tested on the host (tests/unit/lock_rank_test.cc).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rivet {

// Lowest first. Keep kLockOrder below in the same order.
enum class LockRank : uint8_t {
  // ---- sleep locks ----
  Inode,
  Buffer,
  SdCard,
  // ---- spinlocks ----
  SleepLockState,
  FsLog,
  BufferCache,
  Devices,
  FsSpace,
  Pipe,
  VirtioBlk,
  KernelLog,
  Console,
  Ticks,
  Wait,
  Proc,
  Pid,
  FileTable,
  InodeTable,
  PageCache,
  Swap,
  DeviceMap,
  KernelStacks,
  Kmalloc,
  Pages,
  Count,
};

inline constexpr size_t kLockRankCount = static_cast<size_t>(LockRank::Count);
static_assert(kLockRankCount <= 64, "HeldLocks keeps one bit per rank");

enum LockRankFlags : uint8_t {
  kSpin = 0,
  kSleep = 1,  // a SleepLock (ranks below every spinlock)
  kNests = 2,  // may be taken while another lock of the same rank is held
};

struct LockRankInfo {
  LockRank rank;
  const char* name;
  uint8_t flags;
};

// The order. One line per lock, lowest rank first, with why it sits there.
inline constexpr LockRankInfo kLockOrder[] = {
    // An inode's sleep lock is the outermost lock of every file-system
    // path. It nests: a directory is locked before the entry being created
    // or removed in it (create, unlink: parent before child, as xv6), open's
    // O_TRUNC locks the fresh orphan that takes the old blocks, and a page
    // fault taken while read()/write() copies to a mapping of another file
    // locks that file in the pager.
    {LockRank::Inode, "inode", kSleep | kNests},
    // Buffer sleep locks are taken under inode locks (bmap, readi, iupdate).
    // They nest: a commit locks every buffer of the group, one after the
    // other, while holding the ones it has already copied.
    {LockRank::Buffer, "buffer", kSleep | kNests},
    // The SD card's driver lock serialises commands; block reads take it
    // with a buffer locked.
    {LockRank::SdCard, "sd card", kSleep},

    // The spinlock inside every SleepLock: taken with any sleep lock held;
    // sleep_on() and wakeup() take process locks under it.
    {LockRank::SleepLockState, "sleep lock state", kSpin},
    // The write-ahead log's state: begin_op/end_op sleep on it; a commit
    // takes buffer-cache locks (pin, unpin) and wakes processes under it.
    {LockRank::FsLog, "log", kSpin},
    // The buffer cache's list and reference counts; waiters sleep on it.
    {LockRank::BufferCache, "buffer_cache", kSpin},
    // The device-switch table (major numbers): a leaf.
    {LockRank::Devices, "devices", kSpin},
    // A file system's free-block counts and its corruption report: a leaf.
    {LockRank::FsSpace, "fs_space", kSpin},
    // One pipe's buffer; readers and writers sleep on it and wake each other.
    {LockRank::Pipe, "pipe", kSpin},
    // The virtio block queue: requests sleep on it, the interrupt handler
    // wakes them under it.
    {LockRank::VirtioBlk, "virtio-blk", kSpin},
    // kprintf's message ring: taken before the console's own lock, never
    // after it, and from code holding any of the locks above.
    {LockRank::KernelLog, "kernel log", kSpin},
    // The console's input ring and output: readers sleep on it, the UART
    // interrupt wakes them under it.
    {LockRank::Console, "console", kSpin},
    // The tick count: pause() sleeps on it; the timer interrupt wakes
    // sleepers under it.
    {LockRank::Ticks, "ticks", kSpin},
    // Every Process::parent (xv6's wait_lock): taken before any process
    // lock; wait() sleeps on it.
    {LockRank::Wait, "wait", kSpin},
    // A process's state: sleep_on() and wakeup() take it under the lock
    // that guards the condition, so it sits above every lock a sleeper is
    // given. sched() switches away holding it and nothing else.
    {LockRank::Proc, "proc", kSpin},
    // The pid counter: taken with the new process's lock held.
    {LockRank::Pid, "pid", kSpin},
    // The open-file table: fork duplicates the parent's files with the
    // child's process lock held (as xv6 does), so it ranks above Proc.
    {LockRank::FileTable, "file_table", kSpin},
    // The inode cache (ref counts, slot assignment): fork takes a reference
    // to the working directory under the child's lock; get() reaches the
    // page cache's lock through cache_forget.
    {LockRank::InodeTable, "inode_table", kSpin},
    // The page cache's lists: reached from freeing an address space (under
    // a process lock) and from reclaim.
    {LockRank::PageCache, "page_cache", kSpin},
    // The swap area's slot map.
    {LockRank::Swap, "swap", kSpin},
    // The kernel's device mappings (boot and driver probing): a leaf.
    {LockRank::DeviceMap, "device map", kSpin},
    // The pool of kernel stacks: a leaf.
    {LockRank::KernelStacks, "kstacks", kSpin},
    // The kernel heap: kmalloc/kfree are called under most locks; it gives
    // a page back to the page allocator under its lock.
    {LockRank::Kmalloc, "kmalloc", kSpin},
    // The page allocator and the frame records: the innermost lock.
    {LockRank::Pages, "pages", kSpin},
};
static_assert(sizeof(kLockOrder) / sizeof(kLockOrder[0]) == kLockRankCount, "one table row per rank");

constexpr bool lock_order_table_is_sorted() {
  bool sleep_seen_after_spin = false;
  bool spin_seen = false;
  for (size_t i = 0; i < kLockRankCount; i++) {
    if (static_cast<size_t>(kLockOrder[i].rank) != i) return false;
    if (kLockOrder[i].flags & kSleep) sleep_seen_after_spin |= spin_seen;
    else spin_seen = true;
  }
  return !sleep_seen_after_spin;
}
static_assert(lock_order_table_is_sorted(), "kLockOrder rows follow the enum, sleep locks first");

constexpr const LockRankInfo& lock_rank_info(LockRank r) { return kLockOrder[static_cast<size_t>(r)]; }
constexpr const char* lock_rank_name(LockRank r) { return lock_rank_info(r).name; }
constexpr bool lock_rank_is_sleep(LockRank r) { return (lock_rank_info(r).flags & kSleep) != 0; }

// May a lock of rank `wanted` be taken while the highest-ranked lock held
// is of rank `held`?
constexpr bool lock_order_allows(LockRank held, LockRank wanted) {
  if (wanted > held) return true;
  return wanted == held && (lock_rank_info(wanted).flags & kNests) != 0;
}

// The locks one hart (spinlocks) or one thread (sleep locks) holds, as a
// count per rank: enough to check the order, and it cannot overflow the way
// a fixed list of lock pointers could (a log commit holds every buffer of
// its group). `names` keeps the name of the lock of each rank taken last,
// for the panic message.
struct HeldLocks {
  uint64_t mask = 0;  // bit r: count[r] > 0
  uint16_t count[kLockRankCount] = {};
  const char* names[kLockRankCount] = {};

  bool empty() const { return mask == 0; }
  // The highest rank held; only when !empty(). (A loop, not
  // __builtin_clzll: rv64imac has no count-leading-zeros instruction and
  // the kernel links no libgcc.)
  LockRank highest() const {
    size_t r = kLockRankCount - 1;
    while (r > 0 && !((mask >> r) & 1)) r--;
    return static_cast<LockRank>(r);
  }
  bool holds(LockRank r) const { return (mask >> static_cast<unsigned>(r)) & 1; }
  uint32_t total() const {
    uint32_t n = 0;
    for (size_t i = 0; i < kLockRankCount; i++) n += count[i];
    return n;
  }
  // Whether `wanted` may be taken now.
  bool allows(LockRank wanted) const { return empty() || lock_order_allows(highest(), wanted); }
  void add(LockRank r, const char* name) {
    size_t i = static_cast<size_t>(r);
    count[i]++;
    names[i] = name;
    mask |= uint64_t{1} << i;
  }
  // False if no lock of that rank was held (a bookkeeping bug).
  bool remove(LockRank r) {
    size_t i = static_cast<size_t>(r);
    if (count[i] == 0) return false;
    if (--count[i] == 0) mask &= ~(uint64_t{1} << i);
    return true;
  }
  // True if the only lock held is one of rank r (sleep_on's lock).
  bool holds_only(LockRank r) const {
    return mask == (uint64_t{1} << static_cast<unsigned>(r)) && count[static_cast<size_t>(r)] == 1;
  }
};

}  // namespace rivet

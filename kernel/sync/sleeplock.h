// Sleep locks: long-held locks (disk buffers, inodes) whose waiters sleep
// instead of spinning. Only usable from process context (or at boot before
// any process, where waiting degenerates to waiting for interrupts).
//
// Each has a rank below every spinlock's (kernel/sync/lock_rank.h). With
// RIVET_LOCK_CHECKS the thread's held sleep locks are counted per rank, and
// taking one out of order, or with any spinlock held, panics naming both
// locks.
#pragma once

#include "kernel/sync/spinlock.h"

namespace rivet {

class SleepLock {
 public:
#if RIVET_LOCK_CHECKS
  constexpr SleepLock(const char* name, LockRank rank)
      : guard_(name, LockRank::SleepLockState), name_(name), rank_(rank) {}
  LockRank rank() const { return rank_; }
#else
  constexpr SleepLock(const char* name, LockRank) : guard_(name, LockRank::SleepLockState), name_(name) {}
#endif
  SleepLock(const SleepLock&) = delete;
  SleepLock& operator=(const SleepLock&) = delete;

  void lock();
  void unlock();
  bool held_by_current() const;
  const char* name() const { return name_; }

 private:
  Spinlock guard_;
  bool locked_ = false;
  int owner_pid_ = 0;
  int waiters_ = 0;  // threads asleep in lock() (guard_)
  const char* name_;
#if RIVET_LOCK_CHECKS
  LockRank rank_;
#endif
};

// Holds a sleep lock for a scope. (Inodes have their own guard, which also
// loads the inode: fs::InodeLock in kernel/fs/inode.h.)
class [[nodiscard]] SleepLockGuard {
 public:
  explicit SleepLockGuard(SleepLock& lock) : lock_(lock) { lock_.lock(); }
  ~SleepLockGuard() { lock_.unlock(); }
  SleepLockGuard(const SleepLockGuard&) = delete;
  SleepLockGuard& operator=(const SleepLockGuard&) = delete;

 private:
  SleepLock& lock_;
};

}  // namespace rivet

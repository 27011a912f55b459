// Sleep locks: long-held locks (disk buffers, inodes) whose waiters sleep
// instead of spinning. Only usable from process context (or at boot before
// any process, where waiting degenerates to waiting for interrupts).
#pragma once

#include "kernel/lib/spinlock.h"

namespace rivet {

class SleepLock {
 public:
  constexpr explicit SleepLock(const char* name) : guard_(name), name_(name) {}
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
};

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

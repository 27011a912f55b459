// Spinlocks. Holding one disables interrupts on this hart (nested, through
// push_off/pop_off) so an interrupt handler can never spin on a lock its own
// hart holds. Always taken through SpinlockGuard.
//
// Every spinlock has a rank (kernel/sync/lock_rank.h). With RIVET_LOCK_CHECKS
// the hart's held locks are counted per rank, taking a lock out of order
// panics naming both locks, and the assertions below are live; without it
// the rank is dropped at compile time and nothing is counted.
#pragma once

#include <stdint.h>

#include "kernel/sync/lock_rank.h"

#ifndef RIVET_LOCK_CHECKS
#define RIVET_LOCK_CHECKS 0
#endif

namespace rivet {

struct Cpu;

class Spinlock {
 public:
#if RIVET_LOCK_CHECKS
  constexpr Spinlock(const char* name, LockRank rank) : name_(name), rank_(rank) {}
  LockRank rank() const { return rank_; }
#else
  constexpr Spinlock(const char* name, LockRank) : name_(name) {}
#endif
  Spinlock(const Spinlock&) = delete;
  Spinlock& operator=(const Spinlock&) = delete;

  void lock();
  void unlock();
  bool held_by_this_cpu() const;
  const char* name() const { return name_; }

 private:
  uint32_t locked_ = 0;
  Cpu* owner_ = nullptr;
  const char* name_;
#if RIVET_LOCK_CHECKS
  LockRank rank_;
#endif
};

class [[nodiscard]] SpinlockGuard {
 public:
  explicit SpinlockGuard(Spinlock& lock) : lock_(lock) { lock_.lock(); }
  ~SpinlockGuard() { lock_.unlock(); }
  SpinlockGuard(const SpinlockGuard&) = delete;
  SpinlockGuard& operator=(const SpinlockGuard&) = delete;

 private:
  Spinlock& lock_;
};

// STYLE.md practice 5, checked with RIVET_LOCK_CHECKS: nothing that may
// sleep or fault a page in runs with a spinlock held. `what` names the
// caller in the panic message.
#if RIVET_LOCK_CHECKS
// No spinlock held by this hart (copying user memory, yield).
void assert_no_spinlock_held(const char* what);
// `lock` is the only spinlock this hart holds (sleep_on's lock).
void assert_only_spinlock_held(const Spinlock& lock, const char* what);
// Panics: taking `wanted` (rank) while holding a lock of rank `held`.
[[noreturn]] void lock_order_panic(const char* kind, const char* wanted, LockRank wanted_rank,
                                   const char* held, LockRank held_rank);
#else
inline void assert_no_spinlock_held(const char*) {}
inline void assert_only_spinlock_held(const Spinlock&, const char*) {}
#endif

}  // namespace rivet

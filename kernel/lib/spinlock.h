// Spinlocks. Holding one disables interrupts on this hart (nested, through
// push_off/pop_off) so an interrupt handler can never spin on a lock its own
// hart holds. Always taken through SpinlockGuard.
#pragma once

#include <stdint.h>

namespace rivet {

struct Cpu;

class Spinlock {
 public:
  constexpr explicit Spinlock(const char* name) : name_(name) {}
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

}  // namespace rivet

#include "kernel/lib/spinlock.h"

#include "kernel/lib/panic.h"
#include "kernel/proc/cpu.h"

namespace rivet {

void Spinlock::lock() {
  push_off();
  if (held_by_this_cpu()) panic("spinlock %s: acquired twice on hart %u", name_, this_cpu().hartid);
  // amoswap with acquire ordering: loads and stores of the critical section
  // cannot move before the lock is taken.
  while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
    while (__atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0) {
    }
  }
  owner_ = &this_cpu();
}

void Spinlock::unlock() {
  if (!held_by_this_cpu()) panic("spinlock %s: released but not held", name_);
  owner_ = nullptr;
  // Release ordering publishes the critical section's stores before the
  // lock appears free; a plain store could be reordered before them.
  __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE);
  pop_off();
}

bool Spinlock::held_by_this_cpu() const {
  return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0 && owner_ == &this_cpu();
}

}  // namespace rivet

#include "kernel/sync/spinlock.h"

#include "kernel/log/panic.h"
#include "kernel/proc/cpu.h"  // up: per-hart interrupt nesting (push_off) and held-lock counts

namespace rivet {

void Spinlock::lock() {
  push_off();
  if (held_by_this_cpu()) panic("spinlock %s: acquired twice on hart %u", name_, this_cpu().hartid);
#if RIVET_LOCK_CHECKS
  // Checked before spinning: an out-of-order acquisition is reported even
  // when it would not deadlock this time. (Not once a panic is under way:
  // the panicking hart takes no locks, the others are being stopped.)
  HeldLocks& held = this_cpu().held_spinlocks;
  if (!held.allows(rank_) && !g_panicking)
    lock_order_panic("spinlock", name_, rank_, held.names[static_cast<size_t>(held.highest())], held.highest());
#endif
  // amoswap with acquire ordering: loads and stores of the critical section
  // cannot move before the lock is taken.
  while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) {
    while (__atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0) {
    }
  }
  owner_ = &this_cpu();
#if RIVET_LOCK_CHECKS
  held.add(rank_, name_);
#endif
}

void Spinlock::unlock() {
  if (!held_by_this_cpu()) panic("spinlock %s: released but not held", name_);
#if RIVET_LOCK_CHECKS
  // Interrupts are off: this is still the hart that counted it.
  if (!this_cpu().held_spinlocks.remove(rank_) && !g_panicking)
    panic("spinlock %s: released but not counted as held", name_);
#endif
  owner_ = nullptr;
  // Release ordering publishes the critical section's stores before the
  // lock appears free; a plain store could be reordered before them.
  __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE);
  pop_off();
}

bool Spinlock::held_by_this_cpu() const {
  return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0 && owner_ == &this_cpu();
}

#if RIVET_LOCK_CHECKS

void lock_order_panic(const char* kind, const char* wanted, LockRank wanted_rank, const char* held,
                      LockRank held_rank) {
  panic("lock order: taking %s %s (rank %s) while holding %s (rank %s)", kind, wanted,
        lock_rank_name(wanted_rank), held, lock_rank_name(held_rank));
}

void assert_no_spinlock_held(const char* what) {
  InterruptsOff off;  // stay on this hart while looking at its counts
  const HeldLocks& held = this_cpu().held_spinlocks;
  if (!held.empty() && !g_panicking)
    panic("%s with spinlock %s held (rank %s)", what, held.names[static_cast<size_t>(held.highest())],
          lock_rank_name(held.highest()));
}

void assert_only_spinlock_held(const Spinlock& lock, const char* what) {
  InterruptsOff off;
  const HeldLocks& held = this_cpu().held_spinlocks;
  if (held.holds_only(lock.rank()) || g_panicking) return;
  // Name a lock other than `lock`: the highest other rank held.
  HeldLocks others = held;
  (void)others.remove(lock.rank());
  if (others.empty()) panic("%s: spinlock %s is not held", what, lock.name());
  panic("%s with spinlock %s held (rank %s) besides %s", what, others.names[static_cast<size_t>(others.highest())],
        lock_rank_name(others.highest()), lock.name());
}

#endif

}  // namespace rivet

#include "kernel/sync/sleeplock.h"

#include "kernel/log/panic.h"
#include "kernel/proc/cpu.h"  // up: the held-lock check reads this hart's spinlocks
#include "kernel/proc/process.h"  // up: a sleep lock belongs to a thread (pid, held ranks)
#include "kernel/proc/wait.h"  // up: waiters sleep and are woken by the scheduler

namespace rivet {
namespace {
int current_pid() {
  Process* p = current();
  return p ? p->pid : -1;  // -1: the boot thread, before processes
}

#if RIVET_LOCK_CHECKS
// The boot thread's sleep locks (before the first process runs, and the
// kernel monitor): it is the only thread then.
HeldLocks g_boot_thread_sleep_locks;

HeldLocks& thread_sleep_locks() {
  Process* p = current();
  return p ? p->held_sleep_locks : g_boot_thread_sleep_locks;
}
#endif
}  // namespace

void SleepLock::lock() {
#if RIVET_LOCK_CHECKS
  if (!g_panicking) {
    // No spinlock may be held (this may sleep), and the order among the
    // thread's sleep locks holds.
    {
      InterruptsOff off;
      const HeldLocks& spin = this_cpu().held_spinlocks;
      if (!spin.empty())
        lock_order_panic("sleep lock", name_, rank_, spin.names[static_cast<size_t>(spin.highest())],
                         spin.highest());
    }
    const HeldLocks& held = thread_sleep_locks();
    if (!held.allows(rank_))
      lock_order_panic("sleep lock", name_, rank_, held.names[static_cast<size_t>(held.highest())],
                       held.highest());
  }
#endif
  SpinlockGuard guard(guard_);
  while (locked_) {
    waiters_++;
    sleep_on(this, guard_);
    waiters_--;
  }
  __atomic_store_n(&owner_pid_, current_pid(), __ATOMIC_RELAXED);
  __atomic_store_n(&locked_, true, __ATOMIC_RELEASE);
#if RIVET_LOCK_CHECKS
  thread_sleep_locks().add(rank_, name_);
#endif
}

void SleepLock::unlock() {
#if RIVET_LOCK_CHECKS
  // Released by the thread that took it (every user does; a lock handed
  // to another thread would defeat the per-thread order check).
  if (!thread_sleep_locks().remove(rank_) && !g_panicking)
    panic("sleeplock %s: released by a thread that does not hold one of its rank", name_);
#endif
  SpinlockGuard guard(guard_);
  if (!locked_) panic("sleeplock %s: released but not held", name_);
  __atomic_store_n(&locked_, false, __ATOMIC_RELEASE);
  __atomic_store_n(&owner_pid_, 0, __ATOMIC_RELAXED);
  // wakeup() looks at every process: only when someone waits.
  if (waiters_ > 0) wakeup(this);
}

bool SleepLock::held_by_current() const {
  // Without the guard: only the holder sets owner_pid_ to its own pid, so
  // the answer is exact for the caller whichever way it comes out.
  return __atomic_load_n(&locked_, __ATOMIC_ACQUIRE) &&
         __atomic_load_n(&owner_pid_, __ATOMIC_RELAXED) == current_pid();
}

}  // namespace rivet

#include "kernel/proc/sleeplock.h"

#include "kernel/lib/panic.h"
#include "kernel/proc/process.h"
#include "kernel/proc/wait.h"

namespace rivet {
namespace {
int current_pid() {
  Process* p = current();
  return p ? p->pid : -1;  // -1: the boot thread, before processes
}
}  // namespace

void SleepLock::lock() {
  SpinlockGuard guard(guard_);
  while (locked_) {
    waiters_++;
    sleep_on(this, guard_);
    waiters_--;
  }
  __atomic_store_n(&owner_pid_, current_pid(), __ATOMIC_RELAXED);
  __atomic_store_n(&locked_, true, __ATOMIC_RELEASE);
}

void SleepLock::unlock() {
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

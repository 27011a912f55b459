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
  while (locked_) sleep_on(this, guard_);
  locked_ = true;
  owner_pid_ = current_pid();
}

void SleepLock::unlock() {
  SpinlockGuard guard(guard_);
  if (!locked_) panic("sleeplock %s: released but not held", name_);
  locked_ = false;
  owner_pid_ = 0;
  wakeup(this);
}

bool SleepLock::held_by_current() const {
  auto& self = const_cast<SleepLock&>(*this);
  SpinlockGuard guard(self.guard_);
  return locked_ && owner_pid_ == current_pid();
}

}  // namespace rivet

// Sleep and wakeup on a channel (any address), as in xv6: a thread that
// must wait for an event sleeps on a channel while holding the spinlock that
// guards the condition; sleep releases it atomically with going to sleep
// and re-takes it before returning. Callers always re-check their condition
// in a loop: a wakeup may be spurious.
//
// Before any process exists (early boot, the kernel monitor) sleep() waits
// for the next interrupt with the lock released instead.
#pragma once

#include "kernel/sync/spinlock.h"

namespace rivet {

void sleep_on(const void* channel, Spinlock& lock);
void wakeup(const void* channel);

// True if the current process has been killed and should stop waiting and
// return to user space to die (interruptible waits check this).
bool current_killed();

}  // namespace rivet

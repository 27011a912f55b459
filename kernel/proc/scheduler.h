// Per-hart schedulers and the primitives built on them: each hart runs
// scheduler() forever, picking runnable processes round robin; a process
// gives the hart back through yield() (timer preemption), sleep_on()
// (kernel/proc/wait.h) or exit.
#pragma once

#include "kernel/lib/result.h"
#include "kernel/proc/process.h"

namespace rivet {

[[noreturn]] void scheduler();
void yield();
// Switches from the current process (its lock held, state already changed)
// to this hart's scheduler.
void sched();
// Makes p runnable (its lock held) and wakes an idle hart to run it.
void make_runnable_locked(Process* p);

bool killed(Process* p);

// The global tick count (hart 0's timer) and the channel pause() sleeps on.
uint64_t ticks();
void tick();  // from the boot hart's timer interrupt
// Sleeps for n ticks; Error::Interrupted if the process is killed meanwhile.
Result<void> pause_ticks(uint64_t n);

}  // namespace rivet

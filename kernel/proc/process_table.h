// The process table and process lifecycle: creation (the first process,
// fork), exit, wait and kill.
#pragma once

#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"
#include "kernel/proc/process.h"

namespace rivet {

extern Process g_processes[kMaxProcesses];

// Gives every process slot its kernel stack, at boot.
Result<void> processes_init();

// Creates the first process; its kernel thread runs `body` (which mounts
// the root file system and execs init) once a scheduler picks it.
Result<void> start_first_process(void (*body)());

// Starts a kernel thread named `name` that runs fn(arg): a process slot with
// its own kernel stack and no user address space. It runs with interrupts
// enabled, is preempted by the timer like any kernel thread, and may sleep
// (sleep_on, pause_ticks, sleep locks, disk I/O); it has no current
// directory (paths resolve from the root) and no files. kill() refuses it
// (EPERM), Ctrl-C never reaches it, nobody is its parent and it never
// becomes a zombie: if fn returns, its slot is freed at once.
// Error::Again if the process table is full.
Result<void> start_kernel_thread(const char* name, void (*fn)(void*), void* arg);

Result<int> fork_current();
[[noreturn]] void exit_current(int status);
Result<int> wait_child(UserOut<int> status);
Result<void> kill_process(int pid);
// Kills every process of a process group (Ctrl-C); returns how many.
int kill_group(int pgid);

}  // namespace rivet

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

Result<int> fork_current();
[[noreturn]] void exit_current(int status);
Result<int> wait_child(UserOut<int> status);
Result<void> kill_process(int pid);
// Kills every process of a process group (Ctrl-C); returns how many.
int kill_group(int pgid);
uint32_t process_count();

}  // namespace rivet

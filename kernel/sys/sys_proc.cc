// Process system calls.
#include "kernel/arch/riscv64/timer.h"
#include "kernel/boot/power.h"
#include "kernel/dev/console.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/log/log.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/exec.h"
#include "kernel/proc/process_table.h"
#include "kernel/proc/scheduler.h"
#include "kernel/proc/wait.h"
#include "kernel/sys/descriptors.h"
#include "kernel/sys/syscalls.h"

namespace rivet::sys {

Result<long> sys_fork() { return TRY(fork_current()); }

Result<long> sys_exit(int status) { exit_current(status); }

Result<long> sys_wait(UserOut<int> status) { return TRY(wait_child(status)); }

Result<long> sys_kill(int pid) {
  TRY(kill_process(pid));
  return 0;
}

// xv6's exec: the new program gets an empty environment.
Result<long> sys_exec(UserIn<char> path, UserIn<uint64_t> argv) {
  return TRY(exec_from_user(path, argv, UserIn<uint64_t>()));
}

Result<long> sys_execve(UserIn<char> path, UserIn<uint64_t> argv, UserIn<uint64_t> envp) {
  return TRY(exec_from_user(path, argv, envp));
}

Result<long> sys_getpid() { return current()->pid; }

Result<long> sys_getppid() {
  Process* parent = current()->parent;  // a word read; stale is harmless
  return parent ? parent->pid : 0;
}

Result<long> sys_sbrk(long increment, int mode) {
  if (mode != SBRK_EAGER && mode != SBRK_LAZY) return Error::Invalid;
  mm::AddressSpace& as = *current()->address_space;
  if (!as.heap) return Error::NoMemory;
  mm::VirtAddr old_brk = as.brk;
  mm::VirtAddr new_brk = old_brk + static_cast<uint64_t>(increment);
  if (increment < 0 && static_cast<uint64_t>(-increment) > old_brk - as.heap_start) return Error::Invalid;
  if (increment > 0 && (new_brk < old_brk || new_brk.value > mm::kUserLimit)) return Error::NoMemory;
  mm::VirtAddr old_end(as.heap->end);
  mm::VirtAddr new_end(mm::page_round_up(new_brk.value));
  if (new_end != old_end) {
    // Growing fails with ENOMEM if it would run into another area; shrinking
    // frees the pages given back, so touching them afterwards faults.
    TRY(as.resize_vma(as.heap, new_end));
    if (new_end > old_end && mode == SBRK_EAGER) {
      if (auto r = as.populate(old_end, new_end); !r) {
        (void)as.resize_vma(as.heap, old_end);
        return r.error();
      }
    }
  }
  as.brk = new_brk;
  return static_cast<long>(old_brk.value);
}

Result<long> sys_pause(int n) {
  if (n < 0) return Error::Invalid;
  TRY(pause_ticks(static_cast<uint64_t>(n)));
  return 0;
}

Result<long> sys_uptime() { return static_cast<long>(ticks()); }

Result<long> sys_reboot(int how) {
  if (how != RIVET_POWEROFF && how != RIVET_REBOOT) return Error::Invalid;
  fs::sync();
  kprintf("rivet: %s\n", how == RIVET_REBOOT ? "rebooting" : "powering off");
  if (how == RIVET_REBOOT) power::reboot();
  power::shutdown();
}

Result<long> sys_setpgrp() {
  Process* p = current();
  SpinlockGuard guard(p->lock);
  p->pgid = p->pid;
  return 0;
}

Result<long> sys_tcsetpgrp(int fd, int pgid) {
  TRY(console_of(fd));
  if (pgid < 0) return Error::Invalid;
  console::set_foreground_group(pgid);  // 0: no foreground job
  return 0;
}

Result<long> sys_consmode(int fd, int mode) {
  TRY(console_of(fd));
  if (mode != CONSOLE_COOKED && mode != CONSOLE_RAW && mode != CONSOLE_KEYS) return Error::Invalid;
  return TRY(console::set_input_mode(current()->pid, current()->pgid, mode));
}

}  // namespace rivet::sys

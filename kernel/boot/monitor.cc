#include "kernel/boot/monitor.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/sbi.h"
#include "kernel/arch/riscv64/timer.h"
#include "kernel/boot/power.h"
#include "kernel/boot/selftest.h"
#include "kernel/dev/console.h"
#include "kernel/log/log.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/smp.h"

extern "C" int strcmp(const char*, const char*);

namespace rivet::monitor {
namespace {

void cmd_help() {
  kprintf("commands:\n"
          "  help      this list\n"
          "  harts     every CPU with its hart id, ticks, IPIs and interrupts\n"
          "  mem       physical memory: total, usable, free pages\n"
          "  uptime    time since boot\n"
          "  selftest  in-kernel tests: timer on every hart, IPIs, TLB shootdown, allocator\n"
          "  fault     make the kernel take a page fault (shows the panic report)\n"
          "  lockorder take two spinlocks against the lock order (checked kernels panic)\n"
          "  poweroff  shut down through SBI\n"
          "  reboot    restart through SBI\n");
}

void cmd_harts() {
  for (uint32_t i = 0; i < g_cpu_count; i++) {
    const Cpu& c = g_cpus[i];
    kprintf("cpu %u: hart %u %s ticks %lu ipis %lu irqs %lu plic-context %d timer %s\n", c.index, c.hartid,
            c.online ? "online" : "offline", c.timer_ticks, c.ipis_received, c.external_irqs,
            static_cast<int>(c.plic_context), c.has_sstc ? "sstc" : "sbi");
  }
}

void cmd_mem() {
  mm::PageStats s = mm::page_stats();
  kprintf("ram %lu KiB, usable %lu KiB, free %lu KiB (%lu pages)\n", s.ram_bytes >> 10,
          (s.usable_pages * mm::kPageSize) >> 10, (s.free_pages * mm::kPageSize) >> 10, s.free_pages);
}

// Takes a lock of rank Pages, then one of rank Proc (lower): a checked
// kernel (RIVET_LOCK_CHECKS) panics naming both, which proves the order
// check is live (tests/boot: boot.virt.lock_order). Locks of its own, so
// nothing else is disturbed if the check is compiled out.
void cmd_lockorder() {
  static Spinlock inner("monitor inner", LockRank::Pages);
  static Spinlock outer("monitor outer", LockRank::Proc);
  kprintf("rivet: taking %s (rank %s), then %s (rank %s) on purpose\n", inner.name(),
          lock_rank_name(LockRank::Pages), outer.name(), lock_rank_name(LockRank::Proc));
  SpinlockGuard first(inner);
  SpinlockGuard second(outer);
  kprintf("rivet: lock order not checked (kernel built without RIVET_LOCK_CHECKS)\n");
}

// Trims the trailing newline and surrounding blanks in place.
char* trim(char* s) {
  while (*s == ' ' || *s == '\t') s++;
  char* end = s;
  while (*end) end++;
  while (end > s && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r')) *--end = 0;
  return s;
}

}  // namespace

bool execute(const char* cmd) {
  if (!*cmd) return true;
  if (!strcmp(cmd, "help")) cmd_help();
  else if (!strcmp(cmd, "harts")) cmd_harts();
  else if (!strcmp(cmd, "mem")) cmd_mem();
  else if (!strcmp(cmd, "uptime")) kprintf("up %lu ms\n", timer::uptime_ms());
  else if (!strcmp(cmd, "selftest")) selftest::run_all();
  else if (!strcmp(cmd, "fault")) {
    kprintf("rivet: storing to an unmapped kernel address on purpose\n");
    *reinterpret_cast<volatile uint64_t*>(0xffffffffdead0000ull) = 1;
  } else if (!strcmp(cmd, "lockorder")) {
    cmd_lockorder();
  } else if (!strcmp(cmd, "poweroff")) {
    kprintf("rivet: powering off\n");
    power::shutdown();
  } else if (!strcmp(cmd, "reboot")) {
    kprintf("rivet: rebooting\n");
    power::reboot();
  } else {
    kprintf("unknown command '%s' (try 'help')\n", cmd);
    return false;
  }
  return true;
}

void run() {
  kprintf("rivet: no user space yet; kernel monitor on the console ('help' lists commands)\n");
  char line[128];
  for (;;) {
    kprintf("rivet> ");
    size_t n = console::read(IoBuffer::kernel(line), sizeof line - 1).value_or(0);
    if (n == 0) {
      kprintf("\n");
      continue;  // Ctrl-D: nothing to end here
    }
    line[n] = 0;
    execute(trim(line));
  }
}

}  // namespace rivet::monitor

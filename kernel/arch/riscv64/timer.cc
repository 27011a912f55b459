#include "kernel/arch/riscv64/timer.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/sbi.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/scheduler.h"

namespace rivet::timer {
namespace {

uint64_t g_timebase_hz = 10000000;
uint64_t g_interval = 100000;
uint64_t g_boot_time = 0;

void program(Cpu& cpu, uint64_t deadline) {
  cpu.next_timer = deadline;
  if (cpu.has_sstc)
    arch::write_stimecmp(deadline);
  else
    sbi::set_timer(deadline);
}

}  // namespace

void init(uint64_t timebase_hz) {
  if (timebase_hz) g_timebase_hz = timebase_hz;
  g_interval = g_timebase_hz / kTicksPerSecond;
  g_boot_time = now();
}

void init_hart(bool sstc) {
  Cpu& cpu = this_cpu();
  cpu.has_sstc = sstc;
  program(cpu, now() + g_interval);
}

void handle_interrupt() {
  Cpu& cpu = this_cpu();
  cpu.timer_ticks = cpu.timer_ticks + 1;
  if (cpu.index == 0) tick();  // one hart keeps the system's time
  // Schedule from the previous deadline so ticks do not drift, but never in
  // the past (after a long stall, skip the missed ticks).
  uint64_t next = cpu.next_timer + g_interval;
  uint64_t t = now();
  if (next <= t) next = t + g_interval;
  program(cpu, next);
}

uint64_t timebase_hz() { return g_timebase_hz; }
uint64_t now() { return arch::read_time(); }
uint64_t uptime_ms() { return (now() - g_boot_time) * 1000 / g_timebase_hz; }
const char* source_name(bool sstc) { return sstc ? "sstc (stimecmp)" : "SBI TIME"; }

}  // namespace rivet::timer

#include "kernel/proc/scheduler.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/sbi.h"
#include "kernel/arch/riscv64/trap.h"
#include "kernel/log/panic.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/process_table.h"
#include "kernel/proc/wait.h"

extern "C" void switch_context(rivet::Context* old, rivet::Context* next);

namespace rivet {
namespace {

// Bumped whenever a process becomes runnable; an idle hart re-scans instead
// of sleeping if it changed since its last scan.
uint64_t g_runnable_generation = 0;

Spinlock g_ticks_lock("ticks", LockRank::Ticks);
uint64_t g_ticks = 0;

void kick_idle_hart() {
  uint32_t self = this_cpu().index;
  for (uint32_t i = 0; i < g_cpu_count; i++) {
    if (i == self || !__atomic_load_n(&g_cpus[i].idle, __ATOMIC_ACQUIRE)) continue;
    (void)sbi::send_ipi(1, g_cpus[i].hartid);
    return;
  }
}

}  // namespace

Process* current() {
  // Interrupts off so the process cannot move to another hart between
  // reading tp and reading the Cpu.
  InterruptsOff off;
  return this_cpu().process;
}

void make_runnable_locked(Process* p) {
  p->state = ProcState::Runnable;
  __atomic_fetch_add(&g_runnable_generation, 1, __ATOMIC_RELEASE);
  kick_idle_hart();
}

void scheduler() {
  Cpu& cpu = this_cpu();
  cpu.process = nullptr;
  for (;;) {
    // Let devices interrupt between scans (and avoid deadlock when every
    // process waits for an interrupt).
    arch::interrupts_on();
    uint64_t generation = __atomic_load_n(&g_runnable_generation, __ATOMIC_ACQUIRE);
    bool ran = false;
    for (Process& p : g_processes) {
      // Cheap look first; the state is checked again under the lock.
      if (__atomic_load_n(&p.state, __ATOMIC_RELAXED) != ProcState::Runnable) continue;
      SpinlockGuard guard(p.lock);
      if (p.state != ProcState::Runnable) continue;
      // Switch to p. It releases its lock and re-takes it before coming
      // back here (in sched()).
      p.state = ProcState::Running;
      cpu.process = &p;
      switch_context(&cpu.scheduler_context, &p.context);
      cpu.process = nullptr;
      ran = true;
    }
    if (ran) continue;
    // Nothing to run. Check once more with interrupts off, then wait: wfi
    // returns for a pending interrupt even with interrupts masked, so a
    // wakeup IPI that lands in between is not lost.
    arch::interrupts_off();
    if (__atomic_load_n(&g_runnable_generation, __ATOMIC_ACQUIRE) != generation) continue;
    __atomic_store_n(&cpu.idle, true, __ATOMIC_RELEASE);
    arch::wait_for_interrupt();
    __atomic_store_n(&cpu.idle, false, __ATOMIC_RELEASE);
  }
}

void sched() {
  Process* p = current();
  Cpu& cpu = this_cpu();
  if (!p->lock.held_by_this_cpu()) panic("sched: process lock not held");
  if (cpu.off_depth != 1) panic("sched: %d locks held (pid %d)", cpu.off_depth, p->pid);
  if (p->state == ProcState::Running) panic("sched: pid %d still running", p->pid);
  if (arch::interrupts_enabled()) panic("sched: interrupts enabled");
  arch::fp_release(p);
  // interrupts_were_on belongs to this kernel thread, not to the hart.
  bool were_on = cpu.interrupts_were_on;
  switch_context(&p->context, &cpu.scheduler_context);
  this_cpu().interrupts_were_on = were_on;
}

void yield() {
  assert_no_spinlock_held("yield");
  Process* p = current();
  SpinlockGuard guard(p->lock);
  p->state = ProcState::Runnable;
  sched();
}

void sleep_on(const void* channel, Spinlock& lock) {
  // The lock that guards the condition, and nothing else: another spinlock
  // would stay held (interrupts off) while this thread sleeps.
  assert_only_spinlock_held(lock, "sleep_on");
  Process* p = current();
  if (!p) {
    // No process yet (boot, the kernel monitor): wait for an interrupt.
    lock.unlock();
    arch::interrupts_on();
    arch::wait_for_interrupt();
    lock.lock();
    return;
  }
  // Become Sleeping (under p->lock) before letting go of `lock`: a waker
  // must hold `lock` to change the condition, so by the time it can call
  // wakeup() this process is visibly asleep on the channel — wakeup() may
  // look at the state without p->lock — and it cannot change the state
  // before sched() has switched away, because that needs p->lock.
  p->lock.lock();
  p->channel = channel;
  p->state = ProcState::Sleeping;
  lock.unlock();
  sched();
  p->channel = nullptr;
  p->lock.unlock();
  lock.lock();
}

void wakeup(const void* channel) {
  Process* self = current();
  for (Process& p : g_processes) {
    if (&p == self) continue;
    // Unlocked look first (see sleep_on for why a sleeper is always seen).
    if (__atomic_load_n(&p.state, __ATOMIC_RELAXED) != ProcState::Sleeping ||
        __atomic_load_n(&p.channel, __ATOMIC_RELAXED) != channel)
      continue;
    SpinlockGuard guard(p.lock);
    if (p.state == ProcState::Sleeping && p.channel == channel) make_runnable_locked(&p);
  }
}

bool killed(Process* p) {
  // A racy read is enough: a kill that lands just after is seen at the next
  // trap or the next wait.
  return __atomic_load_n(&p->killed, __ATOMIC_RELAXED);
}

bool current_killed() {
  Process* p = current();
  return p && killed(p);
}

uint64_t ticks() {
  SpinlockGuard guard(g_ticks_lock);
  return g_ticks;
}

void tick() {
  SpinlockGuard guard(g_ticks_lock);
  g_ticks++;
  wakeup(&g_ticks);
}

Result<void> pause_ticks(uint64_t n) {
  SpinlockGuard guard(g_ticks_lock);
  uint64_t start = g_ticks;
  while (g_ticks - start < n) {
    if (current_killed()) return Error::Interrupted;
    sleep_on(&g_ticks, g_ticks_lock);
  }
  return {};
}

}  // namespace rivet

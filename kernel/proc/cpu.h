// Per-hart state. Each hart's tp register points at its Cpu while it runs in
// the kernel, so this_cpu() is one register read.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/arch/riscv64/csr.h"
#include "kernel/dt/machine.h"
#include "kernel/proc/process.h"

namespace rivet {

inline constexpr size_t kMaxCpus = dt::kMaxHarts;  // one Cpu per hart the tree may give us

struct Cpu {
  // Read by entry.S (secondary_high) before any C++ runs: keep it first.
  uint64_t boot_stack_top = 0;

  uint32_t index = 0;    // logical CPU number, 0 = the boot hart
  uint32_t hartid = 0;   // the hart id the firmware uses
  bool online = false;
  bool has_sstc = false;
  uint32_t plic_context = 0xffffffffu;

  // push_off/pop_off: nesting depth of interrupt-disabled sections and
  // whether interrupts were enabled before the outermost one.
  int off_depth = 0;
  bool interrupts_were_on = false;

  // Statistics the monitor and the tests read.
  volatile uint64_t timer_ticks = 0;
  volatile uint64_t ipis_received = 0;
  volatile uint64_t external_irqs = 0;
  uint64_t next_timer = 0;

  // Scheduling.
  Process* process = nullptr;      // running on this hart, or nullptr
  Context scheduler_context{};     // switch_context() here to enter the scheduler
  Process* fp_owner = nullptr;     // whose FP registers this hart holds
  bool idle = false;               // waiting in wfi for something to run
  uint64_t icache_generation = 0;  // arch/riscv64/icache.cc: last fence.i

#if RIVET_LOCK_CHECKS
  // The spinlocks this hart holds, per rank (kernel/sync/lock_rank.h). A
  // process switches away holding only its own lock, which the scheduler
  // releases on the same hart, so the counts stay the hart's.
  HeldLocks held_spinlocks{};
#endif
};

extern Cpu g_cpus[kMaxCpus];
extern uint32_t g_cpu_count;  // CPUs Rivet tries to use (boot hart first)

inline Cpu& this_cpu() { return *reinterpret_cast<Cpu*>(arch::read_tp()); }
Cpu* cpu_by_hartid(uint32_t hartid);

// Interrupt-disable nesting: interrupts come back on only when the outermost
// pop_off matches the first push_off and they were on before it.
void push_off();
void pop_off();

class InterruptsOff {
 public:
  InterruptsOff() { push_off(); }
  ~InterruptsOff() { pop_off(); }
  InterruptsOff(const InterruptsOff&) = delete;
  InterruptsOff& operator=(const InterruptsOff&) = delete;
};

}  // namespace rivet

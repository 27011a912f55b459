// Kernel-mode traps: interrupts are dispatched, exceptions are fatal.
#pragma once

#include <stdint.h>

namespace rivet {
struct Process;
}

namespace rivet::arch {

// The registers kernelvec saves, in its order.
struct KernelFrame {
  uint64_t ra, sp, gp, tp, t0, t1, t2, s0, s1, a0, a1, a2, a3, a4, a5, a6, a7;
  uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, t3, t4, t5, t6;
  uint64_t sepc, sstatus, pad;
};
static_assert(sizeof(KernelFrame) == 272);

// Points stvec at kernelvec and enables the timer, software and external
// interrupt sources in sie (sstatus.SIE stays as it is).
void trap_init_hart();

const char* exception_name(uint64_t cause);

// Handles an interrupt (scause with its top bit set). Returns false if the
// cause is not one the kernel expects.
bool handle_interrupt(uint64_t scause);

// The user side (user_trap.cc).
[[noreturn]] void user_trap_return();
// Lazy floating point: load p's FP registers before returning to user mode;
// save them (if dirty) when p is switched out; forget p when it exits or
// execs.
void fp_prepare(Process* p);
void fp_release(Process* p);
void fp_forget(Process* p);

}  // namespace rivet::arch

// The trapframe: one page per process, mapped just below the trampoline in
// the process's page table. uservec saves the user registers here and finds
// the kernel's satp, stack and trap handler in its first words; userret
// restores from it. trampoline.S uses these offsets: keep them in sync.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rivet {

struct TrapFrame {
  uint64_t kernel_satp;  //   0
  uint64_t kernel_sp;    //   8: top of the process's kernel stack
  uint64_t kernel_trap;  //  16: user_trap()
  uint64_t epc;          //  24: user pc
  uint64_t kernel_tp;    //  32: this hart's Cpu
  uint64_t ra, sp, gp, tp, t0, t1, t2, s0, s1;         // 40 .. 104
  uint64_t a0, a1, a2, a3, a4, a5, a6, a7;             // 112 .. 168
  uint64_t s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;   // 176 .. 248
  uint64_t t3, t4, t5, t6;                             // 256 .. 280
};
static_assert(offsetof(TrapFrame, ra) == 40);
static_assert(offsetof(TrapFrame, a0) == 112);
static_assert(offsetof(TrapFrame, s2) == 176);
static_assert(offsetof(TrapFrame, t6) == 280);

// Floating-point registers of a process, saved lazily (see user_trap.cc).
struct FpState {
  uint64_t f[32];
  uint64_t fcsr;
};

}  // namespace rivet

#include "kernel/arch/riscv64/trap.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/timer.h"
#include "kernel/dev/console.h"
#include "kernel/dev/plic.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/scheduler.h"
#include "kernel/proc/smp.h"

extern "C" void kernelvec();

namespace rivet::arch {

void trap_init_hart() {
  write_stvec(reinterpret_cast<uint64_t>(&kernelvec));
  set_sie(kIntSoftware | kIntTimer | kIntExternal);
}

const char* exception_name(uint64_t cause) {
  switch (static_cast<Exception>(cause)) {
    case Exception::InstructionMisaligned: return "instruction address misaligned";
    case Exception::InstructionAccessFault: return "instruction access fault";
    case Exception::IllegalInstruction: return "illegal instruction";
    case Exception::Breakpoint: return "breakpoint";
    case Exception::LoadMisaligned: return "load address misaligned";
    case Exception::LoadAccessFault: return "load access fault";
    case Exception::StoreMisaligned: return "store address misaligned";
    case Exception::StoreAccessFault: return "store access fault";
    case Exception::EcallFromUser: return "environment call from U-mode";
    case Exception::EcallFromSupervisor: return "environment call from S-mode";
    case Exception::InstructionPageFault: return "instruction page fault";
    case Exception::LoadPageFault: return "load page fault";
    case Exception::StorePageFault: return "store page fault";
  }
  return "unknown exception";
}

bool handle_interrupt(uint64_t scause) {
  switch (static_cast<Interrupt>(scause & ~kCauseInterrupt)) {
    case Interrupt::Timer:
      timer::handle_interrupt();
      return true;
    case Interrupt::Software:
      clear_sip(kIntSoftware);
      smp::handle_ipi();
      return true;
    case Interrupt::External:
      dev::plic::handle_interrupt();
      return true;
  }
  return false;
}

namespace {

[[noreturn]] void kernel_exception(KernelFrame* f, uint64_t scause) {
  // Print the register file before panic() so the report reads top down.
  console::enter_panic_mode();
  kprintf("\n*** kernel exception on hart %u: %s (scause %#lx)\n", this_cpu().hartid,
          exception_name(scause), scause);
  kprintf("    sepc %#018lx  stval %#018lx  sstatus %#lx\n", f->sepc, read_stval(), f->sstatus);
  const uint64_t* r = &f->ra;
  static const char* const names[] = {"ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1",
                                      "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6",
                                      "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"};
  for (int i = 0; i < 31; i += 3) {
    kprintf("    ");
    for (int j = i; j < i + 3 && j < 31; j++) kprintf("%-3s %#018lx  ", names[j], r[j]);
    kprintf("\n");
  }
  kprintf("    #- %p (faulting pc)\n", reinterpret_cast<void*>(f->sepc));
  print_backtrace(f->s0);
  panic("%s in the kernel at %#lx (stval %#lx)", exception_name(scause), f->sepc, read_stval());
}

}  // namespace

}  // namespace rivet::arch

extern "C" void kernel_trap(rivet::arch::KernelFrame* frame) {
  using namespace rivet::arch;
  uint64_t scause = read_scause();
  if (!(frame->sstatus & kSstatusSpp)) rivet::panic("kernel_trap: trap from user mode on the kernel vector");
  if (interrupts_enabled()) rivet::panic("kernel_trap: interrupts enabled");
  if (scause & kCauseInterrupt) {
    if (!handle_interrupt(scause)) rivet::panic("kernel_trap: unexpected interrupt, scause %#lx", scause);
    // Preempt a process's kernel thread on its timer tick. yield() may
    // resume us on another hart; sepc and sstatus are in the frame.
    if ((scause & ~kCauseInterrupt) == static_cast<uint64_t>(Interrupt::Timer)) {
      rivet::Process* p = rivet::current();
      if (p && p->state == rivet::ProcState::Running) rivet::yield();
    }
    return;
  }
  kernel_exception(frame, scause);
}

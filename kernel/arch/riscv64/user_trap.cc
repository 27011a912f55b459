// Traps from user space: system calls, interrupts and exceptions, entered
// from uservec (trampoline.S) on the process's kernel stack with the
// kernel's page table, and the way back out through userret.
#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/icache.h"
#include "kernel/arch/riscv64/trap.h"
#include "kernel/arch/riscv64/trapframe.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/kernel_vm.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/process.h"
#include "kernel/proc/process_table.h"
#include "kernel/proc/scheduler.h"
#include "kernel/sys/syscall.h"

extern "C" {
extern char trampoline[];
extern char uservec[];
extern char userret[];
void kernelvec();
void fp_save(rivet::FpState*);
void fp_restore(const rivet::FpState*);
[[noreturn]] void user_trap();
}

namespace rivet::arch {
namespace {

uint64_t trampoline_va(const char* symbol) {
  return mm::kTrampoline + static_cast<uint64_t>(symbol - trampoline);
}

// Floating point is lazy. A process starts with sstatus.FS = Off, so its
// first FP instruction traps as illegal; that turns FP on for it. A hart's FP
// registers belong to cpu.fp_owner; they are loaded only when a process with
// FP state returns to user mode on a hart that does not hold its registers,
// and saved only when they are dirty (FS = Dirty at a trap) and the process
// is switched out.
void fp_note_trap(Process* p) {
  if ((read_sstatus() & kSstatusFsMask) == kSstatusFsDirty) {
    p->fp_status = FpStatus::Live;
    p->fp_cpu = &this_cpu();
  }
}

}  // namespace

void fp_prepare(Process* p) {
  Cpu& cpu = this_cpu();
  clear_sstatus(kSstatusFsMask);
  if (p->fp_status == FpStatus::Unused) return;  // FS Off: the first use traps
  set_sstatus(kSstatusFsClean);                  // FP instructions allowed
  if (cpu.fp_owner == p && p->fp_cpu == &cpu) return;  // registers are p's already
  fp_restore(&p->fp);
  p->fp_status = FpStatus::InMemory;
  p->fp_cpu = &cpu;
  cpu.fp_owner = p;
  // fp_restore made FS Dirty; the registers equal the saved copy.
  clear_sstatus(kSstatusFsMask);
  set_sstatus(kSstatusFsClean);
}

void fp_release(Process* p) {
  if (p->fp_status != FpStatus::Live || p->fp_cpu != &this_cpu()) return;
  set_sstatus(kSstatusFsClean);
  fp_save(&p->fp);
  clear_sstatus(kSstatusFsMask);
  // The registers still equal the saved copy: if p comes back to this hart
  // before anyone else uses FP here, nothing needs loading.
  p->fp_status = FpStatus::InMemory;
}

void fp_forget(Process* p) {
  for (uint32_t i = 0; i < g_cpu_count; i++)
    if (g_cpus[i].fp_owner == p) g_cpus[i].fp_owner = nullptr;
  p->fp_status = FpStatus::Unused;
  p->fp_cpu = nullptr;
}

// Kills the current process for a fault it caused, with one clear line.
[[noreturn]] void kill_for_fault(Process* p, uint64_t scause, uint64_t sepc, uint64_t stval, const char* why) {
  kprintf("rivet: pid %d (%s) killed: %s at sepc %#lx, stval %#lx%s%s\n", p->pid, p->name,
          exception_name(scause), sepc, stval, why ? ": " : "", why ? why : "");
  exit_current(-1);
}

[[noreturn]] void user_trap_return() {
  interrupts_off();
  Process* p = this_cpu().process;
  // From here until sret, a trap would go to uservec with kernel state in
  // the registers: interrupts stay off for the whole window.
  write_stvec(trampoline_va(uservec));
  TrapFrame* tf = p->trapframe;
  tf->kernel_satp = read_satp();
  tf->kernel_sp = p->kernel_stack_top;
  tf->kernel_trap = reinterpret_cast<uint64_t>(&user_trap);
  tf->kernel_tp = read_tp();
  uint64_t s = read_sstatus();
  s &= ~kSstatusSpp;  // return to user mode
  s |= kSstatusSpie;  // with interrupts enabled
  write_sstatus(s);
  fp_prepare(p);
  icache_sync_for_user();
  write_sepc(tf->epc);
  auto ret = reinterpret_cast<void (*)(uint64_t)>(trampoline_va(userret));
  ret(p->address_space->satp());
  __builtin_unreachable();
}

}  // namespace rivet::arch

extern "C" [[noreturn]] void user_trap() {
  using namespace rivet;
  using namespace rivet::arch;
  if (read_sstatus() & kSstatusSpp) panic("user_trap: not from user mode");
  // Traps in the kernel go to kernelvec from now on.
  write_stvec(reinterpret_cast<uint64_t>(&kernelvec));
  Process* p = this_cpu().process;  // interrupts are still off: no migration
  TrapFrame* tf = p->trapframe;
  tf->epc = read_sepc();
  rivet::arch::fp_note_trap(p);
  uint64_t scause = read_scause();
  bool timer = false;

  if (scause & kCauseInterrupt) {
    timer = (scause & ~kCauseInterrupt) == static_cast<uint64_t>(Interrupt::Timer);
    if (!handle_interrupt(scause)) panic("user_trap: unexpected interrupt %#lx", scause);
  } else {
    uint64_t stval = read_stval();
    switch (static_cast<Exception>(scause)) {
      case Exception::EcallFromUser:
        if (killed(p)) exit_current(-1);
        tf->epc += 4;  // return past the ecall
        interrupts_on();
        sys::dispatch(p);
        break;
      case Exception::IllegalInstruction:
        if (p->fp_status == FpStatus::Unused) {
          // First FP instruction: give the process zeroed FP registers and
          // run the instruction again. If it was not an FP instruction, it
          // traps again with FP on and is handled as the error it is.
          p->fp = FpState{};
          p->fp_status = FpStatus::InMemory;
          break;
        }
        kill_for_fault(p, scause, tf->epc, stval, nullptr);
      case Exception::InstructionPageFault:
      case Exception::LoadPageFault:
      case Exception::StorePageFault: {
        interrupts_on();
        mm::Access access = scause == static_cast<uint64_t>(Exception::StorePageFault) ? mm::Access::Write
                            : scause == static_cast<uint64_t>(Exception::LoadPageFault) ? mm::Access::Read
                                                                                         : mm::Access::Execute;
        auto r = p->address_space->handle_fault(mm::VirtAddr(stval), access);
        if (!r) kill_for_fault(p, scause, tf->epc, stval,
                               r.error() == Error::NoMemory ? "out of memory"
                               : r.error() == Error::Range ? "past the end of the mapped file"
                                                           : "no mapping allows this access");
        break;
      }
      default:
        kill_for_fault(p, scause, tf->epc, stval, nullptr);
    }
  }

  if (killed(p)) exit_current(-1);
  if (timer) yield();
  user_trap_return();
}

// Processes. xv6's model: a fixed table of Process slots, each with a
// kernel thread (its own kernel stack and saved context) that runs the
// process's system calls and traps. A slot may also hold a kernel thread
// alone (kernel_thread set): no address space, no trapframe, no parent, no
// files; it never returns to user space, cannot be killed and is never
// reaped (process_table.h: start_kernel_thread).
//
// Locking: Process::lock guards state, channel, killed, exit_status and pid;
// the global wait lock guards every parent pointer. The other fields belong
// to the process's own thread (or to whoever holds it while it is not
// running, e.g. fork setting up a child).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/arch/riscv64/trapframe.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/addr.h"
#include "kernel/sys/abi.h"

namespace rivet {

namespace fs {
struct File;
struct Inode;
}  // namespace fs
namespace mm {
class AddressSpace;
}

inline constexpr size_t kMaxProcesses = 128;

enum class ProcState : uint8_t { Unused, Used, Sleeping, Runnable, Running, Zombie };

// Callee-saved registers of a kernel thread, saved by switch_context.
struct Context {
  uint64_t ra, sp, s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11;
};

struct Cpu;

// Where a process's floating-point registers live.
enum class FpStatus : uint8_t {
  Unused,   // never used: sstatus.FS stays Off; the first FP instruction traps
  InMemory, // saved in Process::fp
  Live,     // in the registers of hart fp_cpu (and maybe newer than fp)
};

struct Process {
  Spinlock lock{"proc", LockRank::Proc};

  // Guarded by lock.
  ProcState state = ProcState::Unused;
  const void* channel = nullptr;  // what it sleeps on, if Sleeping
  bool killed = false;
  int exit_status = 0;
  int pid = 0;
  int pgid = 0;                   // process group (for Ctrl-C on the console); 0 for kernel threads
  bool kernel_thread = false;     // set when the slot is taken, constant until it is freed

  // Guarded by the wait lock.
  Process* parent = nullptr;

  // Private to the process's thread.
  uint64_t kernel_stack_top = 0;
  mm::AddressSpace* address_space = nullptr;
  TrapFrame* trapframe = nullptr;  // a page, mapped below the trampoline in user space
  mm::PhysAddr trapframe_pa;  // the trapframe's page; zero when there is none
  Context context{};
  fs::File* files[NOFILE] = {};
  fs::Inode* cwd = nullptr;
  char name[16] = {};
  // A kernel thread's body and its argument (kernel_thread only).
  void (*thread_fn)(void*) = nullptr;
  void* thread_arg = nullptr;

  // Floating point, saved lazily: only when another process needs the
  // registers of the hart that holds them.
  FpStatus fp_status = FpStatus::Unused;
  Cpu* fp_cpu = nullptr;
  FpState fp{};

#if RIVET_LOCK_CHECKS
  // The sleep locks this process's thread holds (kernel/sync/lock_rank.h).
  HeldLocks held_sleep_locks{};
#endif
};

// The process running on this hart, or nullptr (scheduler, early boot).
Process* current();

}  // namespace rivet

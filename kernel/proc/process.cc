#include "kernel/arch/riscv64/trap.h"
#include "kernel/boot/power.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/kernel_vm.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/process_table.h"

#include "kernel/dev/console.h"
#include "kernel/proc/scheduler.h"
#include "kernel/proc/wait.h"

namespace rivet {

Process g_processes[kMaxProcesses];

namespace {

Spinlock g_pid_lock("pid", LockRank::Pid);
int g_next_pid = 1;
// Guards every Process::parent, and orders wakeups of waiting parents
// against exits (xv6's wait_lock). Always taken before any Process::lock.
Spinlock g_wait_lock("wait", LockRank::Wait);
Process* g_init = nullptr;
void (*g_first_body)() = nullptr;

int allocate_pid() {
  SpinlockGuard guard(g_pid_lock);
  return g_next_pid++;
}

// A new process's kernel thread starts here (switch_context "returns" to
// it from the scheduler with the process lock held).
void fork_return() {
  current()->lock.unlock();
  if (g_first_body) {
    void (*body)() = g_first_body;
    g_first_body = nullptr;
    body();  // mounts the root file system and execs init
  }
  arch::user_trap_return();
}

// A kernel thread starts here, like fork_return, with its lock held.
[[noreturn]] void kernel_thread_start();

// Finds an unused slot and gives it a pid and a fresh kernel context; a
// user process (user) also gets a trapframe page. Returns with p->lock held.
Result<Process*> allocate_process(bool user) {
  for (Process& p : g_processes) {
    p.lock.lock();
    if (p.state != ProcState::Unused) {
      p.lock.unlock();
      continue;
    }
    if (user) {
      auto frame = mm::alloc_zeroed_page(mm::PageOwner::Process);
      if (!frame) {
        p.lock.unlock();
        return frame.error();
      }
      p.trapframe_pa = frame.value();
      p.trapframe = mm::phys_to_virt<TrapFrame>(frame.value());
    }
    p.pid = allocate_pid();
    // A kernel thread is in no process group, so no Ctrl-C can reach it.
    p.pgid = user ? p.pid : 0;
    p.kernel_thread = !user;
    p.state = ProcState::Used;
    p.killed = false;
    p.exit_status = 0;
    p.context = Context{};
    p.context.ra = user ? reinterpret_cast<uint64_t>(&fork_return) : reinterpret_cast<uint64_t>(&kernel_thread_start);
    p.context.sp = p.kernel_stack_top;
    return &p;
  }
  return Error::Again;  // the process table is full
}

// Releases everything a process holds except its kernel stack. p->lock held.
void free_process(Process* p) {
  if (p->address_space) p->address_space->destroy();
  p->address_space = nullptr;
  if (p->trapframe_pa.value) mm::page_put(p->trapframe_pa);
  p->trapframe = nullptr;
  p->trapframe_pa = mm::PhysAddr();
  arch::fp_forget(p);
  p->pid = 0;
  p->pgid = 0;
  p->parent = nullptr;
  p->name[0] = 0;
  p->kernel_thread = false;
  p->thread_fn = nullptr;
  p->thread_arg = nullptr;
  p->channel = nullptr;
  p->killed = false;
  p->exit_status = 0;
  p->state = ProcState::Unused;
}

void copy_name(char* dst, const char* src) {
  size_t i = 0;
  for (; src[i] && i < sizeof(Process::name) - 1; i++) dst[i] = src[i];
  dst[i] = 0;
}

void kernel_thread_start() {
  Process* p = current();
  void (*fn)(void*) = p->thread_fn;
  void* arg = p->thread_arg;
  p->lock.unlock();  // interrupts come back on (the scheduler had them on)
  fn(arg);
  // The body returned: the thread ends here, with nothing to report and
  // nobody to wait for it. The slot becomes Unused under its lock, which
  // the scheduler holds until it has switched off this stack, so nobody can
  // take the slot (and its stack) while this thread still runs on it.
  p->lock.lock();
  free_process(p);
  sched();
  panic("kernel thread ran after it ended");
}

}  // namespace

Result<void> processes_init() {
  for (Process& p : g_processes) p.kernel_stack_top = TRY(mm::kernel_stack_alloc());
  return {};
}

Result<void> start_first_process(void (*body)()) {
  Process* p = TRY(allocate_process(/*user=*/true));
  auto as = mm::AddressSpace::create(p->trapframe_pa);
  if (!as) {
    free_process(p);
    p->lock.unlock();
    return as.error();
  }
  p->address_space = as.value();
  copy_name(p->name, "init");
  g_init = p;
  g_first_body = body;
  make_runnable_locked(p);
  p->lock.unlock();
  return {};
}

Result<void> start_kernel_thread(const char* name, void (*fn)(void*), void* arg) {
  Process* p = TRY(allocate_process(/*user=*/false));
  // No address space, trapframe, files, cwd or parent: the slot was freed
  // with none, and nothing else touches a Used slot.
  p->thread_fn = fn;
  p->thread_arg = arg;
  copy_name(p->name, name);
  make_runnable_locked(p);
  p->lock.unlock();
  return {};
}

Result<int> fork_current() {
  Process* parent = current();
  parent->address_space->make_room();  // the child's first pages
  Process* child = TRY(allocate_process(/*user=*/true));
  // The child is Used, not Runnable: nothing else touches it, so its lock
  // can go while its memory is set up (which may sleep on swap I/O).
  child->lock.unlock();
  auto as = parent->address_space->clone(child->trapframe_pa);
  if (!as) {
    child->lock.lock();
    free_process(child);
    child->lock.unlock();
    return as.error();
  }
  child->lock.lock();
  child->address_space = as.value();
  *child->trapframe = *parent->trapframe;
  child->trapframe->a0 = 0;  // fork() returns 0 in the child
  // The child starts with the parent's FP registers (they are part of the
  // state fork copies).
  if (parent->fp_status != FpStatus::Unused) {
    arch::fp_release(parent);  // make the saved copy current
    child->fp = parent->fp;
    child->fp_status = FpStatus::InMemory;
  }
  for (int fd = 0; fd < NOFILE; fd++)
    if (parent->files[fd]) child->files[fd] = fs::file_dup(parent->files[fd]);
  child->cwd = parent->cwd ? fs::inode_dup(parent->cwd) : nullptr;
  copy_name(child->name, parent->name);
  child->pgid = parent->pgid;
  int pid = child->pid;
  child->lock.unlock();

  {
    SpinlockGuard guard(g_wait_lock);
    child->parent = parent;
  }
  {
    SpinlockGuard guard(child->lock);
    make_runnable_locked(child);
  }
  return pid;
}

void exit_current(int status) {
  Process* p = current();
  // Only system calls and user faults exit, and a kernel thread makes none.
  if (p->kernel_thread) panic("exit_current: kernel thread %s (pid %d)", p->name, p->pid);
  if (p == g_init) {
    // Not a kernel bug: user space has ended. Nothing can adopt orphans or
    // start a shell any more, so keep the disk consistent and stop, with a
    // message that says what happened rather than a panic report.
    kprintf("rivet: init (pid 1) exited with status %d; the system cannot go on without it\n", status);
    fs::sync();
    kprintf("rivet: file system synced; powering off\n");
    power::shutdown(/*failure=*/true);
  }

  console::process_exited(p->pid);  // ends raw console input it asked for
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->files[fd]) {
      fs::File* f = p->files[fd];
      p->files[fd] = nullptr;
      fs::file_close(f);
    }
  }
  if (p->cwd) {
    fs::inode_release(p->cwd);  // in an operation of its own
    p->cwd = nullptr;
  }
  // Dirty shared mappings reach their files now, not when the parent waits.
  if (p->address_space) p->address_space->release_files();

  g_wait_lock.lock();
  // Give the children to init, which reaps them.
  for (Process& c : g_processes) {
    if (c.parent == p) {
      c.parent = g_init;
      wakeup(g_init);
    }
  }
  wakeup(p->parent);  // the parent may be in wait()
  p->lock.lock();
  p->exit_status = status;
  p->state = ProcState::Zombie;
  g_wait_lock.unlock();
  sched();
  panic("zombie pid %d ran again", p->pid);
}

Result<int> wait_child(UserOut<int> status) {
  Process* p = current();
  for (;;) {
    Process* zombie = nullptr;
    int exit_status = 0;
    {
      SpinlockGuard guard(g_wait_lock);
      bool have_children = false;
      for (Process& c : g_processes) {
        if (c.parent != p) continue;
        have_children = true;
        SpinlockGuard child_guard(c.lock);
        if (c.state == ProcState::Zombie) {
          zombie = &c;
          exit_status = c.exit_status;
          break;
        }
      }
      if (!zombie) {
        if (!have_children) return Error::NoChild;
        if (killed(p)) return Error::Interrupted;
        sleep_on(p, g_wait_lock);
        continue;
      }
    }
    // Copy the status out with no lock held (a copy may fault a page in).
    // Only this process reaps its children, so the zombie stays put; if the
    // copy fails it stays a zombie for the next wait().
    if (!status.is_null()) TRY(copy_out(status, exit_status));
    SpinlockGuard guard(g_wait_lock);
    SpinlockGuard child_guard(zombie->lock);
    int pid = zombie->pid;
    free_process(zombie);
    return pid;
  }
}

Result<void> kill_process(int pid) {
  if (pid <= 0) return Error::NoProcess;
  for (Process& p : g_processes) {
    SpinlockGuard guard(p.lock);
    if (p.pid != pid || p.state == ProcState::Unused) continue;
    // Killing init would take the whole system down with it; Linux refuses
    // too (init ignores signals it has no handler for). A kernel thread has
    // no user context to return to and die in (Linux's kernel threads
    // ignore signals as well).
    if (&p == g_init || p.kernel_thread) return Error::NotPermitted;
    p.killed = true;
    // Wake it so it notices; interruptible waits check killed().
    if (p.state == ProcState::Sleeping) make_runnable_locked(&p);
    return {};
  }
  return Error::NoProcess;
}

int kill_group(int pgid) {
  int n = 0;
  if (pgid <= 0) return 0;
  for (Process& p : g_processes) {
    SpinlockGuard guard(p.lock);
    if (p.pgid != pgid || p.state == ProcState::Unused || p.state == ProcState::Zombie || &p == g_init ||
        p.kernel_thread)
      continue;
    p.killed = true;
    if (p.state == ProcState::Sleeping) make_runnable_locked(&p);
    n++;
  }
  return n;
}

}  // namespace rivet

// What the system tells about itself: the process list (ps), mounted file
// systems (df, mount), the kernel and machine (uname) and the kernel's
// message ring (dmesg). Read-only calls: they check their arguments, gather
// into kernel memory, and copy out with no lock held.
#include "kernel/boot/version.h"
#include "kernel/driver/services.h"
#include "kernel/fs/fs.h"
#include "kernel/lib/format.h"
#include "kernel/log/log.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/process_table.h"
#include "kernel/proc/scheduler.h"
#include "kernel/proc/smp.h"
#include "kernel/sys/syscalls.h"

namespace rivet::sys {
namespace {

int abi_state(ProcState s) {
  switch (s) {
    case ProcState::Used: return PROC_EMBRYO;
    case ProcState::Sleeping: return PROC_SLEEPING;
    case ProcState::Runnable: return PROC_RUNNABLE;
    case ProcState::Running: return PROC_RUNNING;
    case ProcState::Zombie: return PROC_ZOMBIE;
    case ProcState::Unused: break;
  }
  return 0;
}

}  // namespace

Result<long> sys_procinfo(int slot, UserOut<struct procinfo> out) {
  if (slot < 0) return Error::Invalid;
  Process* self = current();
  for (size_t i = static_cast<size_t>(slot); i < kMaxProcesses; i++) {
    Process& p = g_processes[i];
    struct procinfo info = {};
    {
      // The parent pointer is guarded by the wait lock; a word read is
      // enough here (at worst the parent of a moment ago), as getppid does.
      Process* parent = __atomic_load_n(&p.parent, __ATOMIC_RELAXED);
      SpinlockGuard guard(p.lock);
      if (p.state == ProcState::Unused) continue;
      info.pid = p.pid;
      info.pgid = p.pgid;
      info.state = abi_state(p.state);
      info.kernel_thread = p.kernel_thread ? 1 : 0;
      info.ppid = parent ? parent->pid : 0;
      for (size_t k = 0; k + 1 < sizeof info.name && p.name[k]; k++) info.name[k] = p.name[k];
      info.resident_pages = 0;
      if (!p.kernel_thread && p.address_space) {
        // Only a process's own thread changes its page table. One that is
        // asleep or waiting for a hart cannot run while we hold its lock
        // (the scheduler needs it to switch in), so its table holds still;
        // the caller's own table is ours. One running on another hart, or
        // half made by fork, or exiting, is not looked at.
        if (&p == self || p.state == ProcState::Sleeping || p.state == ProcState::Runnable)
          info.resident_pages = p.address_space->resident_pages();
        else if (p.state != ProcState::Zombie)
          info.resident_pages = PROCINFO_UNKNOWN;
      }
    }
    TRY(copy_out(out, info));
    return static_cast<long>(i);
  }
  return Error::NoProcess;
}

Result<long> sys_fsinfo(int index, UserOut<struct fsinfo> out) {
  // One file system is ever mounted: the root.
  if (index != 0 || !fs::root_mounted()) return Error::NoDevice;
  fs::FileSystem& root = fs::root_fs();
  fs::Usage u = TRY(fs::usage(root));
  struct fsinfo f = {};
  snformat(f.device, sizeof f.device, "%s", root.cache().device()->name());
  snformat(f.mount_point, sizeof f.mount_point, "/");
  snformat(f.type, sizeof f.type, "rivetfs");
  // Read-only after a metadata checksum failed (until the next boot).
  f.flags = root.read_only() ? FS_READONLY : 0;
  f.block_size = u.block_size;
  f.total_blocks = u.total_blocks;
  f.data_blocks = u.data_blocks;
  f.free_blocks = u.free_blocks;
  f.total_inodes = u.total_inodes;
  f.free_inodes = u.free_inodes;
  TRY(copy_out(out, f));
  return 0;
}

Result<long> sys_sysinfo(UserOut<struct sysinfo> out) {
  const dt::Machine& m = driver::machine();
  struct sysinfo s = {};
  snformat(s.sysname, sizeof s.sysname, "Rivet");
  snformat(s.release, sizeof s.release, "%s", kVersion);
  snformat(s.machine, sizeof s.machine, "riscv64");
  snformat(s.model, sizeof s.model, "%s", m.model);
  snformat(s.compatible, sizeof s.compatible, "%s", m.compatible);
  s.harts_online = smp::online_count();
  uint32_t usable = 0;
  for (size_t i = 0; i < m.hart_count; i++)
    if (m.harts[i].usable()) usable++;
  s.harts_total = usable;
  s.memory_bytes = mm::page_stats().usable_pages * mm::kPageSize;
  s.uptime_ticks = ticks();
  TRY(copy_out(out, s));
  return 0;
}

Result<long> sys_klog(UserOut<char> buffer, int n) {
  if (n < 0) return Error::Invalid;
  uint64_t total = log_total();
  uint64_t oldest = log_oldest();
  uint64_t held = total - oldest;
  if (n == 0) return static_cast<long>(held);
  // The newest n bytes held now, oldest first. Later messages are not
  // included; bytes overwritten while we copy end the copy early.
  uint64_t want = static_cast<uint64_t>(n) < held ? static_cast<uint64_t>(n) : held;
  TRY(check_user_range(buffer, static_cast<size_t>(want)));
  uint64_t from = total - want;
  size_t done = 0;
  char chunk[256];
  while (done < want) {
    size_t k = want - done < sizeof chunk ? static_cast<size_t>(want - done) : sizeof chunk;
    size_t got = log_copy(from + done, chunk, k);
    if (got == 0) break;
    TRY(copy_out(buffer.offset(done), chunk, got));
    done += got;
  }
  return static_cast<long>(done);
}

}  // namespace rivet::sys

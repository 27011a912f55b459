// Where the kernel starts: kernel_main on the boot hart (from entry.S, MMU on
// with the boot page table), secondary_main on every other hart.
#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/sbi.h"
#include "kernel/arch/riscv64/timer.h"
#include "kernel/arch/riscv64/trap.h"
#include "kernel/boot/image.h"
#include "kernel/boot/monitor.h"
#include "kernel/boot/power.h"
#include "kernel/boot/version.h"
#include "kernel/dev/console.h"
#include "kernel/dev/plic.h"
#include "kernel/driver/services.h"
#include "kernel/boot/root.h"
#include "kernel/fs/format.h"
#include "kernel/fs/fs.h"
#include "kernel/proc/exec.h"
#include "kernel/proc/process_table.h"
#include "kernel/proc/scheduler.h"
#include "kernel/dt/machine.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/mm/kernel_vm.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/zero_page.h"
#include "kernel/fs/page_cache.h"
#include "kernel/mm/swap.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/smp.h"

extern "C" {
uint64_t g_kernel_load_pa = 0;
}

namespace rivet {
namespace {

dt::Machine g_machine;

void run_global_constructors() {
  using Ctor = void (*)();
  for (auto* p = reinterpret_cast<Ctor*>(_init_array_start); p < reinterpret_cast<Ctor*>(_init_array_end); p++)
    (*p)();
}

[[noreturn]] void fail_boot(const char* what, Error e, const char* detail) {
  kprintf("rivet: boot failed: %s: %s%s%s\n", what, error_name(e), detail && *detail ? ": " : "",
          detail ? detail : "");
  power::shutdown(/*failure=*/true);
}

block::BlockDevice* g_root_partition = nullptr;

// The "flush" kernel thread: once a second, the file system writes back
// what has been dirty for longer than fs::kWriteBackDelaySeconds.
[[noreturn]] void flush_thread(void*) {
  for (;;) {
    (void)pause_ticks(timer::kTicksPerSecond);  // only fails if killed, and it cannot be
    fs::write_back_expired();
  }
}

// The first process's kernel thread: mount the root file system, start the
// flush thread (pid 2) and become /bin/init. Runs in process context, so
// disk I/O can sleep.
void first_process_body() {
  if (auto r = fs::mount_root(g_root_partition); !r) {
    kprintf("rivet: cannot mount the root file system on %s: %s\n", g_root_partition->name(), error_name(r.error()));
    monitor::run();
  }
  // Not fatal: without it, data still reaches the disk on fsync, sync and
  // power off.
  if (auto r = start_kernel_thread("flush", flush_thread, nullptr); !r)
    kprintf("rivet: cannot start the flush thread: %s\n", error_name(r.error()));
  static const char* const argv[] = {"init", nullptr};
  if (auto r = exec_kernel("/bin/init", argv); !r) {
    kprintf("rivet: cannot run /bin/init: %s\n", error_name(r.error()));
    monitor::run();
  }
  kprintf("rivet: starting /bin/init\n");
}

// Whether the kernel command line holds `word` as a whole word.
bool command_line_has(const char* cmdline, const char* word) {
  size_t n = __builtin_strlen(word);
  for (const char* c = cmdline; *c;) {
    while (*c == ' ') c++;
    const char* start = c;
    while (*c && *c != ' ') c++;
    if (static_cast<size_t>(c - start) == n && __builtin_memcmp(start, word, n) == 0) return true;
  }
  return false;
}

void print_banner(uint64_t dtb_pa, uint64_t dtb_size) {
  const sbi::Info& sbi = sbi::info();
  kprintf("rivet: SBI %u.%u, %s %ld.%ld; extensions:%s%s%s%s%s%s\n", sbi.spec_major, sbi.spec_minor,
          sbi::implementation_name(sbi.impl_id), sbi.impl_version >> 16, sbi.impl_version & 0xffff,
          sbi.has_time ? " TIME" : "", sbi.has_ipi ? " IPI" : "", sbi.has_rfence ? " RFENCE" : "",
          sbi.has_hsm ? " HSM" : "", sbi.has_srst ? " SRST" : "", sbi.has_dbcn ? " DBCN" : "");
  kprintf("rivet: machine \"%s\" (%s)\n", g_machine.model, g_machine.compatible);
  kprintf("rivet: kernel at physical %#lx, %lu KiB; device tree at %#lx, %lu bytes\n", g_kernel_load_pa,
          boot::image_size() >> 10, dtb_pa, dtb_size);
  mm::PageStats stats = mm::page_stats();
  for (size_t i = 0; i < g_machine.memory_count; i++)
    kprintf("rivet: memory %lu MiB at %#lx\n", g_machine.memory[i].size >> 20, g_machine.memory[i].base);
  kprintf("rivet: %lu MiB usable, %lu pages free\n", (stats.usable_pages * mm::kPageSize) >> 20,
          stats.free_pages);
  if (g_machine.chosen.bootargs[0]) kprintf("rivet: command line \"%s\"\n", g_machine.chosen.bootargs);
  if (command_line_has(g_machine.chosen.bootargs, "page_poison"))
    kprintf("rivet: page poisoning on: freed pages are checked for stores when reused\n");
  kprintf("rivet: console %s at %#lx (irq %u)\n", console::device_name(), g_machine.uart.base, g_machine.uart.irq);
  kprintf("rivet: timer %s at %lu Hz, %lu ticks/s\n", timer::source_name(this_cpu().has_sstc),
          timer::timebase_hz(), timer::kTicksPerSecond);
}

// Per-hart setup shared by the boot hart and the others.
void init_this_hart() {
  Cpu& cpu = this_cpu();
  arch::trap_init_hart();
  // User mode may read the cycle, time and instret counters directly.
  arch::write_scounteren(0x7);
  dev::plic::init_hart(cpu.plic_context);
  timer::init_hart(cpu.has_sstc);
}

}  // namespace
}  // namespace rivet

extern "C" [[noreturn]] void kernel_main(uint64_t hartid, uint64_t dtb_pa, uint64_t load_pa) {
  using namespace rivet;
  g_kernel_load_pa = load_pa;
  g_cpus[0].hartid = static_cast<uint32_t>(hartid);
  arch::write_tp(reinterpret_cast<uint64_t>(&g_cpus[0]));
  run_global_constructors();
  arch::trap_init_hart();
  sbi::init();

  kprintf("\nRivet %s (riscv64, S-mode) booting on hart %lu\n", kVersion, hartid);

  // The boot page table maps the device tree's gigabyte; make sure all of
  // it is reachable before reading past the header.
  const void* fdt = mm::phys_to_virt(mm::PhysAddr(dtb_pa));
  uint32_t dtb_size = dt::fdt_total_size(fdt);
  if (dtb_size == 0) fail_boot("device tree", Error::Malformed, "bad magic or no tree at a1");
  mm::early_map_direct(dtb_pa, dtb_size);
  if (auto r = dt::discover(fdt, dtb_size, g_machine, static_cast<int64_t>(hartid)); !r)
    fail_boot("device tree", r.error(), g_machine.error);

  for (size_t i = 0; i < g_machine.memory_count; i++)
    mm::early_map_direct(g_machine.memory[i].base, g_machine.memory[i].size);
  if (auto r = mm::pages_init(g_machine, {load_pa, boot::image_size(), dtb_pa, dtb_size}); !r)
    fail_boot("page allocator", r.error(), nullptr);
  if (auto r = mm::kernel_vm_init(g_machine); !r) fail_boot("kernel page table", r.error(), nullptr);
  // page_poison: freed pages are filled with a pattern checked when they are
  // handed out again (finds stores through stale references; costs time).
  if (command_line_has(g_machine.chosen.bootargs, "page_poison")) mm::set_page_poisoning(true);

  // Every process slot's kernel stack is mapped now, before the other harts
  // start, so no hart can hold a stale "not mapped" translation for one.
  if (auto r = processes_init(); !r) fail_boot("process table", r.error(), nullptr);
  if (auto r = mm::zero_page_init(); !r) fail_boot("zero page", r.error(), nullptr);
  mm::set_page_reclaimer(fs::reclaim);

  smp::discover_cpus(g_machine, static_cast<uint32_t>(hartid));
  timer::init(g_machine.timebase_hz);
  // Devices: interrupt controllers first, then the console, so everything
  // after the banner is printed by Rivet's own UART driver.
  if (auto r = driver::init(g_machine, fdt, dtb_size); !r) fail_boot("device tree", r.error(), nullptr);
  driver::probe(driver::Stage::InterruptController);
  if (driver::probe(driver::Stage::Console) == 0)
    kprintf("rivet: no supported console UART; staying on the SBI console\n");
  init_this_hart();
  arch::interrupts_on();

  print_banner(dtb_pa, dtb_size);
  if (g_machine.harts_in_tree > g_machine.hart_count)
    kprintf("rivet: using %u of %u harts (this kernel runs at most %u)\n", g_cpu_count,
            static_cast<uint32_t>(g_machine.harts_in_tree), static_cast<uint32_t>(dt::kMaxHarts));
  kprintf("rivet: boot hart %u; starting %u more\n", g_cpus[0].hartid, g_cpu_count - 1);
  uint32_t online = smp::start_secondary_harts();
  if (online == g_cpu_count)
    kprintf("rivet: all %u harts online\n", online);
  else
    kprintf("rivet: %u of %u harts online\n", online, g_cpu_count);

  console::register_device();
  driver::probe(driver::Stage::Normal);
  boot::offer_initrd(g_machine);
  auto root = boot::choose_root(g_machine);
  if (!root) {
    kprintf("rivet: no root file system (%s)\n", error_name(root.error()));
    monitor::run();
  }
  g_root_partition = root.value();
  // A swap area is optional: without one, memory is what RAM holds.
  if (block::BlockDevice* swap = boot::swap_partition()) {
    if (auto r = mm::swap_init(swap); !r)
      kprintf("rivet: cannot use the swap area: %s\n", error_name(r.error()));
  }
  if (auto r = start_first_process(first_process_body); !r) fail_boot("first process", r.error(), nullptr);
  scheduler();
}

extern "C" [[noreturn]] void secondary_main(uint64_t hartid, rivet::Cpu* cpu) {
  using namespace rivet;
  (void)cpu;  // tp already points at it (entry.S)
  init_this_hart();
  kprintf("rivet: hart %lu online (cpu %u)\n", hartid, this_cpu().index);
  __atomic_store_n(&this_cpu().online, true, __ATOMIC_RELEASE);
  scheduler();
}

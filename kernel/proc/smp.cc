#include "kernel/proc/smp.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/sbi.h"
#include "kernel/arch/riscv64/timer.h"
#include "kernel/boot/image.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/mm/kernel_vm.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/hart_plan.h"

namespace rivet::smp {
namespace {

enum IpiMessage : uint32_t { kIpiStop = 1u << 0 };
uint32_t g_ipi_pending[kMaxCpus];

// SBI takes harts as (mask, base): bit i of mask is hart base + i.
Result<void> ipi_hart(uint32_t hartid) { return sbi::send_ipi(1, hartid); }

}  // namespace

void discover_cpus(const dt::Machine& machine, uint32_t boot_hartid) {
  HartPlanEntry plan[kMaxCpus];
  g_cpu_count = static_cast<uint32_t>(plan_harts(machine, boot_hartid, plan, kMaxCpus));
  for (uint32_t i = 0; i < g_cpu_count; i++) {
    Cpu& cpu = g_cpus[i];
    cpu.index = i;
    cpu.hartid = plan[i].hartid;
    cpu.has_sstc = plan[i].sstc;
    cpu.plic_context = plan[i].plic_context;
  }
  g_cpus[0].online = true;
}

uint32_t start_secondary_harts() {
  uint64_t entry = boot::image_va_to_pa(reinterpret_cast<uint64_t>(&secondary_entry));
  for (uint32_t i = 1; i < g_cpu_count; i++) {
    Cpu& cpu = g_cpus[i];
    auto stack = mm::kernel_stack_alloc();
    if (!stack) {
      kprintf("rivet: hart %u: no memory for a stack (%s)\n", cpu.hartid, error_name(stack.error()));
      continue;
    }
    cpu.boot_stack_top = stack.value();
    arch::fence();  // the Cpu must be visible before the hart reads it
    auto started = sbi::hart_start(cpu.hartid, entry, reinterpret_cast<uint64_t>(&cpu));
    if (!started) {
      kprintf("rivet: hart %u: SBI hart_start failed (%s)\n", cpu.hartid, error_name(started.error()));
      continue;
    }
    // Wait up to a second for it to report in.
    uint64_t deadline = timer::now() + timer::timebase_hz();
    while (!__atomic_load_n(&cpu.online, __ATOMIC_ACQUIRE) && timer::now() < deadline) {
    }
    if (!__atomic_load_n(&cpu.online, __ATOMIC_ACQUIRE))
      kprintf("rivet: hart %u did not come up\n", cpu.hartid);
  }
  return online_count();
}

uint32_t online_count() {
  uint32_t n = 0;
  for (uint32_t i = 0; i < g_cpu_count; i++)
    if (__atomic_load_n(&g_cpus[i].online, __ATOMIC_ACQUIRE)) n++;
  return n;
}

void handle_ipi() {
  Cpu& cpu = this_cpu();
  cpu.ipis_received = cpu.ipis_received + 1;
  uint32_t pending = __atomic_exchange_n(&g_ipi_pending[cpu.index], 0u, __ATOMIC_ACQ_REL);
  if ((pending & kIpiStop) || g_panicking) {
    __atomic_store_n(&cpu.online, false, __ATOMIC_RELEASE);
    arch::interrupts_off();
    for (;;) arch::wait_for_interrupt();
  }
}

Result<void> ping(uint32_t cpu_index) {
  if (cpu_index >= g_cpu_count) return Error::Invalid;
  return ipi_hart(g_cpus[cpu_index].hartid);
}

void stop_other_harts() {
  uint32_t self = this_cpu().index;
  for (uint32_t i = 0; i < g_cpu_count; i++) {
    if (i == self || !g_cpus[i].online) continue;
    __atomic_fetch_or(&g_ipi_pending[i], kIpiStop, __ATOMIC_ACQ_REL);
    (void)ipi_hart(g_cpus[i].hartid);
  }
}

void flush_tlb_everywhere(uint64_t va, uint64_t size) {
  uint32_t self = this_cpu().index;
  for (uint32_t i = 0; i < g_cpu_count; i++) {
    if (i == self || !__atomic_load_n(&g_cpus[i].online, __ATOMIC_ACQUIRE)) continue;
    // RFENCE performs the sfence.vma on the remote hart and returns once
    // it is done, so no acknowledgement protocol is needed here.
    (void)sbi::remote_sfence_vma(1, g_cpus[i].hartid, size ? va : 0, size ? size : ~0ul);
  }
  if (size == 0) {
    arch::sfence_vma_all();
  } else {
    for (uint64_t a = va & ~(mm::kPageSize - 1); a < va + size; a += mm::kPageSize) arch::sfence_vma_page(a);
  }
}

}  // namespace rivet::smp

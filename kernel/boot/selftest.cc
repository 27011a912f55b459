#include "kernel/boot/selftest.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/timer.h"
#include "kernel/log/log.h"
#include "kernel/mm/kernel_vm.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/smp.h"

namespace rivet::selftest {
namespace {

// Waits up to `seconds`, with interrupts on, until done() is true.
template <typename F>
bool wait_until(F done, uint64_t seconds) {
  uint64_t deadline = timer::now() + seconds * timer::timebase_hz();
  while (!done()) {
    if (timer::now() >= deadline) return false;
    arch::wait_for_interrupt();
  }
  return true;
}

int test_timer_every_hart() {
  // Every online hart's tick counter must advance at least 5 times.
  uint64_t start[kMaxCpus];
  for (uint32_t i = 0; i < g_cpu_count; i++) start[i] = g_cpus[i].timer_ticks;
  bool ok = wait_until([&] {
    for (uint32_t i = 0; i < g_cpu_count; i++)
      if (g_cpus[i].online && g_cpus[i].timer_ticks < start[i] + 5) return false;
    return true;
  }, 10);
  for (uint32_t i = 0; i < g_cpu_count; i++)
    kprintf("selftest: timer: hart %u ticks +%lu\n", g_cpus[i].hartid, g_cpus[i].timer_ticks - start[i]);
  kprintf("selftest: timer: %s\n", ok ? "ok" : "FAIL (a hart's timer did not tick)");
  return ok ? 0 : 1;
}

int test_ipi_every_hart() {
  int failed = 0;
  for (uint32_t i = 0; i < g_cpu_count; i++) {
    if (i == this_cpu().index || !g_cpus[i].online) continue;
    uint64_t before = g_cpus[i].ipis_received;
    auto sent = smp::ping(i);
    bool ok = sent && wait_until([&] { return g_cpus[i].ipis_received > before; }, 2);
    kprintf("selftest: ipi: hart %u %s\n", g_cpus[i].hartid, ok ? "ok" : "FAIL");
    if (!ok) failed++;
  }
  kprintf("selftest: ipi: %s\n", failed ? "FAIL" : "ok");
  return failed ? 1 : 0;
}

int test_tlb_shootdown() {
  // Map a fresh page into the kernel's stack area, change its frame, shoot
  // down the old translation everywhere and check the new one is seen.
  auto top = mm::kernel_stack_alloc();
  if (!top) {
    kprintf("selftest: tlb: FAIL (no stack)\n");
    return 1;
  }
  uint64_t va = top.value() - mm::kPageSize;
  auto* slot = mm::kernel_page_table().lookup(mm::VirtAddr(va));
  auto fresh = mm::alloc_zeroed_page();
  if (!slot || !fresh) {
    kprintf("selftest: tlb: FAIL (setup)\n");
    if (fresh) mm::page_put(fresh.value());
    mm::kernel_stack_free(top.value());
    return 1;
  }
  volatile uint64_t* p = reinterpret_cast<volatile uint64_t*>(va);
  *p = 0x1111;
  mm::PhysAddr old = slot->phys();
  *mm::phys_to_virt<uint64_t>(fresh.value()) = 0x2222;
  slot->set(fresh.value(), slot->flags());
  smp::flush_tlb_everywhere(va, mm::kPageSize);
  bool ok = *p == 0x2222;
  // Put the original page back.
  slot->set(old, slot->flags());
  smp::flush_tlb_everywhere(va, mm::kPageSize);
  ok = ok && *p == 0x1111;
  mm::page_put(fresh.value());
  mm::kernel_stack_free(top.value());
  kprintf("selftest: tlb: %s\n", ok ? "ok" : "FAIL");
  return ok ? 0 : 1;
}

int test_page_allocator() {
  constexpr int kCount = 512;
  static mm::PhysAddr pages[kCount];
  uint64_t free_before = mm::page_stats().free_pages;
  bool ok = true;
  int got = 0;
  for (; got < kCount; got++) {
    auto p = mm::alloc_page();
    if (!p) break;
    pages[got] = p.value();
    // Write a pattern unique to the page; overlapping frames would clash.
    *mm::phys_to_virt<uint64_t>(pages[got]) = pages[got].value ^ 0x5a5a5a5a;
  }
  ok = got == kCount && mm::page_stats().free_pages == free_before - kCount;
  for (int i = 0; i < got; i++) ok = ok && *mm::phys_to_virt<uint64_t>(pages[i]) == (pages[i].value ^ 0x5a5a5a5a);
  if (got > 0) {
    mm::page_get(pages[0]);
    ok = ok && mm::page_refcount(pages[0]) == 2;
    mm::page_put(pages[0]);
    ok = ok && mm::page_refcount(pages[0]) == 1;
  }
  for (int i = 0; i < got; i++) mm::page_put(pages[i]);
  auto run = mm::alloc_contiguous_pages(16);
  ok = ok && run;
  if (run)
    for (int i = 0; i < 16; i++) mm::page_put(run.value() + i * mm::kPageSize);
  ok = ok && mm::page_stats().free_pages == free_before;
  kprintf("selftest: pages: %s (%d pages, free %lu)\n", ok ? "ok" : "FAIL", got, mm::page_stats().free_pages);
  return ok ? 0 : 1;
}

}  // namespace

int run_all() {
  int failed = 0;
  failed += test_timer_every_hart();
  failed += test_ipi_every_hart();
  failed += test_tlb_shootdown();
  failed += test_page_allocator();
  if (failed)
    kprintf("selftest: FAIL (%d failed)\n", failed);
  else
    kprintf("selftest: PASS\n");
  return failed;
}

}  // namespace rivet::selftest

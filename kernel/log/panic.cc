#include "kernel/log/panic.h"

#include <stdarg.h>

#include "kernel/arch/riscv64/csr.h"  // up: reads scause/sepc/stval for the report
#include "kernel/boot/power.h"  // up: a panic ends in power-off or reboot
#include "kernel/dev/console.h"  // up: switches the console to synchronous output
#include "kernel/log/log.h"
#include "kernel/mm/layout.h"  // up: tells kernel addresses from others in the backtrace
#include "kernel/proc/cpu.h"  // up: names the hart and the process that panicked
#include "kernel/proc/smp.h"  // up: stops the other harts

namespace rivet {

volatile bool g_panicking = false;
namespace {
// Word-sized so the exchange is one amoswap.w (no libatomic for bytes).
uint32_t g_panic_claim = 0;
}  // namespace

void print_backtrace(uint64_t fp) {
  // With frame pointers, fp is the caller's stack pointer at entry: the
  // return address sits at fp-8 and the caller's fp at fp-16. Stop at
  // anything that does not look like a kernel stack address.
  kprintf("backtrace:\n");
  for (int depth = 0; depth < 24; depth++) {
    if (fp < mm::kDirectMapBase || (fp & 7) != 0 || fp < 16) break;
    uint64_t ra = reinterpret_cast<uint64_t*>(fp)[-1];
    uint64_t prev = reinterpret_cast<uint64_t*>(fp)[-2];
    if (ra < mm::kKernelBase) break;
    kprintf("  #%d %p\n", depth, reinterpret_cast<void*>(ra));
    if (prev <= fp) break;  // stacks grow down: callers' frames are higher
    fp = prev;
  }
}

void panic(const char* fmt, ...) {
  arch::interrupts_off();
  bool first = __atomic_exchange_n(&g_panic_claim, 1u, __ATOMIC_ACQ_REL) == 0;
  g_panicking = true;
  if (!first) {
    // Another hart is already reporting; stay out of its way.
    for (;;) arch::wait_for_interrupt();
  }
  console::enter_panic_mode();
  smp::stop_other_harts();
  kprintf("\n*** PANIC on hart %u: ", this_cpu().hartid);
  va_list ap;
  va_start(ap, fmt);
  vkprintf(fmt, ap);
  va_end(ap);
  kprintf("\n");
  print_backtrace(arch::read_fp());
  kprintf("rivet: halted after panic\n");
  power::shutdown(/*failure=*/true);
}

}  // namespace rivet

namespace rivet {
// A failed RIVET_CHECK of the pure-logic code (kernel/lib/check.h) in the
// kernel: a bug, so a panic.
void check_failed(const char* condition, const char* file, int line) {
  panic("check failed: %s at %s:%d", condition, file, line);
}
}  // namespace rivet

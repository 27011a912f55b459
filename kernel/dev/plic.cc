#include "kernel/dev/plic.h"

#include "kernel/driver/services.h"

#include "kernel/arch/riscv64/mmio.h"
#include "kernel/log/log.h"
#include "kernel/proc/cpu.h"

namespace rivet::dev::plic {
namespace {

constexpr uint32_t kMaxIrq = 1024;
constexpr uintptr_t kPriority = 0x0;
constexpr uintptr_t kEnable = 0x2000;
constexpr uintptr_t kEnableStride = 0x80;
constexpr uintptr_t kContextBase = 0x200000;
constexpr uintptr_t kContextStride = 0x1000;

uintptr_t g_base = 0;
uint32_t g_ndev = 0;
struct Route {
  Handler handler;
  void* context;
};
Route g_handlers[kMaxIrq];

uintptr_t enable_word(uint32_t irq, uint32_t context) {
  return g_base + kEnable + context * kEnableStride + (irq / 32) * 4;
}

}  // namespace

void init(const dt::Plic& desc) {
  if (!desc.present) return;
  g_base = arch::mmio_va(desc.base);
  g_ndev = desc.ndev < kMaxIrq ? desc.ndev : kMaxIrq - 1;
}

void init_hart(uint32_t context) {
  if (!g_base || context == dt::kNoContext) return;
  arch::mmio_write32(g_base + kContextBase + context * kContextStride, 0);  // threshold
}

Result<void> enable(uint32_t irq, uint32_t context, Handler handler, void* handler_context) {
  if (!g_base || irq == 0 || irq > g_ndev || context == dt::kNoContext) return Error::Invalid;
  // One handler per source: a second device naming the same interrupt (a
  // broken tree) would otherwise silently take over the first one's, and
  // the first device's completions would never be seen again.
  if (g_handlers[irq].handler) return Error::Busy;
  g_handlers[irq] = Route{handler, handler_context};
  arch::mmio_write32(g_base + kPriority + irq * 4, 1);
  uintptr_t w = enable_word(irq, context);
  arch::mmio_write32(w, arch::mmio_read32(w) | (1u << (irq % 32)));
  return {};
}

void handle_interrupt() {
  uint32_t context = this_cpu().plic_context;
  if (!g_base || context == dt::kNoContext) return;
  uintptr_t claim = g_base + kContextBase + context * kContextStride + 4;
  for (uint32_t irq; (irq = arch::mmio_read32(claim)) != 0;) {
    this_cpu().external_irqs = this_cpu().external_irqs + 1;
    if (irq < kMaxIrq && g_handlers[irq].handler)
      g_handlers[irq].handler(irq, g_handlers[irq].context);
    else
      kprintf("plic: spurious interrupt %u on hart %u\n", irq, this_cpu().hartid);
    arch::mmio_write32(claim, irq);  // complete
  }
}

}  // namespace rivet::dev::plic

namespace rivet::driver {

// The PLIC's hart contexts were read with the rest of the machine
// (dt::Machine::plic, from interrupts-extended); binding maps its registers.
Result<void> probe_plic(dt::Device& device) {
  const dt::Plic& plic = machine().plic;
  if (!plic.present || device.phandle != plic.phandle) return Error::NoDevice;  // a second PLIC
  TRY(map_mmio(device, 0));
  dev::plic::init(plic);
  return {};
}

}  // namespace rivet::driver

// The kernel's side of the driver model: mapping a device's registers on
// demand, routing its interrupts, the clock drivers wait with, and the walk
// over the firmware's tree at boot.
#include "kernel/driver/services.h"

#include <new>

#include "kernel/arch/riscv64/mmio.h"
#include "kernel/arch/riscv64/timer.h"
#include "kernel/dev/plic.h"
#include "kernel/log/log.h"
#include "kernel/mm/kernel_vm.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/proc/cpu.h"
#include "kernel/proc/process.h"
#include "kernel/proc/scheduler.h"

namespace rivet::driver {
namespace {

const dt::Machine* g_machine = nullptr;
dt::DeviceTree g_tree;

class MmioRegisters final : public dev::Registers {
 public:
  explicit MmioRegisters(uintptr_t base) : base_(base) {}
  uint32_t read32(uint32_t offset) override { return arch::mmio_read32(base_ + offset); }
  void write32(uint32_t offset, uint32_t value) override { arch::mmio_write32(base_ + offset, value); }

 private:
  uintptr_t base_;
};

class KernelClock final : public dev::Clock {
 public:
  uint64_t now_us() override { return dev::ticks_to_us(timer::now(), timer::timebase_hz()); }
  // A process waiting on a slow device lets others run; before the first
  // process exists (probing at boot) there is nobody to yield to.
  void pause() override {
    if (current()) yield();
  }
};
KernelClock g_clock;

struct IrqRoute {
  IrqHandler handler;
  void* context;
};

void dispatch(uint32_t, void* route) {
  auto* r = static_cast<IrqRoute*>(route);
  r->handler(r->context);
}

void report(const dt::Device& device, const Driver* driver, const char* what, Error error) {
  char path[96];
  device.path(path, sizeof path);
  if (error == Error::None)
    kprintf("rivet: %s: skipped: %s\n", path, what);
  else
    kprintf("rivet: %s: %s %s: %s\n", path, driver ? driver->name : "driver", what, error_name(error));
}

}  // namespace

Result<uintptr_t> map_mmio(const dt::Device& device, uint32_t index) {
  if (index >= device.reg_count) return Error::NotFound;
  const dt::RegEntry& reg = device.regs[index];
  uint64_t size = reg.size ? reg.size : mm::kPageSize;
  if (reg.address + size - 1 < reg.address) return Error::Invalid;
  // Registers inside RAM are a broken tree: the driver's writes would land
  // in memory the kernel or the firmware owns (a fault, or silent damage).
  for (size_t i = 0; i < g_machine->memory_count; i++) {
    const dt::Range& ram = g_machine->memory[i];
    if (reg.address <= ram.base + (ram.size - 1) && ram.base <= reg.address + (size - 1)) return Error::Invalid;
  }
  TRY(mm::map_device(reg.address, size));
  return arch::mmio_va(reg.address);
}

Result<dev::Registers*> map_registers(const dt::Device& device, uint32_t index) {
  uintptr_t va = TRY(map_mmio(device, index));
  return TRY(knew<MmioRegisters>(va));
}

Result<void> request_irq(const dt::Device& device, uint32_t index, IrqHandler handler, void* context) {
  if (index >= device.irq_count) return Error::NotFound;
  const dt::Interrupt& irq = device.irqs[index];
  if (!g_machine->plic.present || irq.controller != g_machine->plic.phandle) return Error::NotSupported;
  IrqRoute* route = TRY(knew<IrqRoute>(IrqRoute{handler, context}));
  Result<void> enabled = dev::plic::enable(irq.number, g_cpus[0].plic_context, dispatch, route);
  if (!enabled) kdelete(route);
  return enabled;
}

dev::Clock& clock() { return g_clock; }

const dt::Machine& machine() { return *g_machine; }

Result<void> init(const dt::Machine& machine, const void* fdt, size_t bytes) {
  g_machine = &machine;
  char why_text[128];
  dt::MessageBuilder why(why_text, sizeof why_text);
  dt::Fdt tree = TRY(dt::Fdt::open(fdt, bytes, why));
  if (auto r = g_tree.build(tree, why); !r) kprintf("rivet: %s\n", why.c_str());
  return {};
}

size_t probe(Stage stage) { return probe_stage(g_tree, stage, report); }

}  // namespace rivet::driver

// The driver model: a table of drivers keyed by compatible string
// (drivers.def), one walk of the device tree that binds each node to its
// driver and calls the driver's probe, and the few services a probe needs
// from the kernel: its registers mapped, its interrupt routed to a handler
// with a context pointer, a clock to time its waits.
//
// The table and the matching (driver.cc) are pure and host-tested against
// the real boards' trees; the services are the kernel's (services.cc), or a
// test's stand-ins, so a driver's probe can run on the host against a model
// of its controller.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/dev/clock.h"
#include "kernel/dev/registers.h"
#include "kernel/dt/device_tree.h"
#include "kernel/lib/result.h"

namespace rivet::driver {

enum class Stage : uint8_t { InterruptController, Console, Normal };

struct Driver {
  const char* name;
  Stage stage;
  uint8_t regs;                     // usable reg entries the node must have
  uint8_t irqs;                     // interrupts the node must have
  const char* const* compatible;    // nullptr-terminated
  // Binds the node. Error::NoDevice declines quietly (a UART that is not the
  // console, a virtio slot with nothing behind it); any other error is
  // reported with the node's path.
  Result<void> (*probe)(dt::Device&);
};

extern const Driver kDrivers[];
extern const size_t kDriverCount;

// What the walk decided for one node.
struct Match {
  const Driver* driver = nullptr;   // the driver to probe, or none
  // Why a node that some driver is compatible with is not probed ("" when
  // it is, or when no driver knows it).
  const char* skipped = "";
};

// The driver for a node: the first of the node's compatible strings that
// some driver lists. Disabled nodes and nodes missing what the driver
// needs are skipped with the reason.
Match match(const dt::Device& device);

// Walks the tree in document order and probes every node whose driver is
// of `stage`. `report` hears of every skipped node and every failed probe
// (with Error::None for a skip); it may be nullptr. Returns how many nodes
// were bound.
using Report = void (*)(const dt::Device& device, const Driver* driver, const char* what, Error error);
size_t probe_stage(dt::DeviceTree& tree, Stage stage, Report report);

// ---- Services for probes (the kernel's, or a host test's stand-ins) ----

// Maps reg entry `index` of the device (uncached device memory) and returns
// its kernel virtual address. The mapping lives forever.
Result<uintptr_t> map_mmio(const dt::Device& device, uint32_t index);
// The same, as a register block for drivers written against dev::Registers.
Result<dev::Registers*> map_registers(const dt::Device& device, uint32_t index);

// Routes interrupt `index` of the device to the boot hart and calls
// `handler(context)` when it fires. NotSupported if it goes to a controller
// the kernel does not drive.
using IrqHandler = void (*)(void* context);
Result<void> request_irq(const dt::Device& device, uint32_t index, IrqHandler handler, void* context);

// The clock drivers time their waits with.
dev::Clock& clock();

}  // namespace rivet::driver

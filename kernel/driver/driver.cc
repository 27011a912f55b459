// The driver table (expanded from drivers.def) and the matching of nodes to
// drivers. Pure: the host tests link it with stand-in probes.
#include "kernel/driver/driver.h"

namespace rivet::driver {

// Every driver's probe, declared from the table.
#define DRIVER(name, stage, regs, irqs, ...) Result<void> probe_##name(dt::Device& device);
#include "kernel/driver/drivers.def"
#undef DRIVER

namespace {
#define DRIVER(name, stage, regs, irqs, ...) constexpr const char* kCompatible_##name[] = {__VA_ARGS__, nullptr};
#include "kernel/driver/drivers.def"
#undef DRIVER

const Driver* driver_for(const char* compatible) {
  for (size_t i = 0; i < kDriverCount; i++)
    for (const char* const* c = kDrivers[i].compatible; *c; c++)
      if (__builtin_strcmp(*c, compatible) == 0) return &kDrivers[i];
  return nullptr;
}

}  // namespace

const Driver kDrivers[] = {
#define DRIVER(name, stage, regs, irqs, ...) {#name, Stage::stage, regs, irqs, kCompatible_##name, probe_##name},
#include "kernel/driver/drivers.def"
#undef DRIVER
};
const size_t kDriverCount = sizeof kDrivers / sizeof kDrivers[0];

Match match(const dt::Device& device) {
  Match m;
  dt::StringList list(device.compatible());
  const Driver* driver = nullptr;
  for (const char* c; !driver && list.next(c);) driver = driver_for(c);
  if (!driver) return m;
  if (!device.available) {
    m.skipped = "disabled";
    return m;
  }
  if (device.reg_count < driver->regs) {
    m.skipped = *device.reg_problem ? device.reg_problem : "no usable reg";
    return m;
  }
  if (device.irq_count < driver->irqs) {
    m.skipped = *device.irq_problem ? device.irq_problem : "no interrupts";
    return m;
  }
  m.driver = driver;
  return m;
}

size_t probe_stage(dt::DeviceTree& tree, Stage stage, Report report) {
  size_t bound = 0;
  for (uint32_t i = 0; i < tree.count(); i++) {
    dt::Device& device = tree.device(i);
    if (device.driver) continue;
    Match m = match(device);
    if (!m.driver) {
      // A node some driver knows but cannot take is reported once, in the
      // last stage, so it is not repeated per stage.
      if (*m.skipped && stage == Stage::Normal && report && __builtin_strcmp(m.skipped, "disabled") != 0)
        report(device, nullptr, m.skipped, Error::None);
      continue;
    }
    if (m.driver->stage != stage) continue;
    Result<void> r = m.driver->probe(device);
    if (r) {
      device.driver = m.driver;
      bound++;
    } else if (r.error() != Error::NoDevice && report) {
      report(device, m.driver, "probe failed", r.error());
    }
  }
  return bound;
}

}  // namespace rivet::driver

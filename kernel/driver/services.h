// The kernel's use of the driver model (services.cc): building the device
// records from the firmware's tree and probing them stage by stage.
#pragma once

#include <stddef.h>

#include "kernel/driver/driver.h"
#include "kernel/dt/machine.h"

namespace rivet::driver {

// Builds the device records. `machine` is what discovery made of the same
// tree and must outlive the kernel (the console and the PLIC come from it).
Result<void> init(const dt::Machine& machine, const void* fdt, size_t bytes);

// Probes every node whose driver belongs to `stage`; returns how many bound.
size_t probe(Stage stage);

const dt::Machine& machine();

}  // namespace rivet::driver

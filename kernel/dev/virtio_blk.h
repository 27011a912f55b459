// virtio-blk over virtio-mmio (both the legacy version 1 interface QEMU
// uses by default and the version 2 interface), interrupt driven, with
// several requests in flight.
#pragma once

#include "kernel/dt/machine.h"
#include "kernel/lib/result.h"

namespace rivet::dev {

// Probes every virtio-mmio slot in the device tree, starts each block
// device found and registers it as a disk. Returns how many.
size_t virtio_blk_probe_all(const dt::Machine& machine, uint32_t plic_context);

}  // namespace rivet::dev

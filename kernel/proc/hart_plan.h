// Which harts Rivet runs on, and in what order: the boot hart first (any id,
// not necessarily 0), then every other hart the device tree marks usable
// (enabled, with an MMU that can run Sv39), in tree order. Hart ids may be
// sparse. Pure logic, unit-tested on the host.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/dt/machine.h"

namespace rivet {

struct HartPlanEntry {
  uint32_t hartid;
  bool sstc;
  uint32_t plic_context;  // dt::kNoContext if the tree gives none
};

// Fills at most `max` entries; returns how many. The boot hart is always
// entry 0, even if the tree does not list it (its timer then uses SBI).
size_t plan_harts(const dt::Machine& machine, uint32_t boot_hartid, HartPlanEntry* out, size_t max);

}  // namespace rivet

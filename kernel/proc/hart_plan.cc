#include "kernel/proc/hart_plan.h"

namespace rivet {

size_t plan_harts(const dt::Machine& machine, uint32_t boot_hartid, HartPlanEntry* out, size_t max) {
  if (max == 0) return 0;
  const dt::Hart* boot = machine.find_hart(boot_hartid);
  out[0] = HartPlanEntry{boot_hartid, boot && boot->sstc, boot ? boot->plic_s_context : dt::kNoContext};
  size_t n = 1;
  for (size_t i = 0; i < machine.hart_count && n < max; i++) {
    const dt::Hart& h = machine.harts[i];
    if (!h.usable()) continue;
    bool seen = false;
    for (size_t j = 0; j < n; j++) seen = seen || out[j].hartid == h.hartid;
    if (seen) continue;  // the boot hart, or a duplicate reg in a broken tree
    out[n++] = HartPlanEntry{h.hartid, h.sstc, h.plic_s_context};
  }
  return n;
}

}  // namespace rivet

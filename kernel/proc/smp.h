// Starting the other harts, inter-processor interrupts and remote TLB
// shootdown, all through SBI (HSM, IPI, RFENCE).
#pragma once

#include <stdint.h>

#include "kernel/dt/machine.h"
#include "kernel/lib/result.h"

namespace rivet::smp {

// Fills g_cpus from the device tree: the boot hart first, then every other
// hart that is enabled and has an MMU that can run Sv39. Harts without one
// (the S7/E51 monitor cores) are left alone.
void discover_cpus(const dt::Machine& machine, uint32_t boot_hartid);

// Starts every discovered hart with SBI HSM hart_start and waits for each to
// report in. Returns how many CPUs are online, the boot hart included.
uint32_t start_secondary_harts();

uint32_t online_count();

// IPIs. handle_ipi() runs on the receiving hart.
void handle_ipi();
Result<void> ping(uint32_t cpu_index);  // IPI one CPU; its counter goes up
void stop_other_harts();                 // for panic: park everyone else

// Flushes [va, va+size) from the TLBs of every online hart, this one too.
// size == 0 means everything.
void flush_tlb_everywhere(uint64_t va, uint64_t size);

}  // namespace rivet::smp

// The platform-level interrupt controller: routes device interrupts to
// harts. Each hart's S-mode context number comes from the device tree
// (interrupts-extended), never from a formula: it differs between boards.
#pragma once

#include <stdint.h>

#include "kernel/dt/machine.h"

namespace rivet::dev::plic {

using Handler = void (*)(uint32_t irq);

void init(const dt::Plic& desc);
// Accept interrupts on this hart's context (threshold 0).
void init_hart(uint32_t context);
// Route `irq` to `context` at priority 1 and call `handler` when it fires.
void enable(uint32_t irq, uint32_t context, Handler handler);
void disable(uint32_t irq, uint32_t context);
// Claims, dispatches and completes every pending interrupt for this hart.
void handle_interrupt();

}  // namespace rivet::dev::plic

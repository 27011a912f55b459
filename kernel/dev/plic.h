// The platform-level interrupt controller: routes device interrupts to
// harts. Each hart's S-mode context number comes from the device tree
// (interrupts-extended), never from a formula: it differs between boards.
#pragma once

#include <stdint.h>

#include "kernel/dt/machine.h"
#include "kernel/lib/result.h"

namespace rivet::dev::plic {

// Called with the interrupt number and the context given to enable().
using Handler = void (*)(uint32_t irq, void* context);

void init(const dt::Plic& desc);
// Accept interrupts on this hart's context (threshold 0).
void init_hart(uint32_t context);
// Route `irq` to `context` at priority 1 and call `handler(irq, handler_context)`
// when it fires. Invalid when there is no PLIC or the source is out of range.
Result<void> enable(uint32_t irq, uint32_t context, Handler handler, void* handler_context);
// Claims, dispatches and completes every pending interrupt for this hart.
void handle_interrupt();

}  // namespace rivet::dev::plic

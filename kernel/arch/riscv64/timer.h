// The per-hart tick. Each hart programs its own next deadline: through the
// stimecmp CSR where the hart has Sstc, else through SBI TIME (OpenSBI then
// uses the machine timer on our behalf).
#pragma once

#include <stdint.h>

namespace rivet::timer {

inline constexpr uint64_t kTicksPerSecond = 100;

// Records the timebase (from the device tree), once, on the boot hart.
void init(uint64_t timebase_hz);
// Starts this hart's tick; uses Sstc if `sstc`.
void init_hart(bool sstc);
void handle_interrupt();

uint64_t timebase_hz();
uint64_t now();                   // the time CSR, in timebase units
uint64_t uptime_ms();
const char* source_name(bool sstc);

}  // namespace rivet::timer

// Power off and reboot through SBI system reset.
#pragma once

namespace rivet::power {

// Shuts the machine down (QEMU exits). `failure` tells the firmware the
// system failed, for a panic. Never returns: if the firmware refuses, the
// hart parks itself.
[[noreturn]] void shutdown(bool failure = false);
[[noreturn]] void reboot();

}  // namespace rivet::power

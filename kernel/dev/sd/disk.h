// An SD card as one of the kernel's disks (mmcblk0, mmcblk1... in probe
// order): the controller drivers hand their sd::Host here, the card is
// identified and registered, so the GPT code finds root and swap on it.
#pragma once

#include <stdint.h>

#include "kernel/dev/sd/host.h"
#include "kernel/lib/result.h"

namespace rivet::sd {

// Identifies the card behind `host` (which must live forever) with its
// clock at most `max_hz`, logs what it found and registers it as a disk.
// Error::NoDevice when the slot is empty or nothing answers.
Result<void> attach_card(Host& host, uint32_t max_hz);

}  // namespace rivet::sd

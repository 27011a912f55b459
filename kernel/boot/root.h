// Which block device holds the root file system, and which the swap area:
// the policy (kernel/block/root.h: root= on the command line, else the first
// Rivet root partition on a real disk, else the initrd) applied to the disks
// the drivers registered, plus the initrd offered as the RAM disk ram0.
#pragma once

#include "kernel/block/block_device.h"
#include "kernel/dt/machine.h"
#include "kernel/lib/result.h"

namespace rivet::boot {

// When the boot loader passed an initrd (/chosen linux,initrd-start/-end),
// registers it as the disk ram0. Call after the drivers' disks.
void offer_initrd(const dt::Machine& machine);

// Chooses the root among every registered disk and its GPT partitions and
// says which and why on the console. NotFound (after saying why) when there
// is none.
Result<block::BlockDevice*> choose_root(const dt::Machine& machine);

// The first Linux-swap partition on a real disk (not the RAM disk), or
// nullptr. Valid after choose_root().
block::BlockDevice* swap_partition();

}  // namespace rivet::boot

// The swap area: a GPT partition (Linux swap type) divided into page-sized
// slots. A page evicted from a process is written to a slot and its PTE
// becomes a swap entry (not valid, RSW1 set, the slot number where the
// frame number was); the next touch reads it back.
#pragma once

#include <stdint.h>

#include "kernel/block/block_device.h"
#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"

namespace rivet::mm {

Result<void> swap_init(block::BlockDevice* partition);
bool swap_enabled();

Result<uint64_t> swap_write(PhysAddr page);           // allocates a slot
Result<void> swap_read(uint64_t slot, PhysAddr page);  // the slot stays allocated
// Slots are reference counted: fork gives the child the parent's swapped
// pages by sharing their slots (copy-on-write through swap); each swap-in
// takes a private copy and drops one reference.
void swap_free(uint64_t slot);
Result<void> swap_dup(uint64_t slot);

uint64_t swap_total_slots();
uint64_t swap_used_slots();

}  // namespace rivet::mm

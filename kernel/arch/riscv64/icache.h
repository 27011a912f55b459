// Instruction-cache coherence for user code. A RISC-V hart may run stale
// instructions from memory written as data (a program page read from the
// disk or swap, a copied copy-on-write page) until it executes fence.i.
// The kernel counts such writes; each hart fences once before its next
// return to user mode if the count moved since it last did, which also
// covers a process that moves to another hart.
#pragma once

namespace rivet::arch {

// A page that user code may execute was just (re)written.
void icache_new_user_code();
// Before returning to user mode on this hart (interrupts off).
void icache_sync_for_user();

}  // namespace rivet::arch

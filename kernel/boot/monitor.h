// The kernel monitor: a small command line on the console for inspecting a
// booted kernel (harts, memory, ticks), running the in-kernel self-tests and
// powering off. It is what the console offers when there is no user space.
#pragma once

namespace rivet::monitor {

[[noreturn]] void run();

// Executes one command line; returns false for an unknown command.
bool execute(const char* line);

}  // namespace rivet::monitor

// panic(): for broken kernel invariants only. Anything a user program, a
// disk image or a device tree can cause is an Error value instead.
#pragma once

#include <stdint.h>

namespace rivet {

[[noreturn]] void panic(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// Prints the call chain starting at frame pointer `fp` (the kernel keeps
// frame pointers for this).
void print_backtrace(uint64_t fp);

// Set once a panic starts; other harts stop when they see it.
extern volatile bool g_panicking;

}  // namespace rivet

#define RIVET_ASSERT(cond)                                                   \
  do {                                                                       \
    if (!(cond)) ::rivet::panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__); \
  } while (0)

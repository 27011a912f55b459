// The kernel log: formatted lines on the console. Safe from any hart; each
// call's output is written as one piece so lines from different harts do not
// interleave mid-line.
#pragma once

#include <stdarg.h>

namespace rivet {

void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprintf(const char* fmt, va_list args);

}  // namespace rivet

// printf-style formatting without libc, for the kernel log and panics.
// Pure logic: also compiled into the host unit tests.
//
// Supported: %% %c %s %d %i %u %x %X %o %p, flags '-' '0' ' ' '+' '#',
// width and precision (also '*'), length modifiers hh h l ll z t j.
#pragma once

#include <stdarg.h>
#include <stddef.h>

namespace rivet {

// Receives formatted output in pieces.
using FormatSink = void (*)(void* context, const char* text, size_t length);

void vformat(FormatSink sink, void* context, const char* fmt, va_list args);

// Formats into buf (always NUL-terminated when size > 0); returns the length
// the full output would have had, like snprintf.
size_t snformat(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
size_t vsnformat(char* buf, size_t size, const char* fmt, va_list args);

}  // namespace rivet

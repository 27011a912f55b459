// The kernel log: formatted messages on the console, also kept in a ring
// buffer (the last kLogRingBytes bytes since boot) that dmesg reads. Safe
// from any hart; each call's output reaches the console whole and
// uninterrupted by other kprintf calls, however long it is, so lines from
// different harts do not interleave mid-line.
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

namespace rivet {

inline constexpr size_t kLogRingBytes = 16384;

void kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void vkprintf(const char* fmt, va_list args);

// The ring: bytes [log_oldest(), log_total()) are held. log_copy copies up
// to n bytes from absolute position `from` and returns how many: 0 if
// `from` is no longer held (overwritten) or not yet written.
uint64_t log_total();
uint64_t log_oldest();
size_t log_copy(uint64_t from, char* out, size_t n);

}  // namespace rivet

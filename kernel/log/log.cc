#include "kernel/log/log.h"

#include "kernel/dev/console.h"  // up: messages are written to the console
#include "kernel/lib/format.h"
#include "kernel/lib/message_ring.h"
#include "kernel/sync/spinlock.h"

namespace rivet {
namespace {

// Guards the ring, and keeps one kprintf's chunks together on the console.
// Taken before the console's own lock, never after it.
Spinlock g_log_lock("kernel log", LockRank::KernelLog);
MessageRing<kLogRingBytes> g_ring;

// A message is formatted into a small buffer on the stack (kernel stacks
// are small) and written out a chunk at a time, so no message is ever cut.
struct Chunker {
  char buffer[192];
  size_t used = 0;
  bool keep = true;  // also into the ring (not after a panic: see vkprintf)
};

void flush(Chunker& c) {
  if (c.used == 0) return;
  console::write(c.buffer, c.used);
  if (c.keep) g_ring.append(c.buffer, c.used);
  c.used = 0;
}

void collect(void* context, const char* text, size_t length) {
  auto& c = *static_cast<Chunker*>(context);
  while (length > 0) {
    size_t room = sizeof c.buffer - c.used;
    size_t k = length < room ? length : room;
    for (size_t i = 0; i < k; i++) c.buffer[c.used + i] = text[i];
    c.used += k;
    text += k;
    length -= k;
    if (c.used == sizeof c.buffer) flush(c);
  }
}

}  // namespace

void vkprintf(const char* fmt, va_list args) {
  Chunker c;
  if (console::panic_mode()) {
    // The panicking hart may have been inside kprintf: take no lock, and
    // leave the ring alone (its state may be half-updated).
    c.keep = false;
    vformat(collect, &c, fmt, args);
    flush(c);
    return;
  }
  SpinlockGuard guard(g_log_lock);
  vformat(collect, &c, fmt, args);
  flush(c);
}

void kprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vkprintf(fmt, ap);
  va_end(ap);
}

uint64_t log_total() {
  SpinlockGuard guard(g_log_lock);
  return g_ring.total();
}

uint64_t log_oldest() {
  SpinlockGuard guard(g_log_lock);
  return g_ring.oldest();
}

size_t log_copy(uint64_t from, char* out, size_t n) {
  SpinlockGuard guard(g_log_lock);
  if (from < g_ring.oldest()) return 0;
  return g_ring.copy(from, out, n);
}

}  // namespace rivet

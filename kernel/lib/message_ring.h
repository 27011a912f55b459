// The kernel's message ring: the last Capacity bytes of everything kprintf
// printed since boot, for dmesg. Positions are absolute byte counts since
// boot, so a reader can tell which bytes are still held: [oldest(), total()).
// Older bytes are overwritten, whole messages or not.
//
// Pure logic with no locking (the kernel log holds its lock around every
// call): also compiled into the host unit tests.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rivet {

template <size_t Capacity>
class MessageRing {
  static_assert(Capacity > 0, "a ring holds at least one byte");

 public:
  void append(const char* text, size_t n) {
    // Only the last Capacity bytes of a very long message can stay.
    if (n > Capacity) {
      total_ += n - Capacity;
      text += n - Capacity;
      n = Capacity;
    }
    for (size_t i = 0; i < n; i++) data_[(total_ + i) % Capacity] = text[i];
    total_ += n;
  }

  uint64_t total() const { return total_; }
  uint64_t oldest() const { return total_ > Capacity ? total_ - Capacity : 0; }
  size_t held() const { return static_cast<size_t>(total_ - oldest()); }

  // Copies up to n bytes from absolute position `from` (moved up to
  // oldest() if those bytes are gone) into out; returns how many.
  size_t copy(uint64_t from, char* out, size_t n) const {
    if (from < oldest()) from = oldest();
    if (from >= total_) return 0;
    uint64_t available = total_ - from;
    if (n > available) n = static_cast<size_t>(available);
    for (size_t i = 0; i < n; i++) out[i] = data_[(from + i) % Capacity];
    return n;
  }

 private:
  char data_[Capacity] = {};
  uint64_t total_ = 0;
};

}  // namespace rivet

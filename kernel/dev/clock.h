// Time for drivers that poll: every wait on a device has a deadline, and a
// long wait gives the hart away now and then. In the kernel this is the
// timer's clock (pause() yields when called from a process); in host tests
// a fake clock that advances on every look, so a device that never answers
// ends a test in microseconds instead of hanging it.
//
// Pure: no kernel dependencies.
#pragma once

#include <stdint.h>

namespace rivet::dev {

// `ticks` of a clock running at `hz`, in microseconds. Not simply
// ticks * 10^6 / hz: that product wraps after 2^64 / 10^6 ticks (21 days at
// a 10 MHz timebase), and time would then jump back, leaving every deadline
// taken just before far in the future.
constexpr uint64_t ticks_to_us(uint64_t ticks, uint64_t hz) {
  return ticks / hz * 1'000'000 + ticks % hz * 1'000'000 / hz;
}

class Clock {
 public:
  virtual uint64_t now_us() = 0;
  // Called inside polling loops that may last long (a card busy after a
  // write, waiting for a card to leave its idle state).
  virtual void pause() {}
  // Waits at least `us` microseconds.
  void delay_us(uint64_t us) {
    uint64_t end = now_us() + us;
    while (now_us() < end) pause();
  }

 protected:
  ~Clock() = default;
};

}  // namespace rivet::dev

// A block of 32-bit device registers, reached through an interface so that
// a controller driver's logic runs unchanged against the real hardware (in
// the kernel: MMIO through the direct map) and against a register-level model
// of the controller (in the host unit tests).
//
// Pure: no kernel dependencies.
#pragma once

#include <stdint.h>

namespace rivet::dev {

class Registers {
 public:
  // `offset` is in bytes from the start of the block and 4-byte aligned.
  virtual uint32_t read32(uint32_t offset) = 0;
  virtual void write32(uint32_t offset, uint32_t value) = 0;

 protected:
  ~Registers() = default;
};

}  // namespace rivet::dev

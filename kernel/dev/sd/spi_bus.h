// An SPI bus with one device on it, as the SPI-mode SD host (spi_host.h)
// needs it. Implemented by the SiFive SPI controller driver, and by test
// models.
//
// Pure: no kernel dependencies.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/dev/clock.h"
#include "kernel/lib/result.h"

namespace rivet::sd {

class SpiBus {
 public:
  // The fastest SCK not above `hz`; returns the rate chosen.
  virtual Result<uint32_t> set_clock(uint32_t hz) = 0;
  // Asserts chip select and keeps it asserted across transfers until end():
  // one command with its response and data phase is one begin()/end().
  virtual void begin() = 0;
  virtual void end() = 0;
  // Full duplex: clocks out `n` bytes from `tx` (0xFF each if `tx` is
  // nullptr) and stores the bytes clocked in into `rx` (discarded if
  // nullptr). Error::TimedOut if the controller stops moving bytes.
  virtual Result<void> transfer(const uint8_t* tx, uint8_t* rx, size_t n) = 0;
  // Clocks `n` bytes of 0xFF with chip select not asserted where the
  // controller can (the >= 74 clocks a card needs after power-up).
  virtual Result<void> idle_clocks(size_t n) = 0;
  virtual dev::Clock& clock() = 0;
  virtual const char* name() const = 0;

 protected:
  ~SpiBus() = default;
};

}  // namespace rivet::sd

namespace rivet::sd {

// What an SPI controller's driver leaves in its device node's driver_data
// for the drivers of the devices on its bus (an mmc-spi-slot child): a bus
// to the device on one chip select.
class SpiController {
 public:
  virtual Result<SpiBus*> open(uint32_t chip_select, const char* device_name) = 0;

 protected:
  ~SpiController() = default;
};

}  // namespace rivet::sd

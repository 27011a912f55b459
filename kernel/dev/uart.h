// Console UART drivers. Three register models cover the boards: the 16550
// (QEMU virt, and the Synopsys DesignWare APB UART of the VisionFive 2, which
// is a 16550 with 4-byte register stride and a "busy" quirk) and SiFive's
// own UART (HiFive Unmatched and Unleashed).
#pragma once

#include <stdint.h>

#include "kernel/dt/device_tree.h"
#include "kernel/dt/machine.h"
#include "kernel/lib/result.h"

namespace rivet::dev {

class Uart {
 public:
  // Enables the FIFOs and the receive interrupt; leaves the line settings
  // (baud rate, framing) as the firmware programmed them.
  virtual void init() = 0;
  // How many bytes transmit() may be called with right now without waiting.
  virtual int transmit_space() = 0;
  virtual void transmit(uint8_t byte) = 0;
  virtual int receive() = 0;  // a byte, or -1 when the receive FIFO is empty
  // Asks for an interrupt once the transmitter can take more bytes.
  virtual void set_transmit_interrupt(bool enabled) = 0;
  // Clears interrupt causes that receive()/transmit() do not (line status,
  // the DesignWare busy-detect).
  virtual void acknowledge_interrupt() = 0;
  virtual const char* name() const = 0;

 protected:
  ~Uart() = default;  // drivers live in static storage and are never deleted
};

// The console UART's probe, shared by both families: binds `device` if it
// is the console discovery chose (Error::NoDevice otherwise), maps it,
// attaches the console to the driver `make` builds and routes its interrupt.
Result<void> bind_console_uart(dt::Device& device, Uart* (*make)(const dt::Uart&));

}  // namespace rivet::dev

// The SiFive SPI controller (`sifive,spi0`: FU540, FU740, and QEMU's
// sifive_u model of it) as the SPI bus under the SPI-mode SD host.
//
// Polled, one chip select, mode 0, 8-bit frames, MSB first. The driver
// never lets more than 8 bytes (the FIFO depth) be in flight: it pushes at
// most 8 transmit bytes, then collects every byte that came back before it
// pushes more. QEMU 7.2 shifts each TXDATA write out at once and drops a
// received byte when its RX FIFO already holds 8, so anything more eager
// loses data there; on silicon the same rule keeps the RX FIFO from
// overflowing while the hart is preempted.
//
// Chip select: HOLD from begin() to end(), AUTO otherwise, never OFF (QEMU
// asserts chip select for OFF; silicon releases it). Note the difference
// between the two for AUTO: QEMU deasserts chip select in AUTO, silicon
// asserts it around every frame. A transfer() outside begin()..end() thus
// reaches the card on silicon but not in QEMU; clocks meant to reach no
// device go through idle_clocks().
//
// Pure: no kernel dependencies. The registers are reached through
// dev::Registers (MMIO in the kernel, a model in the host tests).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/dev/clock.h"
#include "kernel/dev/registers.h"
#include "kernel/dev/sd/spi_bus.h"
#include "kernel/lib/result.h"

namespace rivet::dev {

class SifiveSpi final : public sd::SpiBus {
 public:
  // What set_clock() assumes the controller's input clock to be when the
  // device tree names none we can resolve (input_clock_hz == 0). It must not
  // be below any real input clock, or the SCK would run faster than asked:
  // the FU540's SPI runs on tlclk (coreclk / 2, 500 MHz at U-Boot's 1 GHz;
  // at most 750 MHz at the 1.5 GHz the core is rated for), the FU740's on
  // pclk (hfpclk / 2, about 130 MHz). 1 GHz stays above all of them with a
  // margin; the price is a slower bus (20 MHz asked gives 6.6 MHz on an
  // Unleashed, 400 kHz gives 200 kHz), never a card clocked too fast.
  static constexpr uint32_t kAssumedInputClockHz = 1'000'000'000;
  // The SD card's identification-phase limit; init() starts the bus here.
  static constexpr uint32_t kIdentificationClockHz = 400'000;
  // The largest divider the sckdiv field (bits 11:0) holds.
  static constexpr uint32_t kMaxDivider = 0xfff;
  // Both FIFOs are 8 entries deep.
  static constexpr size_t kFifoDepth = 8;
  // How long one wait for the FIFOs may last. One byte takes 200 us at
  // 40 kHz, far slower than any clock this driver picks; a controller that
  // has not moved in 10 ms is stuck.
  static constexpr uint64_t kFifoTimeoutUs = 10'000;
  // Register polls between two looks at the clock while waiting.
  static constexpr uint32_t kPollsPerClockLook = 64;

  // `regs`: the controller's register block. `input_clock_hz`: its input
  // clock, 0 if unknown. `chip_select`: the card's chip-select line (the
  // `reg` of the device tree's mmc-spi-slot child, 0 on every SiFive board).
  // `name`: for messages, e.g. "spi@10050000"; must outlive the object.
  SifiveSpi(Registers& regs, Clock& clock, uint32_t input_clock_hz, uint32_t chip_select, const char* name);

  // Puts the controller into the state this driver relies on, whatever the
  // firmware left: interrupts off, chip select AUTO with active-low
  // polarity, mode 0, 8-bit single-line frames that fill the RX FIFO, SCK at
  // most kIdentificationClockHz, and no stale received bytes. Error::Invalid
  // for a chip select the registers cannot name; Error::TimedOut if the
  // controller never empties its transmit FIFO.
  Result<void> init();

  // sd::SpiBus. When the input clock is unknown, the rate returned is the
  // one kAssumedInputClockHz would give: an upper bound of the real rate.
  // Error::Invalid for 0 Hz; Error::Range if even the largest divider is
  // faster than `hz`.
  Result<uint32_t> set_clock(uint32_t hz) override;
  void begin() override;
  void end() override;
  Result<void> transfer(const uint8_t* tx, uint8_t* rx, size_t n) override;
  // Clocks n bytes of 0xFF with the card deselected. Without OFF, which
  // QEMU gets wrong, the controller cannot clock with chip select simply
  // released; so, for these bytes only, the chip-select polarity (csdef) is
  // inverted while the mode stays AUTO: silicon then drives the line high
  // during each frame, which is what the card must see. QEMU only
  // re-evaluates chip select on csmode/csid writes and leaves it deasserted
  // throughout. Between frames silicon lets the line sit low for a moment,
  // without clocks, which a card ignores. Error::Busy inside begin()..end().
  Result<void> idle_clocks(size_t n) override;
  Clock& clock() override { return clock_; }
  const char* name() const override { return name_; }

  // The divider set_clock() programs for `hz` from `input_hz` (0 = unknown),
  // and the SCK rate it gives. Exposed for the tests and the boot log.
  struct Divider {
    uint32_t sckdiv;
    uint32_t rate_hz;
  };
  static Result<Divider> divider_for(uint32_t input_hz, uint32_t hz);

 private:
  Result<void> wait_transmit_room();
  Result<uint8_t> receive_byte();
  Result<void> wait_transmit_empty();
  Result<void> drain_receive_fifo();

  Registers& regs_;
  Clock& clock_;
  uint32_t input_clock_hz_;
  uint32_t chip_select_;
  const char* name_;
  // Every byte written to TXDATA has had its reply read (see transfer()).
  bool tx_known_empty_ = false;
  bool held_ = false;  // between begin() and end()
};

}  // namespace rivet::dev

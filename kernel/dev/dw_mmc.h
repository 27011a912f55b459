// Synopsys DesignWare Mobile Storage Host ("snps,dw-mshc"), the SD card
// controller of the StarFive JH7110 (VisionFive 2: mmc@16020000), driven
// with polled FIFO transfers (PIO): no interrupts, no DMA descriptors, no
// cache maintenance. Every wait has a deadline from the dev::Clock.
//
// The driver reaches the controller only through dev::Registers, so the same
// source runs on the board (MMIO) and in the host unit tests against a
// register-level model of the controller with an SD card behind it
// (tests/unit/dw_mmc_model.h).
//
// Pure: no kernel dependencies, no heap, no logging (errors are returned;
// the kernel glue logs them).
#pragma once

#include <stdint.h>

#include "kernel/dev/clock.h"
#include "kernel/dev/registers.h"
#include "kernel/dev/sd/host.h"
#include "kernel/lib/result.h"

namespace rivet::dev {

// How commands map onto the controller:
//  - every command uses the hold register (CMD bit 29); CMD0 carries the
//    80 initialisation clocks (bit 15), as does the first command after
//    reset(); CMD0 and CMD12 carry stop/abort (bit 14); every other command
//    but CMD13 waits for the previous data phase and card busy (bit 13);
//  - R3 is not CRC-checked (its CRC field is all ones);
//  - CMD18/CMD25 use the controller's auto-stop (bit 12): it sends CMD12
//    after BYTCNT bytes, and the driver waits for "auto command done" as
//    well as "data transfer over"; after a failed data phase the driver
//    sends CMD12 itself (with stop/abort) if the card may still be in a
//    data state, then resets the FIFO;
//  - data moves through the FIFO by polling STATUS's FIFO count (reads
//    drain what is counted, writes fill what is free); after a write the
//    driver waits for the card to release DAT0 (STATUS bit 9);
//  - errors: response timeout, data read timeout, busy too long, a command
//    never taken (start bit stuck, HLE) -> TimedOut; response CRC/error,
//    data CRC, start/end bit errors, FIFO under/overrun, host timeout ->
//    Io; card detect says empty -> NoDevice.
class DwMmcHost final : public sd::Host {
 public:
  // Card detect: the controller's own CDETECT input is not wired on the
  // VisionFive 2; the kernel reads the tree's cd-gpios instead and hands the
  // answer in through this function. nullptr: the slot always has a card.
  using CardDetect = bool (*)(void* context);

  // When the card-input clock (ciu) rate is not known, dividers are chosen
  // as if it ran at this rate, the fastest the JH7110 is believed to feed
  // the controller (*inf*): the card is then never clocked above the rate
  // asked for, only possibly below it.
  static constexpr uint32_t kAssumedCiuHz = 200'000'000;
  // The identification-mode clock reset() leaves the card on.
  static constexpr uint32_t kIdentificationHz = 400'000;
  // CLKDIV holds an 8-bit divider n per card: cclk = ciu / (2 n), n = 0
  // passes ciu through.
  static constexpr uint32_t kMaxDivider = 255;
  // Returned by divider_for() when even the largest divider is too fast.
  static constexpr uint32_t kNoDivider = 0xffff'ffff;

  // `ciu_hz`: the card-input clock rate (0 = unknown: kAssumedCiuHz).
  // `fifo_depth`: the device tree's fifo-depth in FIFO entries (0 = take it
  // from FIFOTH as the controller left it; see reset()).
  // The constructor touches no register.
  DwMmcHost(Registers& regs, Clock& clock, uint32_t ciu_hz, uint32_t fifo_depth,
            const char* name, CardDetect card_detect = nullptr,
            void* card_detect_context = nullptr);

  // Brings the controller from any state -- power-on reset values, or what
  // U-Boot left after booting from the card (internal DMA still selected,
  // card in transfer state on a 4-bit bus, clock running) -- to a known one:
  // reset, DMA off, interrupts masked and cleared, power on, 1-bit bus,
  // identification clock (<= 400 kHz). The card itself is not touched: the
  // card layer starts with CMD0, which this host sends with the
  // initialisation clocks.
  // Errors: TimedOut if a self-clearing reset bit or a clock update never
  // completes; NotSupported if the controller reports an unknown FIFO width.
  Result<void> reset();

  // sd::Host
  bool spi() const override { return false; }
  const char* name() const override { return name_; }
  Result<sd::Reply> command(const sd::Command& cmd) override;
  Result<void> set_clock(uint32_t hz) override;
  Result<void> set_bus_width(uint32_t lines) override;
  bool supports_bus_width(uint32_t lines) const override { return lines == 1 || lines == 4; }
  uint32_t max_blocks() const override { return kMaxBlocks; }
  bool card_present() override;
  Clock& clock() override { return clock_; }
  // The card clock set_clock() chose, when the ciu rate is known; 0 (the
  // host cannot tell) when it is only assumed, see card_clock_hz().
  uint32_t clock_hz() const override { return ciu_hz_ ? card_hz_ : 0; }

  // What reset() found and set_clock() chose, for the kernel's log line.
  uint32_t fifo_width_bytes() const { return fifo_width_; }
  uint32_t fifo_depth() const { return fifo_depth_; }
  // The card clock for the last set_clock(), computed with the ciu rate this
  // host assumes (kAssumedCiuHz when unknown): an upper bound of the truth.
  uint32_t card_clock_hz() const { return card_hz_; }

  // The divider n (cclk = ciu / 2n, 0 = ciu itself) for the fastest card
  // clock not above `hz`, or kNoDivider if ciu / (2 * kMaxDivider) > hz.
  static uint32_t divider_for(uint32_t ciu_hz, uint32_t hz);

  // Enough for 32 MiB of 512-byte blocks per command; BYTCNT (32 bits) would
  // take more, but a longer PIO transfer only holds the hart longer.
  static constexpr uint32_t kMaxBlocks = 65535;

 private:
  Result<void> reset_bits(uint32_t bits);
  Result<void> update_clock_registers();
  Result<void> wait_command_taken();
  Result<sd::Reply> run_command(const sd::Command& cmd, uint32_t flags);
  Result<void> transfer_data(const sd::Data& data, bool multi_block);
  Result<void> read_fifo(const sd::Data& data);
  Result<void> write_fifo(const sd::Data& data);
  Result<void> wait_data_over(bool auto_stop);
  Result<void> wait_not_busy(uint64_t timeout_us);
  Result<void> recover_from_data_error(bool stop_card);
  Error data_error(uint32_t status) const;
  uint32_t read_fifo_entry(uint8_t* out);
  void write_fifo_entry(const uint8_t* in);

  Registers& regs_;
  Clock& clock_;
  uint32_t ciu_hz_;            // as given (0 = unknown)
  uint32_t fifo_depth_;        // entries
  uint32_t fifo_width_ = 4;    // bytes per FIFO entry: 2, 4 or 8
  uint32_t data_offset_ = 0x200;
  uint32_t card_hz_ = 0;
  const char* name_;
  CardDetect card_detect_;
  void* card_detect_context_;
  bool send_init_ = true;      // the next command gets the 80 initialisation clocks
  bool fifo_depth_from_tree_;
};

// Turns on the bus (AHB) and card clocks of JH7110 SD/MMC controller
// `instance` (0: mmc@16010000, the eMMC slot; 1: mmc@16020000, the SD slot)
// and releases its reset, through the system clock-and-reset generator
// (syscrg, 0x13020000). Leaves what is already on alone, so it is harmless
// after U-Boot. Errors: Invalid for an instance other than 0 or 1;
// TimedOut if the reset status never shows the reset released.
Result<void> jh7110_enable_sdio_clocks(Registers& syscrg, Clock& clock, uint32_t instance);

}  // namespace rivet::dev

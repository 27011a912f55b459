// The SPI-mode SD host: the SD protocol's SPI framing (SD Physical Layer
// Simplified Spec, chapter 7) over any SpiBus. sd::Card drives it like any
// other Host.
//
// What it does on the wire, per command, inside one chip-select hold
// (bus.begin() .. bus.end()):
//   - one 0xFF byte first (and a wait while the card still signals busy),
//   - the 6-byte frame 01iiiiii aaaaaaaa x4 ccccccc1, always with a correct
//     CRC7 (the card checks it once CMD59 turned checking on),
//   - up to kResponseBytes bytes for R1 (the first byte with bit 7 clear),
//   - the R2 / R3 / R7 trailer, or the R1b busy wait,
//   - the data phase: per block a start token, the block, its CRC16 (checked
//     on reads); on writes the card's data-response token and busy wait,
//   - for CMD18 the stop (CMD12, its stuff byte, R1b); for CMD25 the stop
//     token 0xFD and the busy wait that follows.
// CMD0 is preceded by >= 74 clocks with chip select released, which puts a
// card that just powered up (or lost sync) into a state where it listens.
//
// Errors (the Host contract): no R1, no data token, busy too long, no data
// response: TimedOut. Bad data CRC, a data error token, a rejected write, or
// an R1 with any bit set on a command that has a data phase: Io. Otherwise
// the Reply carries R1 and the card layer judges its bits.
//
// Pure: no kernel dependencies; every wait has a deadline on bus.clock().
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/dev/sd/host.h"
#include "kernel/dev/sd/spi_bus.h"

namespace rivet::sd {

// R1 (SPI mode), spec 7.3.2.1.
namespace r1 {
inline constexpr uint8_t kIdle = 0x01;
inline constexpr uint8_t kEraseReset = 0x02;
inline constexpr uint8_t kIllegalCommand = 0x04;
inline constexpr uint8_t kCommandCrcError = 0x08;
inline constexpr uint8_t kEraseSequenceError = 0x10;
inline constexpr uint8_t kAddressError = 0x20;
inline constexpr uint8_t kParameterError = 0x40;
// The bits that say a command was refused.
inline constexpr uint8_t kErrors =
    kIllegalCommand | kCommandCrcError | kEraseSequenceError | kAddressError | kParameterError;
}  // namespace r1

class SpiHost final : public Host {
 public:
  // Bytes to wait for R1 or a data response. The spec allows 8 (Ncr); a
  // little slack costs nothing when a card is present.
  static constexpr int kResponseBytes = 16;
  // Read access: at most 100 ms for SDHC/SDXC (spec 4.6.2.1); SDSC cards
  // state less in their CSD. Writes: 250 ms for SDHC, 500 ms for SDXC.
  static constexpr uint64_t kReadTimeoutUs = 250'000;
  static constexpr uint64_t kBusyTimeoutUs = 500'000;
  // The longest CMD18/CMD25 run by default. The SPI wire has no limit; this
  // bounds how long one command holds the bus.
  static constexpr uint32_t kDefaultMaxBlocks = 128;

  explicit SpiHost(SpiBus& bus, uint32_t max_blocks = kDefaultMaxBlocks)
      : bus_(bus), max_blocks_(max_blocks ? max_blocks : 1) {}

  bool spi() const override { return true; }
  const char* name() const override { return bus_.name(); }
  Result<Reply> command(const Command& cmd) override;
  Result<void> set_clock(uint32_t hz) override;
  Result<void> set_bus_width(uint32_t lines) override;
  bool supports_bus_width(uint32_t lines) const override { return lines == 1; }
  uint32_t max_blocks() const override { return max_blocks_; }
  dev::Clock& clock() override { return bus_.clock(); }
  uint32_t clock_hz() const override { return clock_hz_; }

 private:
  Result<uint8_t> exchange(uint8_t out = 0xFF);
  Result<void> wait_ready_for_command();
  Result<void> send_frame(uint8_t index, uint32_t argument);
  Result<uint8_t> wait_r1();
  Result<uint8_t> wait_response_byte();
  Result<void> wait_not_busy();
  Result<void> read_trailer(const Command& cmd, Reply& reply);
  Result<void> read_data(const Command& cmd);
  Result<void> read_block(uint8_t* block, uint32_t size);
  Result<void> write_data(const Command& cmd);
  Result<void> write_block(uint8_t token, const uint8_t* block, uint32_t size);
  Result<void> stop_transmission();

  SpiBus& bus_;
  uint32_t max_blocks_;
  uint32_t clock_hz_ = 0;
};

}  // namespace rivet::sd

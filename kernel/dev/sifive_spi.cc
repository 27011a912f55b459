#include "kernel/dev/sifive_spi.h"

namespace rivet::dev {
namespace {

// Register offsets (bytes). Every access is 32 bits wide.
constexpr uint32_t kSckDiv = 0x00;   // f_sck = f_in / (2 * (div + 1))
constexpr uint32_t kSckMode = 0x04;  // bit 0 CPHA, bit 1 CPOL
constexpr uint32_t kCsId = 0x10;
constexpr uint32_t kCsDef = 0x14;    // per line: its inactive level
constexpr uint32_t kCsMode = 0x18;
constexpr uint32_t kFmt = 0x40;
constexpr uint32_t kTxData = 0x48;
constexpr uint32_t kRxData = 0x4c;
constexpr uint32_t kTxMark = 0x50;
constexpr uint32_t kIe = 0x70;
constexpr uint32_t kIp = 0x74;

constexpr uint32_t kCsModeAuto = 0;
constexpr uint32_t kCsModeHold = 2;
// kCsModeOff (3) is deliberately absent: QEMU asserts chip select for it.

constexpr uint32_t kSckModeZero = 0;  // CPOL 0, CPHA 0: what SD cards speak

// fmt: proto [1:0] = 0 single line, endian [2] = 0 MSB first, dir [3] = 0
// (received bytes go to the RX FIFO; 1 would leave it empty), len [19:16].
constexpr uint32_t kFmtBitsPerFrameShift = 16;
constexpr uint32_t kFmtEightBitFrames = 8u << kFmtBitsPerFrameShift;

constexpr uint32_t kTxDataFull = 1u << 31;
constexpr uint32_t kRxDataEmpty = 1u << 31;
constexpr uint32_t kRxDataByte = 0xff;
constexpr uint32_t kIpTxWatermark = 1u << 0;
// With txmark = 1 the TX watermark is pending exactly when the TX FIFO is
// empty (pending means "fewer entries than txmark").
constexpr uint32_t kTxMarkEmpty = 1;

constexpr uint32_t kCsLines = 32;  // csid and csdef are 32-bit registers
constexpr uint8_t kIdleByte = 0xff;

// After the TX FIFO empties, the last byte may still be in the shift
// register; firmware may have left the clock slow. 1 ms covers a byte down
// to 8 kHz, so no byte arrives after init() drained the RX FIFO.
constexpr uint64_t kShiftSettleUs = 1000;

// Calls `ready` until it returns true; Error::TimedOut once kFifoTimeoutUs
// have passed. The clock is only looked at when the controller is not ready
// at once, and then every kPollsPerClockLook polls: reading the time may
// trap to the firmware on SiFive cores, which costs more than a byte at
// 20 MHz. After the deadline the register is tried once more, so a hart
// preempted past it does not fail a controller that did answer.
template <typename Ready>
Result<void> poll_until(Clock& clock, Ready ready) {
  if (ready()) return {};
  uint64_t deadline = clock.now_us() + SifiveSpi::kFifoTimeoutUs;
  for (;;) {
    for (uint32_t i = 0; i < SifiveSpi::kPollsPerClockLook; i++)
      if (ready()) return {};
    if (clock.now_us() >= deadline) return ready() ? Result<void>{} : Result<void>{Error::TimedOut};
  }
}

}  // namespace

SifiveSpi::SifiveSpi(Registers& regs, Clock& clock, uint32_t input_clock_hz, uint32_t chip_select,
                     const char* name)
    : regs_(regs), clock_(clock), input_clock_hz_(input_clock_hz), chip_select_(chip_select), name_(name) {}

Result<SifiveSpi::Divider> SifiveSpi::divider_for(uint32_t input_hz, uint32_t hz) {
  if (hz == 0) return Error::Invalid;
  uint64_t input = input_hz ? input_hz : kAssumedInputClockHz;
  // The smallest div with input / (2 * (div + 1)) <= hz, i.e.
  // div + 1 = ceil(input / (2 * hz)): the fastest rate not above hz.
  uint64_t twice = 2 * uint64_t{hz};
  uint64_t steps = (input + twice - 1) / twice;
  uint64_t div = steps - 1;
  if (div > kMaxDivider) return Error::Range;
  return Divider{static_cast<uint32_t>(div), static_cast<uint32_t>(input / (2 * steps))};
}

Result<void> SifiveSpi::init() {
  if (chip_select_ >= kCsLines) return Error::Invalid;
  held_ = false;
  regs_.write32(kIe, 0);  // polled: the interrupt line stays quiet
  // Let whatever the firmware left in flight finish before the format, the
  // clock and chip select change under it.
  regs_.write32(kTxMark, kTxMarkEmpty);
  TRY(wait_transmit_empty());
  clock_.delay_us(kShiftSettleUs);

  regs_.write32(kCsMode, kCsModeAuto);
  regs_.write32(kCsId, chip_select_);
  // Active low: the line's inactive level is high. Other lines keep theirs.
  regs_.write32(kCsDef, regs_.read32(kCsDef) | 1u << chip_select_);
  regs_.write32(kSckMode, kSckModeZero);
  regs_.write32(kFmt, kFmtEightBitFrames);
  TRY(set_clock(kIdentificationClockHz));
  return drain_receive_fifo();
}

Result<uint32_t> SifiveSpi::set_clock(uint32_t hz) {
  auto divider = TRY(divider_for(input_clock_hz_, hz));
  regs_.write32(kSckDiv, divider.sckdiv);
  return divider.rate_hz;
}

void SifiveSpi::begin() {
  regs_.write32(kCsMode, kCsModeHold);
  held_ = true;
}

void SifiveSpi::end() {
  regs_.write32(kCsMode, kCsModeAuto);
  held_ = false;
}

Result<void> SifiveSpi::transfer(const uint8_t* tx, uint8_t* rx, size_t n) {
  size_t done = 0;
  while (done < n) {
    // At most a FIFO's worth in flight: QEMU moves each byte as it is
    // written and would drop the ninth unread reply.
    size_t chunk = n - done < kFifoDepth ? n - done : kFifoDepth;
    // Every byte sent before has had its reply collected, so it has left the
    // transmit FIFO: the FIFO is empty and takes a whole chunk unchecked
    // (one register access per byte fewer). Only the first chunk after
    // init() or a timeout could meet a FIFO that is still draining.
    for (size_t i = 0; i < chunk; i++) {
      if (!tx_known_empty_) TRY(wait_transmit_room());
      regs_.write32(kTxData, tx ? tx[done + i] : kIdleByte);
    }
    tx_known_empty_ = false;
    for (size_t i = 0; i < chunk; i++) {
      uint8_t byte = TRY(receive_byte());
      if (rx) rx[done + i] = byte;
    }
    tx_known_empty_ = true;
    done += chunk;
  }
  return {};
}

Result<void> SifiveSpi::idle_clocks(size_t n) {
  if (held_) return Error::Busy;
  uint32_t csdef = regs_.read32(kCsDef);
  uint32_t line = 1u << chip_select_;
  // The mode is AUTO here, so QEMU's line is already deasserted and stays
  // so; silicon now drives it high (inactive for the card) in each frame.
  regs_.write32(kCsDef, csdef & ~line);
  auto sent = transfer(nullptr, nullptr, n);
  // Restored even after a timeout: QEMU ignores csmode writes for a line
  // whose csdef bit is clear, so begin() would stop working.
  regs_.write32(kCsDef, csdef | line);
  return sent;
}

Result<void> SifiveSpi::wait_transmit_room() {
  return poll_until(clock_, [&] { return (regs_.read32(kTxData) & kTxDataFull) == 0; });
}

Result<uint8_t> SifiveSpi::receive_byte() {
  uint32_t value = 0;
  // One read both tests and pops: never read RXDATA just to look.
  TRY(poll_until(clock_, [&] {
    value = regs_.read32(kRxData);
    return (value & kRxDataEmpty) == 0;
  }));
  return static_cast<uint8_t>(value & kRxDataByte);
}

Result<void> SifiveSpi::wait_transmit_empty() {
  return poll_until(clock_, [&] { return (regs_.read32(kIp) & kIpTxWatermark) != 0; });
}

Result<void> SifiveSpi::drain_receive_fifo() {
  // Nothing is being sent any more, so at most a FIFO's worth is waiting. A
  // controller that keeps producing bytes is broken.
  for (size_t i = 0; i <= kFifoDepth; i++)
    if (regs_.read32(kRxData) & kRxDataEmpty) return {};
  return Error::Io;
}

}  // namespace rivet::dev

#ifndef RIVET_HOST_TEST
// ---- The driver: binding `sifive,spi0` nodes ----------------------------------
#include "kernel/driver/driver.h"
#include "kernel/mm/kmalloc.h"

namespace rivet::dev {
namespace {

// A controller's registers, shared by the buses opened on its chip selects
// (SiFive boards put one device, the SD slot, on chip select 0).
class SifiveSpiController final : public sd::SpiController {
 public:
  SifiveSpiController(Registers& regs, const char* name) : regs_(regs), name_(name) {}
  Result<sd::SpiBus*> open(uint32_t chip_select, const char*) override {
    // The input clock (PRCI tlclk/pclk) is computed from PLL registers, not
    // given in the tree: the driver assumes a rate no board exceeds.
    SifiveSpi* bus = TRY(knew<SifiveSpi>(regs_, driver::clock(), 0u, chip_select, name_));
    if (auto r = bus->init(); !r) {
      kdelete(bus);
      return r.error();
    }
    return static_cast<sd::SpiBus*>(bus);
  }

 private:
  Registers& regs_;
  const char* name_;
};

}  // namespace
}  // namespace rivet::dev

namespace rivet::driver {

Result<void> probe_sifive_spi(dt::Device& device) {
  dev::Registers* regs = TRY(map_registers(device, 0));
  auto* controller = TRY(knew<dev::SifiveSpiController>(*regs, device.name()));
  device.driver_data = static_cast<sd::SpiController*>(controller);
  return {};
}

}  // namespace rivet::driver
#endif  // RIVET_HOST_TEST

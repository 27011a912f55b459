// The SiFive boards' SD stack put together on the host, every layer the
// kernel's own source:
//   sd::Card -> sd::SpiHost -> dev::SifiveSpi -> SiFive SPI controller model
//   (QEMU 7.2's, sifive_spi_model.h) -> a simulated SPI-mode SD card
//   (sd_sim.h's SpiCard, behind chip select 0 through a small adapter).
// sd_test.cc runs the card layer on the simulated card directly as its bus
// and sifive_spi_test.cc the controller driver on an echo device; here the
// bytes really cross the controller's FIFOs and chip-select logic, so these
// tests prove the layers agree: chip select held for exactly one command,
// no byte dropped by the 8-entry FIFOs, >= 74 clocks with the card
// deselected before CMD0, the clock limits, addressing, and QEMU's CMD0
// quirk for a card U-Boot left in transfer state.
#include <gtest/gtest.h>
#include <string.h>

#include <memory>
#include <set>
#include <vector>

#include "tests/unit/sd_pattern.h"
#include "kernel/dev/sd/card.h"
#include "kernel/dev/sd/spi_host.h"
#include "kernel/dev/sifive_spi.h"
#include "tests/unit/sd_sim.h"
#include "tests/unit/sifive_spi_model.h"

namespace rivet {
namespace {

using sd::sim::CardConfig;
using sd::sim::CardModel;
using sd::sim::FakeClock;
using sd::sim::SpiCard;
using test::SifiveSpiModel;

constexpr uint32_t kSector = 512;
constexpr uint32_t kFmtEightBitFrames = 8u << 16;
// The tree's spi-max-frequency on every SiFive board (mmc_spi.cc takes it).
constexpr uint32_t kSlotMaxHz = 20'000'000;

// The simulated card as a device behind the controller model: chip select
// asserted by the controller = the card's begin(), released = end(), and
// each frame one byte each way. The card counts a byte clocked while it is
// not selected, or a select without a release, as a protocol violation.
class CardOnChipSelect0 final : public test::SpiDevice {
 public:
  explicit CardOnChipSelect0(SpiCard& card) : card_(card) {}
  void select(bool selected) override {
    if (selected)
      card_.begin();
    else
      card_.end();
  }
  uint8_t exchange(uint8_t mosi) override {
    uint8_t miso = 0xFF;
    (void)card_.transfer(&mosi, &miso, 1);
    return miso;
  }

 private:
  SpiCard& card_;
};

// `input_hz` is what the driver is told about the controller's input clock
// (the kernel tells it 0: unknown); `real_input_hz` what the model's frames
// are judged against.
struct Stack {
  Stack(const Stack&) = delete;
  explicit Stack(const CardConfig& config, SifiveSpiModel::Options options = {}, uint32_t input_hz = 0)
      : card(config),
        card_face(card, clock),
        device(card_face),
        controller(device, options),
        spi(controller, clock, input_hz, 0, "spi@10050000"),
        host(spi),
        sd(host, "mmcblk0") {}

  // What the kernel's probes do: sifive_spi's open() (init), then mmc_spi's
  // attach with the slot's spi-max-frequency.
  Result<void> bring_up(uint32_t max_hz = kSlotMaxHz) {
    TRY(spi.init());
    return sd.init(max_hz);
  }

  bool holds(uint64_t sector, const uint8_t* bytes, uint32_t count) const {
    for (uint32_t i = 0; i < count; i++) {
      std::vector<uint8_t> stored = card.peek(sector + i);
      if (memcmp(stored.data(), bytes + uint64_t{i} * kSector, kSector) != 0) return false;
    }
    return true;
  }

  FakeClock clock;
  CardModel card;
  SpiCard card_face;
  CardOnChipSelect0 device;
  SifiveSpiModel controller;
  dev::SifiveSpi spi;
  sd::SpiHost host;
  sd::Card sd;
};

CardConfig sdhc() {
  CardConfig config;
  config.sdhc = true;
  config.bytes = 4ull << 30;
  return config;
}

// 950 MiB, version 1 CSD: byte addresses.
CardConfig sdsc() {
  CardConfig config;
  config.sdhc = false;
  config.c_size = 3799;
  config.c_size_mult = 7;
  config.read_bl_len = 9;
  config.product = "SD01G";
  return config;
}

using sd::test::pattern;

uint64_t sck_hz(uint64_t input_hz, uint32_t sckdiv) { return input_hz / (2 * (uint64_t{sckdiv} + 1)); }

// Everything the controller model and the card saw was clean: no dropped
// or lost byte, no csmode OFF, no bad register access, only 8-bit mode 0
// frames, no protocol violation on the card's side, one chip-select span
// per card transaction, and every frame the card saw was one silicon would
// also have selected it for (and the deselected ones deselected there too).
void expect_clean(const Stack& s) {
  EXPECT_EQ(s.controller.rx_dropped(), 0u);
  EXPECT_EQ(s.controller.tx_lost(), 0u);
  EXPECT_FALSE(s.controller.off_written());
  for (const auto& v : s.controller.violations()) ADD_FAILURE() << "controller model: " << v;
  EXPECT_EQ(s.card.protocol_violations, 0);
  EXPECT_EQ(s.controller.spans().size(), size_t(s.card_face.transactions));
  for (const auto& f : s.controller.frames()) {
    ASSERT_EQ(f.fmt, kFmtEightBitFrames);
    ASSERT_EQ(f.sckmode, 0u);
    ASSERT_EQ(f.selected, f.silicon_selected);
  }
}

// Reads and writes single sectors, runs (split at SpiHost's 128 blocks),
// scattered pages and the last sector, all compared with the card's store.
void exercise(Stack& s) {
  const uint64_t last = s.sd.sector_count() - 1;
  std::vector<uint8_t> buffer(300 * kSector);
  for (uint64_t sector : {uint64_t{0}, uint64_t{5}, last}) {
    ASSERT_TRUE(s.sd.read(sector, buffer.data(), 1).ok()) << sector;
    EXPECT_TRUE(s.holds(sector, buffer.data(), 1)) << sector;
  }
  ASSERT_TRUE(s.sd.read(1000, buffer.data(), 16).ok());
  EXPECT_TRUE(s.holds(1000, buffer.data(), 16));

  std::vector<uint8_t> one = pattern(kSector, 1);
  std::vector<uint8_t> before = s.card.peek(6), after = s.card.peek(8);
  ASSERT_TRUE(s.sd.write(7, one.data(), 1).ok());
  EXPECT_TRUE(s.holds(7, one.data(), 1));
  EXPECT_EQ(s.card.peek(6), before);
  EXPECT_EQ(s.card.peek(8), after);

  // 200 sectors: two commands (128 + 72) each way.
  std::vector<uint8_t> many = pattern(200 * kSector, 2);
  int writes_before = s.card.count(25);
  ASSERT_TRUE(s.sd.write(2000, many.data(), 200).ok());
  EXPECT_TRUE(s.holds(2000, many.data(), 200));
  EXPECT_EQ(s.card.count(25) - writes_before, 2);
  ASSERT_TRUE(s.sd.read(2000, buffer.data(), 200).ok());
  EXPECT_EQ(memcmp(buffer.data(), many.data(), many.size()), 0);

  std::vector<std::unique_ptr<uint8_t[]>> storage;
  for (int i = 0; i < 3; i++) storage.push_back(std::make_unique<uint8_t[]>(4096));
  void* pages[3] = {storage[2].get(), storage[0].get(), storage[1].get()};
  ASSERT_TRUE(s.sd.read_pages(2000, pages, 3).ok());
  for (int i = 0; i < 3; i++)
    EXPECT_EQ(memcmp(pages[i], many.data() + 8 * kSector * i, 4096), 0) << "page " << i;

  std::vector<uint8_t> tail = pattern(kSector, 3);
  ASSERT_TRUE(s.sd.write(last, tail.data(), 1).ok());
  EXPECT_TRUE(s.holds(last, tail.data(), 1));
  EXPECT_TRUE(s.sd.ready());
}

// Proves: an SDHC card is identified through the whole SiFive chain as the
// kernel sets it up (input clock unknown, slot limit 20 MHz): block
// addressing from CCS, capacity, CID; CMD0 follows >= 74 clocks sent with
// the card deselected (in QEMU and on silicon); identification frames run at
// <= 400 kHz and the rest at <= 20 MHz for any real input clock up to the
// assumed 1 GHz; CRC checking is turned on; every command is one chip-select
// hold.
TEST(SifiveSpiCard, IdentifySdhc) {
  Stack s(sdhc());
  ASSERT_TRUE(s.bring_up().ok());
  const sd::CardInfo& info = s.sd.info();
  EXPECT_EQ(info.kind, sd::CardKind::Sdhc);
  EXPECT_TRUE(info.block_addressed);
  EXPECT_TRUE(info.version2);
  EXPECT_EQ(info.sectors, (4ull << 30) / kSector);
  EXPECT_STREQ(info.product, "SD16G");
  EXPECT_EQ(info.bus_width, 1u);
  EXPECT_LE(info.clock_hz, kSlotMaxHz);
  EXPECT_TRUE(s.card.crc_on);
  EXPECT_TRUE(s.card.hcs_seen);
  EXPECT_EQ(s.card.count(0), 1);
  EXPECT_EQ(s.card.count(16), 0);

  const auto& frames = s.controller.frames();
  size_t first_selected = 0;
  while (first_selected < frames.size() && !frames[first_selected].selected) first_selected++;
  ASSERT_LT(first_selected, frames.size());
  EXPECT_GE(first_selected * 8, 74u);  // idle clocks before the first command
  for (size_t i = 0; i < first_selected; i++) {
    EXPECT_EQ(frames[i].mosi, 0xFF);
    EXPECT_FALSE(frames[i].silicon_selected);
  }
  // The first frame of CMD0 (0x40) at <= 400 kHz whatever the input clock.
  ASSERT_EQ(frames[first_selected + 1].mosi, 0x40);  // after SpiHost's 0xFF
  EXPECT_LE(sck_hz(dev::SifiveSpi::kAssumedInputClockHz, frames[first_selected].sckdiv), 400'000u);
  // Two clocks only: identification and, once a sector was read, transfer;
  // none above its limit.
  std::vector<uint8_t> buffer(kSector);
  ASSERT_TRUE(s.sd.read(3, buffer.data(), 1).ok());
  EXPECT_TRUE(s.holds(3, buffer.data(), 1));
  std::set<uint32_t> dividers;
  for (const auto& f : frames) dividers.insert(f.sckdiv);
  EXPECT_EQ(dividers.size(), 2u);
  for (uint32_t d : dividers)
    EXPECT_LE(sck_hz(dev::SifiveSpi::kAssumedInputClockHz, d), kSlotMaxHz);
  EXPECT_EQ(frames.back().sckdiv, *dividers.begin());  // ends on the fast one
  expect_clean(s);
}

// Proves: an SDSC card gets CMD16 and byte addresses: every CMD17/CMD24
// argument is the sector times 512, and the data is where it belongs.
TEST(SifiveSpiCard, IdentifySdscByteAddresses) {
  Stack s(sdsc());
  ASSERT_TRUE(s.bring_up().ok());
  EXPECT_EQ(s.sd.info().kind, sd::CardKind::Sdsc);
  EXPECT_FALSE(s.sd.info().block_addressed);
  EXPECT_EQ(s.sd.info().sectors, 3800u * 512);
  EXPECT_EQ(s.card.count(16), 1);
  std::vector<uint8_t> buffer(kSector);
  ASSERT_TRUE(s.sd.read(1234, buffer.data(), 1).ok());
  EXPECT_TRUE(s.holds(1234, buffer.data(), 1));
  EXPECT_EQ(s.card.arguments(17).back(), 1234u * 512);
  std::vector<uint8_t> data = pattern(kSector, 4);
  ASSERT_TRUE(s.sd.write(4321, data.data(), 1).ok());
  EXPECT_EQ(s.card.arguments(24).back(), 4321u * 512);
  EXPECT_TRUE(s.holds(4321, data.data(), 1));
  expect_clean(s);
}

// Proves: read/write round trips (single, runs split at 128 blocks, scattered
// pages, last sector) for SDHC and SDSC, with QEMU's timing (bytes move on
// the TXDATA write) and silicon-like timing (the controller shifts in its
// own time), with a real card's busy signalling and QEMU's card that sends
// no busy bytes, and for real input clocks of 500 MHz (FU540 tlclk) or
// 130 MHz (FU740 pclk): the driver never lets the RX FIFO overflow.
TEST(SifiveSpiCard, RoundTrips) {
  for (bool high_capacity : {true, false}) {
    for (uint32_t ticks : {0u, 3u}) {
      for (int busy : {5, 0}) {
        CardConfig config = high_capacity ? sdhc() : sdsc();
        config.write_busy_bytes = busy;
        Stack s(config, {.num_cs = 1, .ticks_per_byte = ticks});
        ASSERT_TRUE(s.bring_up().ok());
        SCOPED_TRACE(testing::Message() << "sdhc " << high_capacity << " ticks " << ticks << " busy " << busy);
        exercise(s);
        expect_clean(s);
      }
    }
  }
}

// Proves: with the input clock known to the driver, the slot's 20 MHz and
// the 400 kHz identification limit hold at the real rate too.
TEST(SifiveSpiCard, KnownInputClock) {
  for (uint32_t input : {500'000'000u, 130'000'000u}) {
    Stack s(sdhc(), {}, input);
    ASSERT_TRUE(s.bring_up().ok());
    std::vector<uint8_t> buffer(4 * kSector);
    ASSERT_TRUE(s.sd.read(77, buffer.data(), 4).ok());
    EXPECT_TRUE(s.holds(77, buffer.data(), 4));
    const auto& frames = s.controller.frames();
    EXPECT_LE(sck_hz(input, frames.front().sckdiv), 400'000u);
    for (const auto& f : frames) EXPECT_LE(sck_hz(input, f.sckdiv), kSlotMaxHz);
    // The rate the card layer reports is the one on the wire.
    EXPECT_EQ(s.sd.info().clock_hz, sck_hz(input, frames.back().sckdiv));
    expect_clean(s);
  }
}

// Proves the QEMU quirk is handled through the controller: a card U-Boot
// left in transfer state answers the first CMD0 with 0x00 instead of
// "idle"; the card layer sends CMD0 again, gets 0x01 and identifies the
// card, SDHC and SDSC, with both timings; data then moves.
TEST(SifiveSpiCard, QemuCmd0NotIdleQuirk) {
  for (bool high_capacity : {true, false}) {
    for (uint32_t ticks : {0u, 3u}) {
      CardConfig config = high_capacity ? sdhc() : sdsc();
      config.starts_in_use = true;
      config.cmd0_not_idle_quirk = true;
      config.write_busy_bytes = 0;  // QEMU's card
      Stack s(config, {.num_cs = 1, .ticks_per_byte = ticks});
      ASSERT_TRUE(s.bring_up().ok()) << high_capacity << " " << ticks;
      EXPECT_EQ(s.card.count(0), 2);
      EXPECT_EQ(s.sd.info().block_addressed, high_capacity);
      std::vector<uint8_t> data = pattern(3 * kSector, 5);
      ASSERT_TRUE(s.sd.write(40, data.data(), 3).ok());
      std::vector<uint8_t> back(3 * kSector);
      ASSERT_TRUE(s.sd.read(40, back.data(), 3).ok());
      EXPECT_EQ(back, data);
      expect_clean(s);
    }
  }
}

// Proves: requests beyond the card are refused with Range and not a single
// frame crosses the bus.
TEST(SifiveSpiCard, BeyondTheCardNeverTouchesTheBus) {
  Stack s(sdhc());
  ASSERT_TRUE(s.bring_up().ok());
  const uint64_t n = s.sd.sector_count();
  size_t frames = s.controller.frames().size();
  std::vector<uint8_t> buffer(2 * kSector);
  EXPECT_EQ(s.sd.read(n, buffer.data(), 1).error(), Error::Range);
  EXPECT_EQ(s.sd.write(n - 1, buffer.data(), 2).error(), Error::Range);
  EXPECT_EQ(s.controller.frames().size(), frames);
  expect_clean(s);
}

// Proves: no card behind the controller (nothing answers any CMD0) gives
// NoDevice, and a data CRC error on a read reaches the caller as Io, after
// which the next request re-identifies the card (which, left in transfer
// state, shows the CMD0 quirk again: two CMD0s) and works.
TEST(SifiveSpiCard, NoCardAndRecovery) {
  {
    CardConfig config = sdhc();
    Stack s(config);
    s.card.faults.absent = true;
    EXPECT_EQ(s.bring_up().error(), Error::NoDevice);
    EXPECT_TRUE(s.card.log.empty());
  }
  Stack s(sdhc());
  ASSERT_TRUE(s.bring_up().ok());
  std::vector<uint8_t> buffer(4 * kSector);
  s.card.faults.bad_read_crc_block = s.card.blocks_read + 1;
  EXPECT_EQ(s.sd.read(10, buffer.data(), 4).error(), Error::Io);
  int cmd0 = s.card.count(0);
  ASSERT_TRUE(s.sd.read(10, buffer.data(), 4).ok());
  EXPECT_TRUE(s.holds(10, buffer.data(), 4));
  EXPECT_EQ(s.card.count(0), cmd0 + 2);
  expect_clean(s);
}

// Proves: faults in the middle of a transfer reach the caller through the
// controller as errors, never as success for a write: a card pulled after
// two blocks of a run (read and write), a write the card refuses (data
// response "write error"), a card busy forever after a block; the pulled
// card leaves the Card gone (NoDevice at once, no bytes on the bus); the
// refused write is followed by a working one; nothing is dropped or lost in
// the controller's FIFOs on the way.
TEST(SifiveSpiCard, FaultsMidTransfer) {
  for (bool write : {false, true}) {
    Stack s(sdhc());
    ASSERT_TRUE(s.bring_up().ok());
    s.card.faults.remove_after_blocks = s.card.blocks_read + s.card.blocks_written + 2;
    std::vector<uint8_t> data = pattern(8 * kSector, 6);
    Result<void> r = write ? s.sd.write(60, data.data(), 8) : s.sd.read(60, data.data(), 8);
    EXPECT_FALSE(r.ok()) << write;
    size_t frames = s.controller.frames().size();
    EXPECT_EQ(s.sd.read(0, data.data(), 1).error(), Error::NoDevice) << write;
    EXPECT_EQ(s.sd.write(0, data.data(), 1).error(), Error::NoDevice) << write;
    EXPECT_FALSE(s.sd.ready());
    // Identification was tried once (and found nothing); after that the Card
    // does not touch the bus.
    size_t after_recovery = s.controller.frames().size();
    EXPECT_GT(after_recovery, frames);
    EXPECT_EQ(s.sd.read(0, data.data(), 1).error(), Error::NoDevice);
    EXPECT_EQ(s.controller.frames().size(), after_recovery);
    EXPECT_EQ(s.controller.rx_dropped(), 0u);
    EXPECT_EQ(s.controller.tx_lost(), 0u);
  }
  {
    Stack s(sdhc());
    ASSERT_TRUE(s.bring_up().ok());
    std::vector<uint8_t> data = pattern(4 * kSector, 7);
    s.card.faults.reject_write_block = s.card.blocks_written + 1;
    EXPECT_EQ(s.sd.write(70, data.data(), 4).error(), Error::Io);
    EXPECT_TRUE(s.holds(70, data.data(), 1));   // the block before the refused one
    EXPECT_FALSE(s.holds(71, data.data() + kSector, 1));
    ASSERT_TRUE(s.sd.write(70, data.data(), 4).ok());
    EXPECT_TRUE(s.holds(70, data.data(), 4));
    expect_clean(s);
  }
  {
    Stack s(sdhc());
    ASSERT_TRUE(s.bring_up().ok());
    std::vector<uint8_t> data = pattern(kSector, 8);
    s.card.faults.busy_forever_block = s.card.blocks_written;
    EXPECT_EQ(s.sd.write(80, data.data(), 1).error(), Error::TimedOut);
    EXPECT_FALSE(s.sd.write(80, data.data(), 1).ok());
    EXPECT_EQ(s.controller.rx_dropped(), 0u);
    EXPECT_EQ(s.controller.tx_lost(), 0u);
  }
}

}  // namespace
}  // namespace rivet

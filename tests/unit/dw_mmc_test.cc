// The DesignWare MSHC driver (kernel/dev/dw_mmc.cc, the very source the
// kernel builds) against the register-level model of the controller and an
// SD card (dw_mmc_model.h). The identification sequence is written out
// here, so each host behaviour is tested on its own; dw_mmc_card_test.cc runs
// the real card layer (sd::Card) on the same host and model.
#include <gtest/gtest.h>
#include <string.h>

#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "kernel/dev/dw_mmc.h"
#include "tests/unit/dw_mmc_expect.h"
#include "tests/unit/dw_mmc_model.h"

namespace rivet {
namespace {

using dev::DwMmcHost;
using sd::ResponseKind;
using test::DwMmcModel;

// Advances on every look, so a device that never answers ends a wait after
// a bounded number of polls instead of hanging the test.
class FakeClock final : public dev::Clock {
 public:
  uint64_t now_us() override { return now_ += 10; }
  uint64_t now_ = 0;
};

// Sits between the driver and the model and breaks one thing the driver
// does, to show that the model notices such a bug.
class Tamper final : public dev::Registers {
 public:
  explicit Tamper(dev::Registers& inner) : inner_(inner) {}
  uint32_t read32(uint32_t offset) override { return inner_.read32(offset); }
  void write32(uint32_t offset, uint32_t value) override {
    if (offset == 0x00 && keep_idmac) value |= 1u << 25;
    if (offset >= 0x200 && offset < 0x300 && drop_fifo_writes) return;
    if (offset == 0x2c && drop_clock_updates && (value & (1u << 21))) return;
    if (offset == 0x2c && strip_init_clocks) value &= ~(1u << 15);
    if (offset == 0x2c && (value & 0x3f) == crc_check_on_command) value |= 1u << 8;
    inner_.write32(offset, value);
  }
  bool keep_idmac = false;
  bool drop_clock_updates = false;
  bool strip_init_clocks = false;
  bool drop_fifo_writes = false;
  uint32_t crc_check_on_command = ~0u;

 private:
  dev::Registers& inner_;
};

struct CardInfo {
  uint32_t rca = 0;
  bool high_capacity = false;
  uint32_t csd[4] = {};
  uint32_t cid[4] = {};
};

Result<sd::Reply> send(sd::Host& host, uint8_t index, uint32_t argument, ResponseKind response,
                       sd::Data* data = nullptr) {
  sd::Command cmd;
  cmd.index = index;
  cmd.argument = argument;
  cmd.response = response;
  cmd.data = data;
  return host.command(cmd);
}

struct IdentifyOptions {
  uint32_t data_hz = 25'000'000;
  bool widen_bus = true;        // ACMD6 + set_bus_width(4)
  bool widen_host = true;       // the host side of it (a test leaves it out)
};

// What sd::Card will do: CMD0, CMD8, ACMD41 until ready, CMD2, CMD3, CMD9,
// CMD7, ACMD6 + 4-bit, then the data clock.
Result<CardInfo> identify(DwMmcHost& host, IdentifyOptions options = {}) {
  CardInfo card;
  TRY(send(host, 0, 0, ResponseKind::None));
  sd::Reply r7 = TRY(send(host, 8, 0x1aa, ResponseKind::R7));
  if ((r7.words[0] & 0xfff) != 0x1aa) return Error::Io;
  uint32_t ocr = 0;
  for (int i = 0; i < 50 && !(ocr & 0x8000'0000u); i++) {
    TRY(send(host, 55, 0, ResponseKind::R1));
    ocr = TRY(send(host, 41, 0x40ff'8000, ResponseKind::R3)).words[0];
  }
  if (!(ocr & 0x8000'0000u)) return Error::TimedOut;
  card.high_capacity = ocr & (1u << 30);
  sd::Reply cid = TRY(send(host, 2, 0, ResponseKind::R2));
  memcpy(card.cid, cid.words, sizeof card.cid);
  card.rca = TRY(send(host, 3, 0, ResponseKind::R6)).words[0] >> 16;
  sd::Reply csd = TRY(send(host, 9, card.rca << 16, ResponseKind::R2));
  memcpy(card.csd, csd.words, sizeof card.csd);
  TRY(send(host, 7, card.rca << 16, ResponseKind::R1b));
  // Standard capacity: make the block length the 512 bytes the data path
  // uses (fixed on SDHC, where the command is ignored).
  if (!card.high_capacity) TRY(send(host, 16, 512, ResponseKind::R1));
  if (options.widen_bus) {
    TRY(send(host, 55, card.rca << 16, ResponseKind::R1));
    TRY(send(host, 6, 2, ResponseKind::R1));
    if (options.widen_host) TRY(host.set_bus_width(4));
  }
  TRY(host.set_clock(options.data_hz));
  return card;
}

uint32_t address(const CardInfo& card, uint32_t lba) {
  return card.high_capacity ? lba : lba * 512;
}

Result<void> read_blocks(DwMmcHost& host, const CardInfo& card, uint32_t lba, uint32_t count,
                         void* buffer) {
  sd::Data data;
  data.buffer = buffer;
  data.blocks = count;
  TRY(send(host, count == 1 ? 17 : 18, address(card, lba), ResponseKind::R1, &data));
  return {};
}

Result<void> write_blocks(DwMmcHost& host, const CardInfo& card, uint32_t lba, uint32_t count,
                          const void* buffer) {
  sd::Data data;
  data.buffer = const_cast<void*>(buffer);
  data.blocks = count;
  data.write = true;
  TRY(send(host, count == 1 ? 24 : 25, address(card, lba), ResponseKind::R1, &data));
  return {};
}

std::vector<uint8_t> image_blocks(const DwMmcModel& model, uint32_t lba, uint32_t count) {
  return std::vector<uint8_t>(model.image.begin() + lba * 512,
                              model.image.begin() + (lba + count) * 512);
}

std::vector<uint8_t> pattern(uint32_t bytes, uint8_t seed) {
  std::vector<uint8_t> v(bytes);
  for (uint32_t i = 0; i < bytes; i++) v[i] = static_cast<uint8_t>(seed + i * 7 + i / 511);
  return v;
}

using test::expect_clean;  // tests/unit/dw_mmc_expect.h

struct Rig {
  Rig(const Rig&) = delete;
  explicit Rig(DwMmcModel::Config config = {},
               DwMmcModel::Start start = DwMmcModel::Start::PowerOn, uint32_t driver_ciu = ~0u,
               uint32_t driver_fifo_depth = ~0u)
      : model(config, start),
        host(model, clock, driver_ciu == ~0u ? config.ciu_hz : driver_ciu,
             driver_fifo_depth == ~0u ? config.fifo_depth : driver_fifo_depth, "mmc@16020000") {}
  FakeClock clock;
  DwMmcModel model;
  DwMmcHost host;
};

// Runs single- and multi-block reads and writes (plain and scattered) and
// checks every byte against the model's image.
void exercise_data(Rig& rig, const CardInfo& card) {
  std::vector<uint8_t> buffer(8 * 512);
  ASSERT_TRUE(read_blocks(rig.host, card, 5, 1, buffer.data()).ok());
  EXPECT_EQ(std::vector<uint8_t>(buffer.begin(), buffer.begin() + 512), image_blocks(rig.model, 5, 1));
  ASSERT_TRUE(read_blocks(rig.host, card, 100, 8, buffer.data()).ok());
  EXPECT_EQ(buffer, image_blocks(rig.model, 100, 8));

  std::vector<uint8_t> one = pattern(512, 3);
  ASSERT_TRUE(write_blocks(rig.host, card, 7, 1, one.data()).ok());
  EXPECT_EQ(image_blocks(rig.model, 7, 1), one);
  std::vector<uint8_t> many = pattern(8 * 512, 9);
  ASSERT_TRUE(write_blocks(rig.host, card, 200, 8, many.data()).ok());
  EXPECT_EQ(image_blocks(rig.model, 200, 8), many);
  EXPECT_EQ(image_blocks(rig.model, 199, 1), image_blocks(rig.model, 199, 1));

  // Scattered: three 1 KiB segments (two blocks each) for six blocks.
  std::vector<uint8_t> seg[3] = {std::vector<uint8_t>(1024), std::vector<uint8_t>(1024),
                                 std::vector<uint8_t>(1024)};
  void* segments[3] = {seg[0].data(), seg[1].data(), seg[2].data()};
  sd::Data data;
  data.segments = segments;
  data.segment_bytes = 1024;
  data.blocks = 6;
  ASSERT_TRUE(send(rig.host, 18, address(card, 300), ResponseKind::R1, &data).ok());
  for (int i = 0; i < 3; i++) EXPECT_EQ(seg[i], image_blocks(rig.model, 300 + 2 * i, 2));

  for (int i = 0; i < 3; i++) seg[i] = pattern(1024, static_cast<uint8_t>(40 + i));
  for (int i = 0; i < 3; i++) segments[i] = seg[i].data();
  data.write = true;
  ASSERT_TRUE(send(rig.host, 25, address(card, 400), ResponseKind::R1, &data).ok());
  for (int i = 0; i < 3; i++) EXPECT_EQ(image_blocks(rig.model, 400 + 2 * i, 2), seg[i]);
  EXPECT_TRUE(rig.model.card_in_transfer_state());
}

// Proves: from power-on (clocks off, reset values) the driver resets the
// controller, identifies the card at <= 400 kHz with the init clocks, and
// moves data byte-exactly on a 4-bit bus at 25 MHz, without anything the
// model counts as a mistake; multi-block transfers end by auto-stop.
TEST(DwMmc, PowerOnBringUpAndByteExactData) {
  Rig rig;
  ASSERT_TRUE(rig.host.reset().ok());
  EXPECT_EQ(rig.model.card_clock_hz(), 396'825u);  // 50 MHz / (2 * 63): 62.5 rounded up
  Result<CardInfo> card = identify(rig.host);
  ASSERT_TRUE(card.ok()) << int(card.error());
  EXPECT_TRUE(card->high_capacity);
  EXPECT_EQ(card->rca, rig.model.card_rca());
  EXPECT_EQ(card->csd[0] >> 30, 1u);  // CSD version 2 in bits 127..126: words[0] is the top
  EXPECT_EQ(card->cid[0] >> 24, 0x03u);
  EXPECT_EQ(rig.model.card_clock_hz(), 25'000'000u);
  EXPECT_TRUE(rig.model.card_bus_4bit());
  exercise_data(rig, *card);
  EXPECT_EQ(rig.model.stats.auto_stops, 4u);
  expect_clean(rig.model);
}

// Proves: from the state U-Boot leaves (IDMAC selected in CTRL and BMOD,
// 4-bit, card selected in transfer state, clock running) reset() brings the
// controller back to PIO, 1-bit, 400 kHz, and the card can be identified
// again and read and written through the FIFO.
TEST(DwMmc, FromUBootLeftoverState) {
  Rig rig({}, DwMmcModel::Start::LeftByUBoot);
  ASSERT_TRUE(rig.host.reset().ok());
  EXPECT_EQ(rig.model.read32(0x00) & (1u << 25), 0u);
  EXPECT_EQ(rig.model.read32(0x80) & (1u << 7), 0u);
  EXPECT_EQ(rig.model.read32(0x18), 0u);
  EXPECT_EQ(rig.model.read32(0x24), 0u);
  EXPECT_LE(rig.model.card_clock_hz(), 400'000u);
  Result<CardInfo> card = identify(rig.host);
  ASSERT_TRUE(card.ok()) << int(card.error());
  exercise_data(rig, *card);
  expect_clean(rig.model);
}

// Proves the model catches a driver that skips reset() after U-Boot: the
// data command goes to the internal DMAC, nothing reaches the FIFO, and the
// driver reports a timeout instead of success or a hang.
TEST(DwMmc, ModelRefusesFifoDataInUBootDmaMode) {
  Rig rig({}, DwMmcModel::Start::LeftByUBoot);
  CardInfo card{rig.model.card_rca(), true, {}, {}};
  ASSERT_TRUE(rig.host.set_bus_width(4).ok());
  std::vector<uint8_t> buffer(512);
  EXPECT_EQ(read_blocks(rig.host, card, 1, 1, buffer.data()).error(), Error::TimedOut);
  EXPECT_GT(rig.model.stats.dma_mode_data_commands, 0u);
}

// Proves the model catches a driver that resets but does not clear "use
// internal DMAC" (CTRL bit 25): the read fails, the model counts it.
TEST(DwMmc, ModelCatchesDriverThatKeepsInternalDmac) {
  DwMmcModel model({}, DwMmcModel::Start::LeftByUBoot);
  Tamper tamper(model);
  tamper.keep_idmac = true;
  FakeClock clock;
  DwMmcHost host(tamper, clock, 50'000'000, 32, "mmc");
  ASSERT_TRUE(host.reset().ok());
  Result<CardInfo> card = identify(host);
  ASSERT_TRUE(card.ok());
  std::vector<uint8_t> buffer(512);
  EXPECT_FALSE(read_blocks(host, *card, 1, 1, buffer.data()).ok());
  EXPECT_GT(model.stats.dma_mode_data_commands, 0u);
}

// Proves the model enforces the clock-update handshake: if the update-clock
// commands never reach it, the card clock never starts and the first card
// command times out (start bit never clears) rather than succeeding.
TEST(DwMmc, ModelCatchesMissingClockUpdate) {
  DwMmcModel model({}, DwMmcModel::Start::PowerOn);
  Tamper tamper(model);
  tamper.drop_clock_updates = true;
  FakeClock clock;
  DwMmcHost host(tamper, clock, 50'000'000, 32, "mmc");
  ASSERT_TRUE(host.reset().ok());
  EXPECT_EQ(send(host, 0, 0, ResponseKind::None).error(), Error::TimedOut);
  EXPECT_GT(model.stats.commands_without_clock, 0u);
}

// Proves the model requires the initialisation clocks (CMD bit 15) before
// the first command after power-up: without them the card stays silent.
TEST(DwMmc, ModelCatchesMissingInitClocks) {
  DwMmcModel model({}, DwMmcModel::Start::PowerOn);
  Tamper tamper(model);
  tamper.strip_init_clocks = true;
  FakeClock clock;
  DwMmcHost host(tamper, clock, 50'000'000, 32, "mmc");
  ASSERT_TRUE(host.reset().ok());
  EXPECT_EQ(identify(host).error(), Error::TimedOut);
}

// Proves the model catches a driver whose FIFO writes go nowhere: the card
// starves, the controller reports HTO, and the driver returns Io, not
// success; the card is left in transfer state and the block unchanged.
TEST(DwMmc, ModelCatchesStarvedWrite) {
  DwMmcModel model({}, DwMmcModel::Start::PowerOn);
  Tamper tamper(model);
  FakeClock clock;
  DwMmcHost host(tamper, clock, 50'000'000, 32, "mmc");
  ASSERT_TRUE(host.reset().ok());
  Result<CardInfo> card = identify(host);
  ASSERT_TRUE(card.ok());
  std::vector<uint8_t> before = image_blocks(model, 3, 1);
  tamper.drop_fifo_writes = true;
  std::vector<uint8_t> data = pattern(512, 11);
  EXPECT_EQ(write_blocks(host, *card, 3, 1, data.data()).error(), Error::Io);
  EXPECT_EQ(image_blocks(model, 3, 1), before);
  EXPECT_TRUE(model.card_in_transfer_state());
}

// Proves the model knows R3 has no CRC: a driver that checks the CRC of the
// ACMD41 response gets a response CRC error (Io) and never identifies.
TEST(DwMmc, ModelCatchesCrcCheckOnR3) {
  DwMmcModel model({}, DwMmcModel::Start::PowerOn);
  Tamper tamper(model);
  tamper.crc_check_on_command = 41;
  FakeClock clock;
  DwMmcHost host(tamper, clock, 50'000'000, 32, "mmc");
  ASSERT_TRUE(host.reset().ok());
  EXPECT_EQ(identify(host).error(), Error::Io);
}

// Proves the model checks CTYPE against the card's bus width: a card layer
// that switches the card to 4 bits but not the host gets data CRC errors.
TEST(DwMmc, ModelCatchesBusWidthMismatch) {
  Rig rig;
  ASSERT_TRUE(rig.host.reset().ok());
  IdentifyOptions options;
  options.widen_host = false;
  Result<CardInfo> card = identify(rig.host, options);
  ASSERT_TRUE(card.ok());
  std::vector<uint8_t> buffer(512);
  EXPECT_EQ(read_blocks(rig.host, *card, 1, 1, buffer.data()).error(), Error::Io);
  std::vector<uint8_t> before = image_blocks(rig.model, 2, 2);
  std::vector<uint8_t> data = pattern(1024, 77);
  EXPECT_EQ(write_blocks(rig.host, *card, 2, 2, data.data()).error(), Error::Io);
  EXPECT_EQ(image_blocks(rig.model, 2, 2), before);
  EXPECT_TRUE(rig.model.card_in_transfer_state());
  ASSERT_TRUE(rig.host.set_bus_width(4).ok());
  EXPECT_TRUE(read_blocks(rig.host, *card, 1, 1, buffer.data()).ok());
}

// Proves: the FIFO is driven correctly for every host data width (16, 32,
// 64 bits, the latter as two 32-bit halves) and several depths, including
// an 8-byte block (ACMD51, the SCR).
class DwMmcFifo : public ::testing::TestWithParam<std::tuple<uint32_t, uint32_t>> {};

TEST_P(DwMmcFifo, WidthAndDepth) {
  DwMmcModel::Config config;
  config.fifo_width_bytes = std::get<0>(GetParam());
  config.fifo_depth = std::get<1>(GetParam());
  Rig rig(config);
  ASSERT_TRUE(rig.host.reset().ok());
  EXPECT_EQ(rig.host.fifo_width_bytes(), config.fifo_width_bytes);
  Result<CardInfo> card = identify(rig.host);
  ASSERT_TRUE(card.ok());
  uint8_t scr[8] = {};
  sd::Data data;
  data.buffer = scr;
  data.block_size = 8;
  ASSERT_TRUE(send(rig.host, 55, card->rca << 16, ResponseKind::R1).ok());
  ASSERT_TRUE(send(rig.host, 51, 0, ResponseKind::R1, &data).ok());
  EXPECT_EQ(memcmp(scr, DwMmcModel::kScr, 8), 0);
  exercise_data(rig, *card);
  expect_clean(rig.model);
}

INSTANTIATE_TEST_SUITE_P(Widths, DwMmcFifo,
                         ::testing::Combine(::testing::Values(2u, 4u, 8u),
                                            ::testing::Values(16u, 32u, 64u)));

// Proves: an SDSC card (byte addresses) works with the same driver; the
// test's card layer picks the addressing from the OCR's CCS bit.
TEST(DwMmc, StandardCapacityByteAddressing) {
  DwMmcModel::Config config;
  config.high_capacity = false;
  Rig rig(config);
  ASSERT_TRUE(rig.host.reset().ok());
  Result<CardInfo> card = identify(rig.host);
  ASSERT_TRUE(card.ok());
  EXPECT_FALSE(card->high_capacity);
  exercise_data(rig, *card);
  expect_clean(rig.model);
}

// Proves: a data-less depth of 0 is read from FIFOTH -- the reset value
// (RX watermark = depth - 1) at power-on, U-Boot's depth/2 - 1 : depth/2
// after U-Boot -- and data still moves.
TEST(DwMmc, FifoDepthFromFifoth) {
  for (auto start : {DwMmcModel::Start::PowerOn, DwMmcModel::Start::LeftByUBoot}) {
    DwMmcModel::Config config;
    config.fifo_depth = 64;
    Rig rig(config, start, config.ciu_hz, 0);
    ASSERT_TRUE(rig.host.reset().ok());
    EXPECT_EQ(rig.host.fifo_depth(), 64u);
    Result<CardInfo> card = identify(rig.host);
    ASSERT_TRUE(card.ok());
    exercise_data(rig, *card);
    expect_clean(rig.model);
  }
}

// Proves: with no card every command returns TimedOut (response timeout),
// never success and never a hang.
TEST(DwMmc, NoCardTimesOut) {
  DwMmcModel::Config config;
  config.card_inserted = false;
  Rig rig(config);
  ASSERT_TRUE(rig.host.reset().ok());
  EXPECT_EQ(send(rig.host, 8, 0x1aa, ResponseKind::R7).error(), Error::TimedOut);
  EXPECT_EQ(identify(rig.host).error(), Error::TimedOut);
  CardInfo card{1, true, {}, {}};
  std::vector<uint8_t> buffer(1024);
  EXPECT_EQ(read_blocks(rig.host, card, 0, 2, buffer.data()).error(), Error::TimedOut);
  EXPECT_EQ(write_blocks(rig.host, card, 0, 1, buffer.data()).error(), Error::TimedOut);
}

// Proves: card detect saying "empty" gives NoDevice before the controller
// is touched.
TEST(DwMmc, CardDetectEmptyIsNoDevice) {
  FakeClock clock;
  DwMmcModel model({}, DwMmcModel::Start::PowerOn);
  bool present = false;
  DwMmcHost host(model, clock, 50'000'000, 32, "mmc",
                 [](void* context) { return *static_cast<bool*>(context); }, &present);
  ASSERT_TRUE(host.reset().ok());
  EXPECT_FALSE(host.card_present());
  EXPECT_EQ(send(host, 0, 0, ResponseKind::None).error(), Error::NoDevice);
  present = true;
  EXPECT_TRUE(identify(host).ok());
}

// A rig whose card is identified and on a 4-bit, 25 MHz bus. (The host
// holds references to the rig's model and clock: it is built in place.)
struct Ready {
  explicit Ready(const DwMmcModel::Config& config) : rig(config) {}
  Rig rig;
  CardInfo card;
};

std::unique_ptr<Ready> ready_card(DwMmcModel::Config config = {}) {
  auto ready = std::make_unique<Ready>(config);
  EXPECT_TRUE(ready->rig.host.reset().ok());
  Result<CardInfo> card = identify(ready->rig.host);
  EXPECT_TRUE(card.ok());
  if (card.ok()) ready->card = *card;
  return ready;
}

// Proves: a data CRC error on block k of a multi-block read returns Io; the
// driver stops the card (CMD12), so it is back in transfer state and the
// next read succeeds byte-exactly.
TEST(DwMmc, DataCrcErrorOnReadBlock) {
  auto r = ready_card();
  r->rig.model.faults.data_crc_on_read_lba = 103;
  std::vector<uint8_t> buffer(8 * 512);
  EXPECT_EQ(read_blocks(r->rig.host, r->card, 100, 8, buffer.data()).error(), Error::Io);
  EXPECT_TRUE(r->rig.model.card_in_transfer_state());
  // Single block too.
  EXPECT_EQ(read_blocks(r->rig.host, r->card, 103, 1, buffer.data()).error(), Error::Io);
  EXPECT_TRUE(r->rig.model.card_in_transfer_state());
  r->rig.model.faults.data_crc_on_read_lba = -1;
  ASSERT_TRUE(read_blocks(r->rig.host, r->card, 100, 8, buffer.data()).ok());
  EXPECT_EQ(buffer, image_blocks(r->rig.model, 100, 8));
}

// Proves: a response CRC error returns Io, for a plain command and for a
// data command (after which the driver recovers the card and the data path).
TEST(DwMmc, ResponseCrcError) {
  auto r = ready_card();
  r->rig.model.faults.response_crc_on_command = 13;
  EXPECT_EQ(send(r->rig.host, 13, r->card.rca << 16, ResponseKind::R1).error(), Error::Io);
  r->rig.model.faults.response_crc_on_command = 18;
  std::vector<uint8_t> buffer(4 * 512);
  EXPECT_EQ(read_blocks(r->rig.host, r->card, 10, 4, buffer.data()).error(), Error::Io);
  r->rig.model.faults.response_crc_on_command = -1;
  ASSERT_TRUE(read_blocks(r->rig.host, r->card, 10, 4, buffer.data()).ok());
  EXPECT_EQ(buffer, image_blocks(r->rig.model, 10, 4));
  // The driver does not check the CRC of R3 (it has none); asking the model
  // to would have been a response CRC error.
  EXPECT_TRUE(r->rig.model.stats.commands.size() > 0);
}

// Proves: a card that stops answering in the middle of a read gives
// TimedOut (data read timeout), and afterwards commands time out too.
TEST(DwMmc, CardStopsAnsweringMidRead) {
  auto r = ready_card();
  r->rig.model.faults.card_dies_after_blocks = 3;
  std::vector<uint8_t> buffer(8 * 512);
  EXPECT_EQ(read_blocks(r->rig.host, r->card, 0, 8, buffer.data()).error(), Error::TimedOut);
  EXPECT_EQ(send(r->rig.host, 13, r->card.rca << 16, ResponseKind::R1).error(), Error::TimedOut);
}

// Proves: a card that stops answering in the middle of a write gives Io
// (no CRC status: the write was not accepted), never success.
TEST(DwMmc, CardStopsAnsweringMidWrite) {
  auto r = ready_card();
  r->rig.model.faults.card_dies_after_blocks = 2;
  std::vector<uint8_t> data = pattern(8 * 512, 1);
  EXPECT_EQ(write_blocks(r->rig.host, r->card, 0, 8, data.data()).error(), Error::Io);
}

// Proves: a card that stays busy after a write gives TimedOut, single- and
// multi-block, instead of a hang.
TEST(DwMmc, WriteBusyForever) {
  for (uint32_t count : {1u, 4u}) {
    auto r = ready_card();
    r->rig.model.faults.write_busy_forever = true;
    std::vector<uint8_t> data = pattern(count * 512, 5);
    EXPECT_EQ(write_blocks(r->rig.host, r->card, 20, count, data.data()).error(), Error::TimedOut);
  }
}

// Proves: commands the card may not take in its state get no response and
// therefore TimedOut (CMD17 before CMD7; CMD2 in transfer state).
TEST(DwMmc, CommandsInTheWrongStateTimeOut) {
  Rig rig;
  ASSERT_TRUE(rig.host.reset().ok());
  std::vector<uint8_t> buffer(512);
  CardInfo card{0, true, {}, {}};
  EXPECT_EQ(read_blocks(rig.host, card, 0, 1, buffer.data()).error(), Error::TimedOut);
  ASSERT_TRUE(identify(rig.host).ok());
  EXPECT_EQ(send(rig.host, 2, 0, ResponseKind::R2).error(), Error::TimedOut);
}

// Proves: a read past the end of the card fails (the card sends no data)
// rather than returning stale bytes.
TEST(DwMmc, ReadPastTheEndFails) {
  auto r = ready_card();
  std::vector<uint8_t> buffer(512);
  EXPECT_FALSE(read_blocks(r->rig.host, r->card, 4096, 1, buffer.data()).ok());
  std::vector<uint8_t> two(1024);
  EXPECT_FALSE(read_blocks(r->rig.host, r->card, 4095, 2, two.data()).ok());
  EXPECT_TRUE(read_blocks(r->rig.host, r->card, 4095, 1, buffer.data()).ok());
}

// Proves: malformed requests are refused before the controller is touched.
TEST(DwMmc, InvalidRequests) {
  auto r = ready_card();
  std::vector<uint8_t> buffer(1024);
  sd::Data data;
  data.buffer = buffer.data();
  data.blocks = 0;
  EXPECT_EQ(send(r->rig.host, 17, 0, ResponseKind::R1, &data).error(), Error::Invalid);
  data.blocks = DwMmcHost::kMaxBlocks + 1;
  EXPECT_EQ(send(r->rig.host, 18, 0, ResponseKind::R1, &data).error(), Error::Invalid);
  data.blocks = 1;
  data.block_size = 6;  // not a whole number of FIFO entries
  EXPECT_EQ(send(r->rig.host, 17, 0, ResponseKind::R1, &data).error(), Error::Invalid);
  data.block_size = 512;
  data.buffer = nullptr;
  EXPECT_EQ(send(r->rig.host, 17, 0, ResponseKind::R1, &data).error(), Error::Invalid);
  EXPECT_EQ(send(r->rig.host, 64, 0, ResponseKind::R1).error(), Error::Invalid);
  EXPECT_EQ(r->rig.host.set_bus_width(8).error(), Error::Invalid);
  EXPECT_TRUE(r->rig.model.card_in_transfer_state());
}

// Proves: the divider never gives a card clock above the rate asked for,
// and is the fastest that does not, for card-input clocks 24..200 MHz.
TEST(DwMmc, DividerNeverAboveRequest) {
  const uint32_t ciu_rates[] = {24'000'000, 25'000'000, 49'500'000, 50'000'000, 99'000'000,
                                100'000'000, 148'500'000, 200'000'000};
  const uint32_t requests[] = {100'000, 390'000, 400'000, 1'000'000, 12'500'000, 20'000'000,
                               25'000'000, 26'000'000, 50'000'000, 100'000'000, 200'000'000};
  for (uint32_t ciu : ciu_rates) {
    for (uint32_t hz : requests) {
      uint32_t n = DwMmcHost::divider_for(ciu, hz);
      if (n == DwMmcHost::kNoDivider) {
        EXPECT_GT(uint64_t{ciu}, uint64_t{hz} * 2 * DwMmcHost::kMaxDivider) << ciu << " " << hz;
        continue;
      }
      ASSERT_LE(n, DwMmcHost::kMaxDivider);
      if (n == 0) {
        EXPECT_LE(ciu, hz);
        continue;
      }
      EXPECT_LE(uint64_t{ciu}, uint64_t{hz} * 2 * n) << ciu << " " << hz;  // ciu/2n <= hz
      if (n > 1) EXPECT_GT(uint64_t{ciu}, uint64_t{hz} * 2 * (n - 1));    // n-1 too fast
      else EXPECT_GT(ciu, hz);                                            // bypass too fast
    }
  }
  EXPECT_EQ(DwMmcHost::divider_for(200'000'000, 400'000), 250u);
  EXPECT_EQ(DwMmcHost::divider_for(200'000'000, 300'000), DwMmcHost::kNoDivider);
}

// Proves: on the model, with the ciu rate known or unknown (0: the driver
// assumes 200 MHz), the card is never clocked above 400 kHz while it is
// identified nor above 25 MHz afterwards, for real ciu rates 24..200 MHz.
TEST(DwMmc, CardClockNeverAboveRequestOnTheModel) {
  for (uint32_t ciu : {24'000'000u, 49'500'000u, 50'000'000u, 100'000'000u, 200'000'000u}) {
    for (bool known : {true, false}) {
      DwMmcModel::Config config;
      config.ciu_hz = ciu;
      Rig rig(config, DwMmcModel::Start::LeftByUBoot, known ? ciu : 0);
      ASSERT_TRUE(rig.host.reset().ok());
      EXPECT_LE(rig.model.card_clock_hz(), 400'000u);
      Result<CardInfo> card = identify(rig.host);
      ASSERT_TRUE(card.ok()) << ciu;
      EXPECT_LE(rig.model.card_clock_hz(), 25'000'000u);
      EXPECT_LE(rig.model.card_clock_hz(), rig.host.card_clock_hz());
      EXPECT_GT(rig.model.card_clock_hz(), 0u);
      std::vector<uint8_t> buffer(2 * 512);
      ASSERT_TRUE(read_blocks(rig.host, *card, 9, 2, buffer.data()).ok());
      EXPECT_EQ(buffer, image_blocks(rig.model, 9, 2));
      expect_clean(rig.model);
    }
  }
}

// Proves: every clock change goes through the update sequence (clock off,
// update; divider, update; clock on, update) without a glitch; a rate below
// the largest divider's is refused; 0 stops the clock.
TEST(DwMmc, ClockChangeUsesTheUpdateSequence) {
  auto r = ready_card();
  uint32_t before = r->rig.model.stats.clock_updates;
  ASSERT_TRUE(r->rig.host.set_clock(12'500'000).ok());
  EXPECT_EQ(r->rig.model.stats.clock_updates, before + 3);
  EXPECT_EQ(r->rig.model.card_clock_hz(), 12'500'000u);
  EXPECT_EQ(r->rig.model.stats.glitchy_clock_updates, 0u);
  EXPECT_EQ(r->rig.host.set_clock(1'000).error(), Error::Invalid);
  EXPECT_EQ(r->rig.model.card_clock_hz(), 12'500'000u);
  ASSERT_TRUE(r->rig.host.set_clock(0).ok());
  EXPECT_EQ(r->rig.model.card_clock_hz(), 0u);
  // With the clock stopped a command cannot leave: TimedOut, not a hang.
  EXPECT_EQ(send(r->rig.host, 13, r->card.rca << 16, ResponseKind::R1).error(), Error::TimedOut);
  // The next one is refused by the controller (HLE): TimedOut as well.
  EXPECT_EQ(send(r->rig.host, 13, r->card.rca << 16, ResponseKind::R1).error(), Error::TimedOut);
  EXPECT_GT(r->rig.model.stats.hardware_locked, 0u);
  // reset() clears the stuck command; the card can be brought up again.
  ASSERT_TRUE(r->rig.host.reset().ok());
  Result<CardInfo> card = identify(r->rig.host);
  ASSERT_TRUE(card.ok());
  std::vector<uint8_t> buffer(512);
  ASSERT_TRUE(read_blocks(r->rig.host, *card, 33, 1, buffer.data()).ok());
  EXPECT_EQ(buffer, image_blocks(r->rig.model, 33, 1));
}

// Proves the model's command handshake: a command written while another is
// pending is refused with HLE, and an update-clock command raises no
// "command done".
TEST(DwMmcModelAlone, HardwareLockedErrorAndClockUpdate) {
  DwMmcModel model({}, DwMmcModel::Start::PowerOn);
  model.write32(0x2c, (1u << 31) | 8);  // no clock yet: stays pending
  model.write32(0x2c, (1u << 31) | 8);
  EXPECT_NE(model.read32(0x44) & (1u << 12), 0u);
  EXPECT_EQ(model.stats.hardware_locked, 1u);
  EXPECT_NE(model.read32(0x2c) & (1u << 31), 0u);

  DwMmcModel fresh({}, DwMmcModel::Start::PowerOn);
  fresh.write32(0x10, 1);
  fresh.write32(0x2c, (1u << 31) | (1u << 21));
  for (int i = 0; i < 10 && (fresh.read32(0x2c) & (1u << 31)); i++) {}
  EXPECT_EQ(fresh.read32(0x2c) & (1u << 31), 0u);
  EXPECT_EQ(fresh.read32(0x44) & (1u << 2), 0u);
  EXPECT_EQ(fresh.stats.clock_updates, 1u);
}

// Proves the model's self-clearing resets and write-1-to-clear RINTSTS.
TEST(DwMmcModelAlone, ResetBitsSelfClearAndRintstsW1c) {
  DwMmcModel model({}, DwMmcModel::Start::LeftByUBoot);
  EXPECT_NE(model.read32(0x44), 0u);
  model.write32(0x44, 1u << 3);
  EXPECT_EQ(model.read32(0x44) & (1u << 3), 0u);
  EXPECT_NE(model.read32(0x44) & (1u << 2), 0u);
  model.write32(0x00, 7);
  EXPECT_NE(model.read32(0x00) & 7, 0u);
  for (int i = 0; i < 10; i++) model.read32(0x00);
  EXPECT_EQ(model.read32(0x00) & 7, 0u);
  EXPECT_EQ(model.card_clock_hz(), 0u);  // the controller reset dropped the clock setup
}

// A JH7110 syscrg: clock gates and reset registers; a released reset shows
// in the status word a few reads later.
class FakeSyscrg final : public dev::Registers {
 public:
  uint32_t read32(uint32_t offset) override {
    if (offset == 0x310 && !(regs[0x300] & 2)) release_reads++;
    if (offset == 0x310) return release_reads >= 3 ? (regs[0x310] | 2) : (regs[0x310] & ~2u);
    return regs[offset];
  }
  void write32(uint32_t offset, uint32_t value) override {
    writes++;
    regs[offset] = value;
  }
  std::map<uint32_t, uint32_t> regs;
  int release_reads = 0;
  int writes = 0;
};

// Proves: the SD slot's (instance 1) AHB and card clocks (0x170, 0x178,
// bit 31) are turned on and its reset (0x300 bit 1) released, other bits
// kept; when all is already on nothing is written; instance 0 uses 0x16c,
// 0x174 and bit 0; other instances are refused.
TEST(DwMmc, Jh7110ClockAndResetEnable) {
  FakeClock clock;
  FakeSyscrg crg;
  crg.regs[0x170] = 0;
  crg.regs[0x178] = 0x4;  // a divider value that must survive
  crg.regs[0x300] = 0xffff'ffff;
  ASSERT_TRUE(dev::jh7110_enable_sdio_clocks(crg, clock, 1).ok());
  EXPECT_EQ(crg.regs[0x170], 0x8000'0000u);
  EXPECT_EQ(crg.regs[0x178], 0x8000'0004u);
  EXPECT_EQ(crg.regs[0x300], 0xffff'fffdu);
  EXPECT_EQ(crg.regs.count(0x16c), 0u);

  int writes = crg.writes;
  ASSERT_TRUE(dev::jh7110_enable_sdio_clocks(crg, clock, 1).ok());
  EXPECT_EQ(crg.writes, writes);

  FakeSyscrg crg0;
  crg0.regs[0x300] = 1;
  crg0.regs[0x310] = 1;  // status for instance 0 reads "released" only via bit 0
  ASSERT_TRUE(dev::jh7110_enable_sdio_clocks(crg0, clock, 0).ok());
  EXPECT_EQ(crg0.regs[0x16c], 0x8000'0000u);
  EXPECT_EQ(crg0.regs[0x174], 0x8000'0000u);
  EXPECT_EQ(crg0.regs[0x300], 0u);
  EXPECT_EQ(dev::jh7110_enable_sdio_clocks(crg0, clock, 2).error(), Error::Invalid);
}

// Proves: a reset that never shows as released gives TimedOut, not a hang.
TEST(DwMmc, Jh7110ResetStuck) {
  class Stuck final : public dev::Registers {
   public:
    uint32_t read32(uint32_t) override { return 0; }
    void write32(uint32_t, uint32_t) override {}
  } stuck;
  FakeClock clock;
  EXPECT_EQ(dev::jh7110_enable_sdio_clocks(stuck, clock, 1).error(), Error::TimedOut);
}

}  // namespace
}  // namespace rivet

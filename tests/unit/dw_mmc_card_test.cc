// The VisionFive 2's SD stack put together on the host: the real SD card
// layer (kernel/dev/sd/card.cc, crc.cc) on the real DesignWare MSHC host
// (kernel/dev/dw_mmc.cc) on the register-level model of the controller with
// a card behind it (dw_mmc_model.h). dw_mmc_test.cc drives the host with a
// hand-written command sequence; here nothing is written out by the test:
// whatever sd::Card sends is what reaches the model, so these tests prove
// that the two layers agree (response kinds, R1b, CMD13 polling, auto-stop,
// addressing, bus width and clock hand-over, error codes and recovery).
#include <gtest/gtest.h>
#include <string.h>

#include <algorithm>
#include <memory>
#include <tuple>
#include <vector>

#include "tests/unit/sd_pattern.h"
#include "kernel/dev/dw_mmc.h"
#include "kernel/dev/sd/card.h"
#include "tests/unit/dw_mmc_expect.h"
#include "tests/unit/dw_mmc_model.h"

namespace rivet {
namespace {

using dev::DwMmcHost;
using test::DwMmcModel;

constexpr uint32_t kSector = 512;
constexpr uint32_t kApp = DwMmcModel::kAppCommand;

// Advances on every look, so a device that never answers ends a wait after
// a bounded number of polls instead of hanging the test.
class FakeClock final : public dev::Clock {
 public:
  uint64_t now_us() override { return now_ += 10; }
  uint64_t now_ = 0;
};

// Card, host and controller model, built in place (each holds references
// to the ones below it).
struct Stack {
  Stack(const Stack&) = delete;
  explicit Stack(DwMmcModel::Config config = {}, DwMmcModel::Start start = DwMmcModel::Start::PowerOn,
                 uint32_t driver_ciu_hz = ~0u)
      : model(config, start),
        host(model, clock, driver_ciu_hz == ~0u ? config.ciu_hz : driver_ciu_hz, config.fifo_depth,
             "mmc@16020000"),
        card(host, "mmcblk0") {}

  // What the kernel's probe does: reset the controller, identify the card.
  Result<void> bring_up(uint32_t max_hz = sd::Card::kDefaultSpeedHz) {
    TRY(host.reset());
    return card.init(max_hz);
  }

  std::vector<uint8_t> image(uint64_t sector, uint32_t count) const {
    return std::vector<uint8_t>(model.image.begin() + static_cast<long>(sector * kSector),
                                model.image.begin() + static_cast<long>((sector + count) * kSector));
  }
  size_t commands() const { return model.stats.commands.size(); }
  // How often the card heard command `index` (| kApp for an ACMD).
  size_t count(uint32_t index) const {
    return static_cast<size_t>(std::count(model.stats.commands.begin(), model.stats.commands.end(), index));
  }
  size_t count_since(size_t mark, uint32_t index) const {
    return static_cast<size_t>(
        std::count(model.stats.commands.begin() + static_cast<long>(mark), model.stats.commands.end(), index));
  }

  FakeClock clock;
  DwMmcModel model;
  DwMmcHost host;
  sd::Card card;
};

std::unique_ptr<Stack> ready_stack(DwMmcModel::Config config = {},
                                   DwMmcModel::Start start = DwMmcModel::Start::PowerOn) {
  auto stack = std::make_unique<Stack>(config, start);
  Result<void> up = stack->bring_up();
  EXPECT_TRUE(up.ok()) << error_name(up.error());
  return stack;
}

using sd::test::pattern;

using test::expect_clean;  // tests/unit/dw_mmc_expect.h

// The bus the card was left on: 4 data lines on both sides (CTYPE bit 0 and
// the card's ACMD6 state) and a card clock of at most 25 MHz.
void expect_fast_bus(Stack& s) {
  EXPECT_EQ(s.card.info().bus_width, 4u);
  EXPECT_TRUE(s.model.card_bus_4bit());
  EXPECT_EQ(s.model.read32(0x18) & 1u, 1u);  // CTYPE: 4-bit
  EXPECT_GT(s.model.card_clock_hz(), 0u);
  EXPECT_LE(s.model.card_clock_hz(), 25'000'000u);
  EXPECT_LE(s.model.stats.max_card_clock_hz, 25'000'000u);
  EXPECT_TRUE(s.model.card_in_transfer_state());
}

// Single sectors and runs, read and written through sd::Card, compared byte
// for byte with the model's image; the sectors around a write stay as they
// were. Single sectors must go as CMD17/CMD24, runs as CMD18/CMD25 (one
// command each: the host takes 65535 blocks per command).
void exercise(Stack& s) {
  const uint64_t last = s.card.sector_count() - 1;
  std::vector<uint8_t> one(kSector);
  for (uint64_t sector : {uint64_t{0}, uint64_t{5}, last}) {
    size_t mark = s.commands();
    ASSERT_TRUE(s.card.read(sector, one.data(), 1).ok()) << sector;
    EXPECT_EQ(one, s.image(sector, 1)) << sector;
    EXPECT_EQ(s.count_since(mark, 17), 1u);
    EXPECT_EQ(s.count_since(mark, 18), 0u);
  }

  std::vector<uint8_t> run(16 * kSector);
  size_t mark = s.commands();
  ASSERT_TRUE(s.card.read(100, run.data(), 16).ok());
  EXPECT_EQ(run, s.image(100, 16));
  EXPECT_EQ(s.count_since(mark, 18), 1u);
  EXPECT_EQ(s.count_since(mark, 12), 1u);  // the controller's auto-stop

  std::vector<uint8_t> before = s.image(6, 1), after = s.image(8, 1);
  std::vector<uint8_t> data = pattern(kSector, 1);
  mark = s.commands();
  ASSERT_TRUE(s.card.write(7, data.data(), 1).ok());
  EXPECT_EQ(s.image(7, 1), data);
  EXPECT_EQ(s.image(6, 1), before);
  EXPECT_EQ(s.image(8, 1), after);
  EXPECT_EQ(s.count_since(mark, 24), 1u);
  EXPECT_GE(s.count_since(mark, 13), 1u);  // programming checked with CMD13

  std::vector<uint8_t> many = pattern(16 * kSector, 2);
  before = s.image(199, 1);
  after = s.image(216, 1);
  mark = s.commands();
  ASSERT_TRUE(s.card.write(200, many.data(), 16).ok());
  EXPECT_EQ(s.image(200, 16), many);
  EXPECT_EQ(s.image(199, 1), before);
  EXPECT_EQ(s.image(216, 1), after);
  EXPECT_EQ(s.count_since(mark, 25), 1u);

  // The last sector, written and read back: no off-by-one in the address.
  std::vector<uint8_t> tail = pattern(kSector, 3);
  ASSERT_TRUE(s.card.write(last, tail.data(), 1).ok());
  EXPECT_EQ(s.image(last, 1), tail);
  ASSERT_TRUE(s.card.read(last - 1, run.data(), 2).ok());
  EXPECT_EQ(std::vector<uint8_t>(run.begin(), run.begin() + 2 * kSector), s.image(last - 1, 2));

  // What was written reads back through the card too (not only in the image).
  std::vector<uint8_t> back(16 * kSector);
  ASSERT_TRUE(s.card.read(200, back.data(), 16).ok());
  EXPECT_EQ(back, many);
  EXPECT_TRUE(s.card.ready());
}

// ---- identification -------------------------------------------------------------

// Proves: from power-on (controller at reset values, clocks off, card idle
// and never clocked) sd::Card identifies an SDHC card through DwMmcHost with
// the spec's sequence (CMD0 with the initialisation clocks, CMD8, ACMD41 with
// HCS until ready, CMD2, CMD3, CMD9, CMD7, ACMD6), reads its registers right
// through the R2 word order, and leaves it on a 4-bit bus at 25 MHz, with
// nothing the model counts as a mistake (identification <= 400 kHz, no
// glitchy clock change, hold register, no DMA).
TEST(DwMmcCard, PowerOnSdhc) {
  Stack s;
  ASSERT_TRUE(s.bring_up().ok());
  const sd::CardInfo& info = s.card.info();
  EXPECT_EQ(info.kind, sd::CardKind::Sdhc);
  EXPECT_TRUE(info.block_addressed);
  EXPECT_TRUE(info.version2);
  EXPECT_EQ(info.sectors, 4096u);
  EXPECT_EQ(s.card.sector_count(), 4096u);
  EXPECT_EQ(info.manufacturer_id, 0x03);
  EXPECT_EQ(info.oem_id[0], 'R');
  EXPECT_EQ(info.oem_id[1], 'D');
  EXPECT_EQ(info.serial, 0x1234'5678u);
  EXPECT_EQ(info.clock_hz, 25'000'000u);
  EXPECT_EQ(s.model.card_clock_hz(), 25'000'000u);  // ciu 50 MHz / 2
  expect_fast_bus(s);

  const std::vector<uint32_t>& c = s.model.stats.commands;
  ASSERT_GE(c.size(), 8u);
  EXPECT_EQ(c[0], 0u);
  EXPECT_EQ(c[1], 8u);
  EXPECT_EQ(c[2], 55u);
  EXPECT_EQ(c[3], 41u | kApp);
  EXPECT_EQ(s.count(41 | kApp), 3u);  // the model answers "busy" twice
  EXPECT_EQ(s.count(2), 1u);
  EXPECT_EQ(s.count(3), 1u);
  EXPECT_EQ(s.count(9), 1u);
  EXPECT_EQ(s.count(7), 1u);
  EXPECT_EQ(s.count(6 | kApp), 1u);
  EXPECT_EQ(s.count(16), 0u);  // SDHC: the block length is fixed
  expect_clean(s.model);
}

// Proves: from what U-Boot leaves after booting from the card (internal DMA
// selected in CTRL and BMOD, stale FIFO words and interrupt bits, 4-bit bus,
// card selected in transfer state with another RCA, clock running in
// low-power mode), reset() + init() bring the card back through CMD0 and a
// full identification to a 4-bit 25 MHz bus, and data then moves through
// the FIFO byte-exactly (the stale words are not taken for data).
TEST(DwMmcCard, FromUBootLeftoverState) {
  Stack s({}, DwMmcModel::Start::LeftByUBoot);
  ASSERT_TRUE(s.model.card_in_transfer_state());
  ASSERT_TRUE(s.bring_up().ok());
  EXPECT_EQ(s.model.stats.commands.front(), 0u);
  EXPECT_EQ(s.model.card_rca(), 0xb368u);  // newly published, not U-Boot's 0xaaaa
  EXPECT_EQ(s.card.info().kind, sd::CardKind::Sdhc);
  expect_fast_bus(s);
  exercise(s);
  expect_clean(s.model);
}

// Proves: an SDSC card (OCR without CCS, version 1 CSD) is identified as
// such with the right capacity, gets CMD16 (512-byte blocks), and is
// addressed in BYTES: the model refuses an address that is not a multiple
// of 512 and would read the wrong block for a block address, so byte-exact
// data at sectors 0, 5, 100, 200 and the last sector proves the addressing.
TEST(DwMmcCard, SdscByteAddresses) {
  for (auto start : {DwMmcModel::Start::PowerOn, DwMmcModel::Start::LeftByUBoot}) {
    DwMmcModel::Config config;
    config.high_capacity = false;
    config.card_blocks = 8192;
    Stack s(config, start);
    ASSERT_TRUE(s.bring_up().ok());
    const sd::CardInfo& info = s.card.info();
    EXPECT_EQ(info.kind, sd::CardKind::Sdsc);
    EXPECT_FALSE(info.block_addressed);
    EXPECT_EQ(info.sectors, 8192u);
    EXPECT_EQ(s.count(16), 1u);
    expect_fast_bus(s);
    exercise(s);
    expect_clean(s.model);
  }
}

// Proves: SDHC and SDSC, from power-on and from U-Boot's state, for every
// FIFO width the controller may have (16/32/64 bits) -- the whole chain
// identifies and moves data byte-exactly.
class DwMmcCardMatrix
    : public ::testing::TestWithParam<std::tuple<DwMmcModel::Start, bool, uint32_t>> {};

TEST_P(DwMmcCardMatrix, IdentifyAndMoveData) {
  DwMmcModel::Config config;
  config.high_capacity = std::get<1>(GetParam());
  config.fifo_width_bytes = std::get<2>(GetParam());
  Stack s(config, std::get<0>(GetParam()));
  ASSERT_TRUE(s.bring_up().ok());
  EXPECT_EQ(s.card.info().block_addressed, config.high_capacity);
  expect_fast_bus(s);
  exercise(s);
  expect_clean(s.model);
}

INSTANTIATE_TEST_SUITE_P(
    All, DwMmcCardMatrix,
    ::testing::Combine(::testing::Values(DwMmcModel::Start::PowerOn, DwMmcModel::Start::LeftByUBoot),
                       ::testing::Bool(), ::testing::Values(2u, 4u, 8u)));

// Proves: the card clock never exceeds what was asked -- 25 MHz by default,
// the tree's max-frequency when lower -- for the card-input clock rates the
// JH7110 may run, known to the driver or not (the kernel passes 0: the
// driver assumes 200 MHz and errs slow), and identification stays at or
// below 400 kHz throughout; with the rate known, CardInfo reports the clock
// the card really runs at (e.g. 24.75 MHz from 49.5 MHz, not 25).
TEST(DwMmcCard, ClockNeverAboveTheLimit) {
  for (uint32_t ciu : {24'000'000u, 49'500'000u, 50'000'000u, 100'000'000u, 200'000'000u}) {
    for (bool known : {true, false}) {
      for (uint32_t max_hz : {25'000'000u, 10'000'000u}) {
        DwMmcModel::Config config;
        config.ciu_hz = ciu;
        Stack s(config, DwMmcModel::Start::LeftByUBoot, known ? ciu : 0);
        ASSERT_TRUE(s.bring_up(max_hz).ok()) << ciu;
        EXPECT_LE(s.model.card_clock_hz(), max_hz) << ciu << " " << known;
        EXPECT_LE(s.model.stats.max_card_clock_hz, max_hz) << ciu << " " << known;
        EXPECT_EQ(s.model.stats.fast_identification, 0u) << ciu << " " << known;
        // What the card layer reports (the kernel's log line) is the real
        // clock when the driver knows the ciu rate, and never below it.
        EXPECT_GE(s.card.info().clock_hz, s.model.card_clock_hz());
        if (known) {
          EXPECT_EQ(s.card.info().clock_hz, s.model.card_clock_hz()) << ciu << " " << max_hz;
        }
        std::vector<uint8_t> buffer(4 * kSector);
        ASSERT_TRUE(s.card.read(9, buffer.data(), 4).ok());
        EXPECT_EQ(buffer, s.image(9, 4));
        expect_clean(s.model);
      }
    }
  }
}

// ---- data -------------------------------------------------------------------------

// Proves: read_pages() with pages scattered in memory (separately allocated,
// handed over in an order unrelated to their addresses) is one CMD18 per
// call, and every page gets exactly its 8 sectors.
TEST(DwMmcCard, ReadPagesScattered) {
  auto s = ready_stack();
  constexpr uint32_t kPages = 5;
  std::vector<std::unique_ptr<uint8_t[]>> storage;
  for (uint32_t i = 0; i < kPages; i++) {
    storage.push_back(std::make_unique<uint8_t[]>(4096));
    memset(storage.back().get(), 0xee, 4096);
  }
  void* pages[kPages] = {storage[3].get(), storage[0].get(), storage[4].get(), storage[1].get(),
                         storage[2].get()};
  size_t mark = s->commands();
  ASSERT_TRUE(s->card.read_pages(64, pages, kPages).ok());
  EXPECT_EQ(s->count_since(mark, 18), 1u);
  EXPECT_EQ(s->count_since(mark, 17), 0u);
  for (uint32_t i = 0; i < kPages; i++) {
    auto* page = static_cast<uint8_t*>(pages[i]);
    EXPECT_EQ(std::vector<uint8_t>(page, page + 4096), s->image(64 + 8 * i, 8)) << "page " << i;
  }
  // The last page of the card.
  void* last[1] = {storage[0].get()};
  ASSERT_TRUE(s->card.read_pages(s->card.sector_count() - 8, last, 1).ok());
  EXPECT_EQ(std::vector<uint8_t>(storage[0].get(), storage[0].get() + 4096),
            s->image(s->card.sector_count() - 8, 8));
  expect_clean(s->model);
}

// Proves: a long run (256 sectors, 128 KiB) is written and read back as one
// command each, byte-exactly, through a 32-entry FIFO.
TEST(DwMmcCard, LongRun) {
  auto s = ready_stack();
  std::vector<uint8_t> data = pattern(256 * kSector, 9);
  size_t mark = s->commands();
  ASSERT_TRUE(s->card.write(1000, data.data(), 256).ok());
  EXPECT_EQ(s->count_since(mark, 25), 1u);
  EXPECT_EQ(s->image(1000, 256), data);
  std::vector<uint8_t> back(256 * kSector);
  ASSERT_TRUE(s->card.read(1000, back.data(), 256).ok());
  EXPECT_EQ(back, data);
  expect_clean(s->model);
}

// Proves: requests that reach past the card's end are refused with Range
// before anything is sent: no command reaches the card, the image is
// unchanged, and the card stays usable (no recovery is triggered).
TEST(DwMmcCard, BeyondTheCardRefusedWithoutTouchingIt) {
  auto s = ready_stack();
  const uint64_t n = s->card.sector_count();
  std::vector<uint8_t> buffer(8 * kSector, 0x5a);
  std::vector<uint8_t> image_before = s->model.image;
  size_t mark = s->commands();
  EXPECT_EQ(s->card.read(n, buffer.data(), 1).error(), Error::Range);
  EXPECT_EQ(s->card.read(n - 1, buffer.data(), 2).error(), Error::Range);
  EXPECT_EQ(s->card.read(~uint64_t{0}, buffer.data(), 1).error(), Error::Range);
  EXPECT_EQ(s->card.write(n, buffer.data(), 1).error(), Error::Range);
  EXPECT_EQ(s->card.write(n - 3, buffer.data(), 4).error(), Error::Range);
  void* pages[2] = {buffer.data(), buffer.data()};
  EXPECT_EQ(s->card.read_pages(n - 8, pages, 2).error(), Error::Range);
  EXPECT_EQ(s->commands(), mark);
  EXPECT_EQ(s->model.image, image_before);
  EXPECT_TRUE(std::all_of(buffer.begin(), buffer.end(), [](uint8_t b) { return b == 0x5a; }));
  // Still ready: the next request goes straight to the card, no CMD0.
  ASSERT_TRUE(s->card.read(n - 1, buffer.data(), 1).ok());
  EXPECT_EQ(s->count_since(mark, 0), 0u);
}

// ---- faults -----------------------------------------------------------------------

// Proves: with no card in the slot init() fails with NoDevice (CMD8 and
// ACMD41 time out), and every later request fails with NoDevice too.
TEST(DwMmcCard, NoCard) {
  DwMmcModel::Config config;
  config.card_inserted = false;
  Stack s(config);
  ASSERT_TRUE(s.host.reset().ok());
  EXPECT_EQ(s.card.init().error(), Error::NoDevice);
  EXPECT_FALSE(s.card.ready());
  std::vector<uint8_t> buffer(kSector);
  EXPECT_EQ(s.card.read(0, buffer.data(), 1).error(), Error::NoDevice);
  EXPECT_EQ(s.card.write(0, buffer.data(), 1).error(), Error::NoDevice);
  EXPECT_TRUE(s.model.stats.commands.empty());  // nobody heard anything
}

// Proves: when card detect says the slot is empty, init() returns NoDevice
// without a command reaching the card; once a card is in, the same Card
// comes up; pulled again, requests fail with NoDevice without a command.
TEST(DwMmcCard, CardDetectEmpty) {
  FakeClock clock;
  DwMmcModel model({}, DwMmcModel::Start::PowerOn);
  bool present = false;
  DwMmcHost host(model, clock, 50'000'000, 32, "mmc@16020000",
                 [](void* context) { return *static_cast<bool*>(context); }, &present);
  sd::Card card(host, "mmcblk0");
  ASSERT_TRUE(host.reset().ok());
  EXPECT_EQ(card.init().error(), Error::NoDevice);
  EXPECT_TRUE(model.stats.commands.empty());
  // Inserted: the same Card comes up.
  present = true;
  ASSERT_TRUE(card.init().ok());
  // Removed after init: requests fail with NoDevice, nothing is sent.
  present = false;
  size_t mark = model.stats.commands.size();
  std::vector<uint8_t> buffer(kSector);
  EXPECT_EQ(card.read(0, buffer.data(), 1).error(), Error::NoDevice);
  EXPECT_EQ(model.stats.commands.size(), mark);
}

// Proves: a data CRC error on one block of a multi-block read reaches the
// caller as Io (the buffer is not passed off as good); the card is stopped
// and left in transfer state; the next request re-identifies the same card
// (CMD0 again) and works, byte-exactly -- also while the fault stays on a
// block that request does not touch; a single-block read of the bad block
// fails again the same way.
TEST(DwMmcCard, DataCrcErrorThenRecovery) {
  auto s = ready_stack();
  s->model.faults.data_crc_on_read_lba = 103;
  std::vector<uint8_t> buffer(8 * kSector);
  EXPECT_EQ(s->card.read(100, buffer.data(), 8).error(), Error::Io);
  EXPECT_TRUE(s->model.card_in_transfer_state());

  size_t mark = s->commands();
  ASSERT_TRUE(s->card.read(0, buffer.data(), 8).ok());
  EXPECT_EQ(buffer, s->image(0, 8));
  EXPECT_EQ(s->count_since(mark, 0), 1u);  // recovered by identifying again
  EXPECT_TRUE(s->card.ready());
  expect_fast_bus(*s);

  EXPECT_EQ(s->card.read(103, buffer.data(), 1).error(), Error::Io);
  s->model.faults.data_crc_on_read_lba = -1;
  ASSERT_TRUE(s->card.read(100, buffer.data(), 8).ok());
  EXPECT_EQ(buffer, s->image(100, 8));
  // And writing works after recovery.
  std::vector<uint8_t> data = pattern(2 * kSector, 4);
  ASSERT_TRUE(s->card.write(103, data.data(), 2).ok());
  EXPECT_EQ(s->image(103, 2), data);
}

// Proves: a response CRC error reaches the caller as Io whether it hits the
// read command itself or the CMD13 that confirms a write -- a write whose
// confirmation was garbled is NOT reported as done -- and the next request
// recovers.
TEST(DwMmcCard, ResponseCrcErrorThenRecovery) {
  auto s = ready_stack();
  std::vector<uint8_t> buffer(4 * kSector);
  s->model.faults.response_crc_on_command = 18;
  EXPECT_EQ(s->card.read(10, buffer.data(), 4).error(), Error::Io);
  s->model.faults.response_crc_on_command = -1;
  ASSERT_TRUE(s->card.read(10, buffer.data(), 4).ok());
  EXPECT_EQ(buffer, s->image(10, 4));

  std::vector<uint8_t> data = pattern(kSector, 5);
  s->model.faults.response_crc_on_command = 13;
  EXPECT_EQ(s->card.write(30, data.data(), 1).error(), Error::Io);
  s->model.faults.response_crc_on_command = 24;
  EXPECT_FALSE(s->card.write(30, data.data(), 1).ok());
  s->model.faults.response_crc_on_command = -1;
  ASSERT_TRUE(s->card.write(30, data.data(), 1).ok());
  EXPECT_EQ(s->image(30, 1), data);
}

// Proves: a card that stops answering in the middle of a multi-block read
// gives an error (never success), and since it never answers again the
// recovery fails and the Card is gone: every later call fails with
// NoDevice at once, and none hangs.
TEST(DwMmcCard, CardStopsAnsweringMidRead) {
  auto s = ready_stack();
  s->model.faults.card_dies_after_blocks = 3;
  std::vector<uint8_t> buffer(8 * kSector);
  Result<void> r = s->card.read(0, buffer.data(), 8);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::TimedOut);
  EXPECT_EQ(s->card.read(0, buffer.data(), 1).error(), Error::NoDevice);
  EXPECT_FALSE(s->card.ready());
  size_t mark = s->commands();
  EXPECT_EQ(s->card.write(0, buffer.data(), 1).error(), Error::NoDevice);
  EXPECT_EQ(s->commands(), mark);
}

// Proves: a card that stops answering in the middle of a multi-block write
// never makes the write look successful: the write fails (no CRC status),
// later writes fail with NoDevice, and the blocks after the card died are
// not in the image.
TEST(DwMmcCard, CardStopsAnsweringMidWrite) {
  for (uint32_t count : {1u, 8u}) {
    auto s = ready_stack();
    s->model.faults.card_dies_after_blocks = count == 1 ? 1 : 2;
    std::vector<uint8_t> data = pattern(8 * kSector, 6);
    std::vector<uint8_t> untouched = s->image(42, 6);
    Result<void> r = s->card.write(40, data.data(), count);
    EXPECT_FALSE(r.ok()) << count;
    if (count == 8) {
      EXPECT_EQ(r.error(), Error::Io);
      EXPECT_EQ(s->image(42, 6), untouched);
    }
    EXPECT_EQ(s->card.write(40, data.data(), 1).error(), Error::NoDevice);
    EXPECT_FALSE(s->card.ready());
  }
}

// Proves: a card that stays busy after a write (single or multi-block)
// gives TimedOut -- never success, never a hang -- and, since it never
// releases DAT0, the recovery cannot reach it (identification starts with a
// clock change, which the controller holds back while the card is busy), so
// the Card is gone: later requests fail with NoDevice at once, nothing is
// reported written. (The model's card leaves "busy forever" only on CMD0 or
// a power cycle; a real card doing this needs its power cycled.)
TEST(DwMmcCard, WriteBusyForever) {
  for (uint32_t count : {1u, 4u}) {
    auto s = ready_stack();
    s->model.faults.write_busy_forever = true;
    std::vector<uint8_t> data = pattern(count * kSector, 7);
    EXPECT_EQ(s->card.write(20, data.data(), count).error(), Error::TimedOut) << count;
    std::vector<uint8_t> buffer(count * kSector);
    EXPECT_EQ(s->card.read(20, buffer.data(), count).error(), Error::NoDevice) << count;
    EXPECT_FALSE(s->card.ready());
    size_t mark = s->commands();
    EXPECT_EQ(s->card.write(20, data.data(), count).error(), Error::NoDevice) << count;
    EXPECT_EQ(s->commands(), mark);
  }
}

// Proves: a Card that is gone (a write's CMD13 garbled, then its recovery
// failing at CMD7) stays gone -- NoDevice, even once the fault is lifted --
// until the probe's way back (host reset() and a fresh init()) revives it,
// after which writes work again on a 4-bit 25 MHz bus.
TEST(DwMmcCard, ReinitAfterGone) {
  auto s = ready_stack();
  s->model.faults.response_crc_on_command = 13;
  std::vector<uint8_t> data = pattern(kSector, 8);
  EXPECT_EQ(s->card.write(50, data.data(), 1).error(), Error::Io);
  // Identification sends no CMD13 but does send CMD7: garble that one so
  // the recovery fails.
  s->model.faults.response_crc_on_command = 7;
  EXPECT_EQ(s->card.write(50, data.data(), 1).error(), Error::NoDevice);
  EXPECT_FALSE(s->card.ready());
  s->model.faults.response_crc_on_command = -1;
  EXPECT_EQ(s->card.write(50, data.data(), 1).error(), Error::NoDevice);  // gone stays gone
  ASSERT_TRUE(s->bring_up().ok());
  ASSERT_TRUE(s->card.write(50, data.data(), 1).ok());
  EXPECT_EQ(s->image(50, 1), data);
  expect_fast_bus(*s);
}

}  // namespace
}  // namespace rivet

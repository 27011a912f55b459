// Tests of the SiFive SPI controller driver (kernel/dev/sifive_spi.cc)
// against a register-level model of QEMU 7.2's controller
// (tests/unit/sifive_spi_model.h) with a shift-register device behind it.
// Every test also fails if the model saw a dropped byte, a write to a full
// TX FIFO, csmode OFF, a bad register access, or a frame with a format other
// than 8-bit single-line MSB-first mode 0 (see TearDown).
#include "kernel/dev/sifive_spi.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <vector>

#include "tests/unit/sifive_spi_model.h"

namespace rivet::dev {
namespace {

using test::EchoDevice;
using test::SifiveSpiModel;

constexpr uint32_t kCsModeAuto = 0;
constexpr uint32_t kCsModeHold = 2;
constexpr uint32_t kFmtEightBitFrames = 8u << 16;

// A clock that moves 1 us each time it is read: a wait that never ends
// costs as many loop turns as it has microseconds.
class FakeClock final : public Clock {
 public:
  uint64_t now_us() override { return ++now_; }
  uint64_t now_ = 1'000'000;
};

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

class SifiveSpiTest : public ::testing::Test {
 protected:
  void make(SifiveSpiModel::Options options = {}, uint32_t input_hz = 500'000'000, uint32_t cs = 0) {
    model_ = std::make_unique<SifiveSpiModel>(device_, options);
    spi_ = std::make_unique<SifiveSpi>(*model_, clock_, input_hz, cs, "spi@10050000");
  }
  void make_and_init(SifiveSpiModel::Options options = {}) {
    make(options);
    ASSERT_TRUE(spi_->init().ok());
  }

  void TearDown() override {
    if (!model_) return;
    EXPECT_EQ(model_->rx_dropped(), 0u) << "a received byte was dropped (RX FIFO overflow)";
    EXPECT_EQ(model_->tx_lost(), 0u) << "TXDATA written while full";
    EXPECT_FALSE(model_->off_written()) << "csmode OFF was written";
    for (const auto& v : model_->violations()) ADD_FAILURE() << "model: " << v;
    for (const auto& f : model_->frames()) {
      ASSERT_EQ(f.fmt, kFmtEightBitFrames) << "frame sent with the wrong format";
      ASSERT_EQ(f.sckmode, 0u) << "frame sent in a mode other than 0";
    }
  }

  // Sends `tx` as one begin()..end() transaction; checks what came back.
  void round_trip(const std::vector<uint8_t>& tx) {
    size_t frames_before = model_->frames().size();
    size_t spans_before = model_->spans().size();
    size_t received_before = device_.received.size();
    std::vector<uint8_t> rx(tx.size(), 0x3c);
    spi_->begin();
    ASSERT_TRUE(spi_->transfer(tx.data(), rx.data(), tx.size()).ok());
    spi_->end();
    // The device got every byte, in order, and the replies line up.
    std::vector<uint8_t> got(device_.received.begin() + static_cast<long>(received_before), device_.received.end());
    ASSERT_EQ(got, tx);
    ASSERT_EQ(rx[0], EchoDevice::kFirstReply);
    for (size_t i = 1; i < tx.size(); i++) ASSERT_EQ(rx[i], tx[i - 1]) << "byte " << i << " of " << tx.size();
    // Chip select covered exactly this transaction's frames, then dropped.
    ASSERT_EQ(model_->spans().size(), spans_before + 1);
    const auto& span = model_->spans().back();
    EXPECT_FALSE(span.open);
    EXPECT_EQ(span.first, frames_before);
    EXPECT_EQ(span.end, frames_before + tx.size());
    EXPECT_FALSE(model_->selected());
    for (size_t i = frames_before; i < model_->frames().size(); i++)
      ASSERT_TRUE(model_->frames()[i].silicon_selected) << "silicon would not have selected the card";
    EXPECT_EQ(model_->rx_count(), 0u) << "bytes left unread";
  }

  FakeClock clock_;
  EchoDevice device_;
  std::unique_ptr<SifiveSpiModel> model_;
  std::unique_ptr<SifiveSpi> spi_;
};

// init() leaves the controller polled, in mode 0 with 8-bit frames that fill
// the RX FIFO, chip select AUTO (deasserted in QEMU), at most 400 kHz, and
// sends nothing on the bus.
TEST_F(SifiveSpiTest, InitConfiguresTheController) {
  make_and_init();
  EXPECT_EQ(model_->peek(0x70), 0u);  // ie
  EXPECT_EQ(model_->peek(0x18), kCsModeAuto);
  EXPECT_EQ(model_->peek(0x10), 0u);  // csid
  EXPECT_EQ(model_->peek(0x14) & 1, 1u);  // csdef: active low
  EXPECT_EQ(model_->peek(0x40), kFmtEightBitFrames);
  EXPECT_EQ(model_->peek(0x04), 0u);
  // 500 MHz / (2 * 625) = 400 kHz exactly.
  EXPECT_EQ(model_->peek(0x00), 624u);
  EXPECT_FALSE(model_->selected());
  EXPECT_TRUE(model_->frames().empty());
  EXPECT_TRUE(model_->spans().empty());
}

// Bytes the firmware left in the RX FIFO do not shift the first replies.
TEST_F(SifiveSpiTest, InitDrainsStaleReceivedBytes) {
  make();
  model_->preload_rx({0x11, 0x22, 0x33, 0x44, 0x55});
  ASSERT_TRUE(spi_->init().ok());
  EXPECT_EQ(model_->rx_count(), 0u);
  round_trip({0x40, 0x00, 0x00, 0x00, 0x00, 0x95, 0xff, 0xff});
}

// Long and odd-sized transfers arrive complete and in order, with QEMU's
// timing, and none of QEMU's drops happens.
TEST_F(SifiveSpiTest, BytesRoundTripInOrderWithQemuTiming) {
  make_and_init();
  for (size_t n : {1, 2, 3, 7, 8, 9, 15, 16, 17, 63, 511, 512, 513, 1023, 4097, 5000})
    round_trip(random_bytes(n, static_cast<uint32_t>(n)));
}

// The same with silicon-like timing: the controller shifts bytes out on its
// own, so the driver has to wait for each reply.
TEST_F(SifiveSpiTest, BytesRoundTripInOrderWhenTheControllerIsSlow) {
  for (uint32_t ticks : {1u, 2u, 5u, 13u}) {
    SCOPED_TRACE(ticks);
    make_and_init({.num_cs = 1, .ticks_per_byte = ticks});
    for (size_t n : {1, 8, 9, 100, 517, 5000}) round_trip(random_bytes(n, static_cast<uint32_t>(n + ticks)));
    TearDown();
  }
}

// tx == nullptr clocks 0xFF; rx == nullptr discards what came back.
TEST_F(SifiveSpiTest, NullBuffersSendOnesAndDiscard) {
  make_and_init();
  std::vector<uint8_t> rx(20, 0);
  spi_->begin();
  ASSERT_TRUE(spi_->transfer(nullptr, rx.data(), rx.size()).ok());
  std::vector<uint8_t> tx = random_bytes(33, 7);
  ASSERT_TRUE(spi_->transfer(tx.data(), nullptr, tx.size()).ok());
  spi_->end();
  EXPECT_EQ(rx[0], EchoDevice::kFirstReply);
  for (size_t i = 1; i < rx.size(); i++) EXPECT_EQ(rx[i], 0xff);
  ASSERT_EQ(device_.received.size(), 53u);
  for (size_t i = 0; i < 20; i++) EXPECT_EQ(device_.received[i], 0xff);
  EXPECT_TRUE(std::equal(tx.begin(), tx.end(), device_.received.begin() + 20));
  EXPECT_EQ(model_->rx_count(), 0u);
}

// Chip select stays asserted across several transfers inside one
// begin()..end(), is released by end(), and each transaction is one span.
TEST_F(SifiveSpiTest, ChipSelectHeldForTheWholeTransaction) {
  make_and_init();
  spi_->begin();
  EXPECT_TRUE(model_->selected());
  EXPECT_EQ(model_->peek(0x18), kCsModeHold);
  uint8_t cmd[6] = {0x51, 0, 0, 0, 0, 0xff};
  ASSERT_TRUE(spi_->transfer(cmd, nullptr, sizeof cmd).ok());
  ASSERT_TRUE(spi_->transfer(nullptr, nullptr, 700).ok());
  ASSERT_TRUE(spi_->transfer(nullptr, nullptr, 1).ok());
  EXPECT_TRUE(model_->selected());
  spi_->end();
  EXPECT_FALSE(model_->selected());
  EXPECT_EQ(model_->peek(0x18), kCsModeAuto);
  ASSERT_EQ(model_->spans().size(), 1u);
  EXPECT_EQ(model_->spans()[0].first, 0u);
  EXPECT_EQ(model_->spans()[0].end, 707u);
  EXPECT_EQ(device_.selections, 1u);
  round_trip(random_bytes(10, 1));
  EXPECT_EQ(model_->spans().size(), 2u);
  EXPECT_EQ(device_.selections, 2u);
}

// Outside begin()..end() QEMU's chip select is deasserted: the device sees
// nothing and the bus reads 0x00 (the quirk BOARDS.md describes).
TEST_F(SifiveSpiTest, OutsideATransactionTheDeviceIsNotSelected) {
  make_and_init();
  std::vector<uint8_t> rx(12, 0x77);
  ASSERT_TRUE(spi_->transfer(nullptr, rx.data(), rx.size()).ok());
  EXPECT_TRUE(device_.received.empty());
  for (uint8_t b : rx) EXPECT_EQ(b, 0x00);
}

// idle_clocks() clocks 0xFF with the card deselected both in QEMU and on
// silicon (the inverted-polarity choice), restores csdef, and the next
// begin() still asserts chip select. Inside a transaction it refuses.
TEST_F(SifiveSpiTest, IdleClocksReachNoDevice) {
  make_and_init();
  ASSERT_TRUE(spi_->idle_clocks(10).ok());
  EXPECT_TRUE(device_.received.empty());
  ASSERT_EQ(model_->frames().size(), 10u);
  for (const auto& f : model_->frames()) {
    EXPECT_EQ(f.mosi, 0xff);
    EXPECT_FALSE(f.selected);
    EXPECT_FALSE(f.silicon_selected);
  }
  EXPECT_EQ(model_->peek(0x14) & 1, 1u);
  EXPECT_EQ(model_->rx_count(), 0u);
  round_trip({1, 2, 3});
  spi_->begin();
  EXPECT_EQ(spi_->idle_clocks(1).error(), Error::Busy);
  spi_->end();
  // Also with slow timing, and many bytes.
  make_and_init({.num_cs = 1, .ticks_per_byte = 3});
  ASSERT_TRUE(spi_->idle_clocks(100).ok());
  EXPECT_TRUE(device_.received.size() == 3);  // only round_trip's bytes
  for (const auto& f : model_->frames()) EXPECT_FALSE(f.silicon_selected || f.selected);
}

// A whole card-like session (idle clocks, commands, reads, clock changes)
// never writes csmode OFF and drops nothing.
TEST_F(SifiveSpiTest, OffIsNeverWritten) {
  make_and_init();
  ASSERT_TRUE(spi_->idle_clocks(10).ok());
  for (int i = 0; i < 20; i++) round_trip(random_bytes(6 + 515 * (i % 2), static_cast<uint32_t>(i)));
  ASSERT_TRUE(spi_->set_clock(20'000'000).ok());
  round_trip(random_bytes(4096, 99));
  EXPECT_FALSE(model_->off_written());
}

// The divider is the fastest not above the request, for several input
// clocks; the real rate never exceeds the request.
TEST(SifiveSpiDivider, FastestRateNotAboveTheRequest) {
  const uint32_t inputs[] = {500'000'000, 750'000'000, 130'000'000, 33'333'333, 1'000'000, 999'999'937};
  const uint32_t requests[] = {100'000, 400'000, 1'000'000, 20'000'000, 25'000'000, 50'000'000, 1'000'000'000};
  for (uint32_t in : inputs) {
    for (uint32_t hz : requests) {
      SCOPED_TRACE(testing::Message() << in << " Hz in, " << hz << " Hz asked");
      auto d = SifiveSpi::divider_for(in, hz);
      if (!d.ok()) {
        // Only when even the largest divider is too fast.
        EXPECT_EQ(d.error(), Error::Range);
        EXPECT_GT(double(in) / (2.0 * (SifiveSpi::kMaxDivider + 1)), double(hz));
        continue;
      }
      double rate = double(in) / (2.0 * (d->sckdiv + 1));
      EXPECT_LE(rate, double(hz));
      if (d->sckdiv > 0) {
        EXPECT_GT(double(in) / (2.0 * d->sckdiv), double(hz)) << "a faster divider fits";
      }
      EXPECT_LE(d->sckdiv, SifiveSpi::kMaxDivider);
      EXPECT_LE(double(d->rate_hz), rate);
      EXPECT_GT(double(d->rate_hz) + 1, rate);
    }
  }
  // Exact values.
  EXPECT_EQ(SifiveSpi::divider_for(500'000'000, 400'000)->sckdiv, 624u);
  EXPECT_EQ(SifiveSpi::divider_for(500'000'000, 400'000)->rate_hz, 400'000u);
  EXPECT_EQ(SifiveSpi::divider_for(500'000'000, 20'000'000)->sckdiv, 12u);  // 19.23 MHz
  EXPECT_EQ(SifiveSpi::divider_for(500'000'000, 250'000'000)->sckdiv, 0u);
  EXPECT_EQ(SifiveSpi::divider_for(500'000'000, 1'000'000'000)->rate_hz, 250'000'000u);
  EXPECT_EQ(SifiveSpi::divider_for(130'000'000, 400'000)->sckdiv, 162u);  // 398.8 kHz
  // Too slow for the 12-bit divider; 0 Hz is no rate.
  EXPECT_EQ(SifiveSpi::divider_for(500'000'000, 1'000).error(), Error::Range);
  EXPECT_EQ(SifiveSpi::divider_for(500'000'000, 0).error(), Error::Invalid);
}

// With no known input clock the divider assumes kAssumedInputClockHz, so the
// real rate stays at or below the request on every board's real clock.
TEST(SifiveSpiDivider, UnknownInputClockIsSafe) {
  const uint32_t real_inputs[] = {33'333'333, 130'000'000, 500'000'000, 750'000'000, 1'000'000'000};
  for (uint32_t hz : {400'000u, 20'000'000u, 25'000'000u}) {
    auto d = SifiveSpi::divider_for(0, hz);
    ASSERT_TRUE(d.ok());
    auto assumed = SifiveSpi::divider_for(SifiveSpi::kAssumedInputClockHz, hz);
    EXPECT_EQ(d->sckdiv, assumed->sckdiv);
    EXPECT_EQ(d->rate_hz, assumed->rate_hz);
    for (uint32_t real : real_inputs) EXPECT_LE(double(real) / (2.0 * (d->sckdiv + 1)), double(hz));
  }
  // The identification rate: 400 kHz asked gives 200 kHz on an Unleashed
  // (500 MHz tlclk), still within the SD limit.
  EXPECT_EQ(SifiveSpi::divider_for(0, 400'000)->sckdiv, 1249u);
}

// set_clock() programs sckdiv and returns the rate; init() with an unknown
// input clock starts slow enough.
TEST_F(SifiveSpiTest, SetClockProgramsTheDivider) {
  make_and_init();
  auto r = spi_->set_clock(20'000'000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(model_->peek(0x00), 12u);
  EXPECT_EQ(*r, 19'230'769u);
  round_trip(random_bytes(40, 3));
  EXPECT_EQ(model_->frames().back().sckdiv, 12u);
  EXPECT_EQ(spi_->set_clock(0).error(), Error::Invalid);
  EXPECT_EQ(model_->peek(0x00), 12u) << "a refused rate must not change the divider";

  make({}, 0);
  ASSERT_TRUE(spi_->init().ok());
  EXPECT_EQ(model_->peek(0x00), 1249u);
}

// A controller whose TX FIFO never drains gives TimedOut within about one
// timeout, not a hang.
TEST_F(SifiveSpiTest, StuckTransmitFifoTimesOut) {
  make_and_init();
  model_->stuck_tx_full = true;
  uint64_t start = clock_.now_;
  spi_->begin();
  std::vector<uint8_t> rx(100);
  auto r = spi_->transfer(nullptr, rx.data(), rx.size());
  spi_->end();
  EXPECT_EQ(r.error(), Error::TimedOut);
  EXPECT_LT(clock_.now_ - start, 3 * SifiveSpi::kFifoTimeoutUs);
  // Bounded polling: about kPollsPerClockLook reads per microsecond of
  // the fake clock, for one timeout.
  EXPECT_LT(model_->accesses(), 2 * SifiveSpi::kFifoTimeoutUs * (SifiveSpi::kPollsPerClockLook + 1));
  EXPECT_TRUE(model_->frames().empty());
}

// A controller that never delivers a received byte gives TimedOut too.
TEST_F(SifiveSpiTest, StuckReceiveFifoTimesOut) {
  make_and_init();
  model_->stuck_rx_empty = true;
  uint64_t start = clock_.now_;
  spi_->begin();
  auto r = spi_->transfer(nullptr, nullptr, 5000);
  spi_->end();
  EXPECT_EQ(r.error(), Error::TimedOut);
  EXPECT_LT(clock_.now_ - start, 3 * SifiveSpi::kFifoTimeoutUs);
  EXPECT_LE(model_->frames().size(), SifiveSpi::kFifoDepth) << "pushed more than a FIFO's worth unanswered";
}

// idle_clocks() on a stuck controller times out and still restores csdef,
// so chip select keeps working.
TEST_F(SifiveSpiTest, StuckIdleClocksRestoreChipSelectPolarity) {
  make_and_init();
  model_->stuck_rx_empty = true;
  EXPECT_EQ(spi_->idle_clocks(10).error(), Error::TimedOut);
  EXPECT_EQ(model_->peek(0x14) & 1, 1u);
  model_->stuck_rx_empty = false;
  // The stale replies the stuck phase left must be drained by a new init().
  ASSERT_TRUE(spi_->init().ok());
  round_trip({9, 8, 7});
}

// A controller stuck from the start fails init() with TimedOut, quickly.
TEST_F(SifiveSpiTest, StuckControllerFailsInit) {
  make();
  model_->stuck_tx_full = true;
  model_->stuck_rx_empty = true;
  uint64_t start = clock_.now_;
  EXPECT_EQ(spi_->init().error(), Error::TimedOut);
  EXPECT_LT(clock_.now_ - start, 3 * SifiveSpi::kFifoTimeoutUs);
}

// A chip select the 32-bit registers cannot name is refused before any
// register is touched.
TEST_F(SifiveSpiTest, InvalidChipSelect) {
  make({}, 500'000'000, 32);
  EXPECT_EQ(spi_->init().error(), Error::Invalid);
  EXPECT_EQ(model_->accesses(), 0u);
}

// The model itself is strict: nine bytes pushed without reading drop one
// reply, OFF asserts chip select as QEMU does, and a bad csid is reported.
// (This proves the checks in TearDown can fail.)
TEST(SifiveSpiModelTest, ModelCatchesMisuse) {
  EchoDevice device;
  SifiveSpiModel model(device);
  model.write32(0x40, kFmtEightBitFrames);
  model.write32(0x18, kCsModeHold);
  for (int i = 0; i < 9; i++) model.write32(0x48, static_cast<uint32_t>(i));
  EXPECT_EQ(model.rx_dropped(), 1u);
  EXPECT_EQ(model.rx_count(), 8u);
  model.write32(0x18, 3);
  EXPECT_TRUE(model.off_written());
  EXPECT_TRUE(model.selected());
  model.write32(0x18, kCsModeAuto);
  EXPECT_FALSE(model.selected());
  model.write32(0x10, 1);
  model.write32(0x08, 0);
  EXPECT_EQ(model.violations().size(), 2u);
}

}  // namespace
}  // namespace rivet::dev

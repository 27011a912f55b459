// Tests of the SD card stack in kernel/dev/sd: CRC7/CRC16, the SPI-mode host
// (SpiHost) and the card protocol (Card), against the simulated cards of
// sd_sim.h -- one speaking SPI byte by byte, one at command level on the
// native bus -- with injected faults. The fake clock advances whenever it is
// read, so a wait on a card that never answers ends quickly; every test
// finishing is the proof that nothing hangs.
#include <gtest/gtest.h>
#include <string.h>

#include <memory>
#include <vector>

#include "tests/unit/sd_pattern.h"
#include "kernel/dev/sd/card.h"
#include "kernel/dev/sd/crc.h"
#include "kernel/dev/sd/spi_host.h"
#include "tests/unit/sd_sim.h"

namespace rivet::sd {
namespace {

using sim::CardConfig;
using sim::CardModel;
using sim::FakeClock;
using sim::NativeHost;
using sim::SpiCard;

constexpr uint32_t kSector = 512;

// ---- helpers ---------------------------------------------------------------------

CardConfig sdhc(uint64_t bytes = 4ull << 30) {
  CardConfig config;
  config.sdhc = true;
  config.bytes = bytes;
  return config;
}

// SDSC with a version 1 CSD: (c_size + 1) << (c_size_mult + 2 + read_bl_len) bytes.
CardConfig sdsc(uint32_t c_size = 3799, uint32_t c_size_mult = 7, uint32_t read_bl_len = 9) {
  CardConfig config;
  config.sdhc = false;
  config.c_size = c_size;
  config.c_size_mult = c_size_mult;
  config.read_bl_len = read_bl_len;
  config.product = "SD01G";
  return config;
}

using test::pattern;

// Whether `bytes` equal what the card holds from `sector` on.
::testing::AssertionResult holds(const CardModel& card, uint64_t sector, const uint8_t* bytes, uint32_t count) {
  for (uint32_t i = 0; i < count; ++i) {
    std::vector<uint8_t> stored = card.peek(sector + i);
    if (memcmp(stored.data(), bytes + uint64_t{i} * kSector, kSector) != 0)
      return ::testing::AssertionFailure() << "sector " << sector + i << " differs";
  }
  return ::testing::AssertionSuccess();
}

// A Card on the SPI host on the byte-level simulated card.
struct SpiRig {
  explicit SpiRig(const CardConfig& config = sdhc(), uint32_t max_blocks = SpiHost::kDefaultMaxBlocks)
      : card(config), bus(card, clock), host(bus, max_blocks), sd(host, "mmcblk0") {}
  // Commands sent since `mark` (CMD55 prefixes included).
  size_t commands() const { return card.log.size(); }

  FakeClock clock;
  CardModel card;
  SpiCard bus;
  SpiHost host;
  Card sd;
};

// A Card on the simulated native host.
struct NativeRig {
  explicit NativeRig(const CardConfig& config = sdhc(), uint32_t max_blocks = 64, bool four_bit = true)
      : card(config), host(card, clock, max_blocks, four_bit), sd(host, "mmcblk1") {}

  FakeClock clock;
  CardModel card;
  NativeHost host;
  Card sd;
};

// ---- CRCs ---------------------------------------------------------------------------

// Proves CRC7 matches the spec's known frames (CMD0, CMD8 0x1AA, CMD17 0,
// and the frames every SPI init sends), so cards with CRC on accept ours.
// Proves the kernel clock's tick-to-microsecond conversion stays exact and
// monotonic past 2^64 / 10^6 ticks (21 days of a 10 MHz timebase), where
// ticks * 10^6 / hz wrapped and sent the time back to near zero.
TEST(DriverClock, TicksToMicrosecondsDoesNotWrap) {
  EXPECT_EQ(dev::ticks_to_us(0, 10'000'000), 0u);
  EXPECT_EQ(dev::ticks_to_us(15, 10'000'000), 1u);
  EXPECT_EQ(dev::ticks_to_us(3, 1'000'000), 3u);
  EXPECT_EQ(dev::ticks_to_us(1'000'000, 4'000'000), 250'000u);
  const uint64_t wrap = UINT64_MAX / 1'000'000 + 1;  // the first tick whose product wraps
  for (uint64_t hz : {1'000'000ull, 4'000'000ull, 10'000'000ull}) {
    uint64_t before = dev::ticks_to_us(wrap - 1, hz);
    uint64_t after = dev::ticks_to_us(wrap, hz);
    EXPECT_GE(after, before) << hz;
    EXPECT_EQ(after, wrap / hz * 1'000'000 + wrap % hz * 1'000'000 / hz) << hz;
    EXPECT_GT(after, uint64_t{1} << 40) << hz;
  }
  EXPECT_EQ(dev::ticks_to_us(UINT64_MAX, 1'000'000), UINT64_MAX);
}

TEST(SdCrc, Crc7KnownFrames) {
  auto frame_crc = [](uint8_t index, uint32_t arg) {
    uint8_t f[5] = {static_cast<uint8_t>(0x40 | index), static_cast<uint8_t>(arg >> 24),
                    static_cast<uint8_t>(arg >> 16), static_cast<uint8_t>(arg >> 8), static_cast<uint8_t>(arg)};
    return crc7_frame_byte(f, 5);
  };
  EXPECT_EQ(frame_crc(0, 0), 0x95);
  EXPECT_EQ(frame_crc(8, 0x1AA), 0x87);
  EXPECT_EQ(frame_crc(17, 0), 0x55);
  EXPECT_EQ(frame_crc(55, 0), 0x65);
  EXPECT_EQ(frame_crc(41, 0x40000000), 0x77);
  EXPECT_EQ(frame_crc(58, 0), 0xFD);
}

// Proves CRC16 is CCITT/XMODEM: the spec's 512 x 0xFF example and the
// standard check value, and that it chains in pieces.
TEST(SdCrc, Crc16KnownValues) {
  std::vector<uint8_t> ones(512, 0xFF);
  EXPECT_EQ(crc16(ones.data(), ones.size()), 0x7FA1);
  const uint8_t check[] = {'1', '2', '3', '4', '5', '6', '7', '8', '9'};
  EXPECT_EQ(crc16(check, 9), 0x31C3);
  EXPECT_EQ(crc16(check + 4, 5, crc16(check, 4)), 0x31C3);
}

// ---- SPI: identification ------------------------------------------------------------

// Proves SPI init of an SDHC card: the command sequence, CCS -> block
// addressing, CSD v2 capacity, CID fields, 1-bit bus, 400 kHz then the fast
// clock, >= 74 idle clocks before CMD0, and clean chip-select discipline.
TEST(SdSpi, InitSdhc) {
  SpiRig rig(sdhc(4ull << 30));
  ASSERT_TRUE(rig.sd.init().ok());
  const CardInfo& info = rig.sd.info();
  EXPECT_EQ(info.kind, CardKind::Sdhc);
  EXPECT_TRUE(info.block_addressed);
  EXPECT_TRUE(info.version2);
  EXPECT_EQ(info.sectors, (4ull << 30) / 512);
  EXPECT_EQ(rig.sd.sector_count(), info.sectors);
  EXPECT_EQ(info.manufacturer_id, 0x1B);
  EXPECT_STREQ(info.oem_id, "SM");
  EXPECT_STREQ(info.product, "SD16G");
  EXPECT_EQ(info.revision, 0x10);
  EXPECT_EQ(info.serial, 0xC0FFEE42u);
  EXPECT_EQ(info.year, 2024);
  EXPECT_EQ(info.month, 6);
  EXPECT_EQ(info.bus_width, 1u);
  EXPECT_EQ(info.clock_hz, 25'000'000u);
  EXPECT_STREQ(card_kind_name(info.kind), "SDHC");
  ASSERT_GE(rig.bus.clock_history.size(), 2u);
  EXPECT_EQ(rig.bus.clock_history.front(), Card::kIdentificationHz);
  EXPECT_EQ(rig.bus.clock_history.back(), 25'000'000u);
  EXPECT_GE(rig.bus.idle_clock_bytes * 8, 74u);
  EXPECT_EQ(rig.card.count(0), 1);
  EXPECT_EQ(rig.card.count(8), 1);
  EXPECT_EQ(rig.card.count(59), 1);
  EXPECT_EQ(rig.card.count(58), 1);
  EXPECT_EQ(rig.card.count(9), 1);
  EXPECT_EQ(rig.card.count(10), 1);
  EXPECT_EQ(rig.card.count(16), 0);  // SDHC: block length fixed
  EXPECT_TRUE(rig.card.hcs_seen);
  EXPECT_TRUE(rig.card.crc_on);
  EXPECT_EQ(rig.card.protocol_violations, 0);
  // One command (with its data phase) = one chip-select hold.
  EXPECT_EQ(size_t(rig.bus.transactions), rig.card.log.size());
}

// Proves SPI init of an SDSC card: no CCS -> byte addressing, capacity from
// the version 1 CSD, CMD16 512 sent.
TEST(SdSpi, InitSdsc) {
  SpiRig rig(sdsc(3799, 7, 9));
  ASSERT_TRUE(rig.sd.init().ok());
  EXPECT_EQ(rig.sd.info().kind, CardKind::Sdsc);
  EXPECT_FALSE(rig.sd.info().block_addressed);
  EXPECT_EQ(rig.sd.sector_count(), 3800ull * 512 * 512 / 512);
  EXPECT_EQ(rig.card.arguments(16), std::vector<uint32_t>{512});
  EXPECT_STREQ(rig.sd.info().product, "SD01G");
}

// Proves the version 1 CSD capacity math (C_SIZE, C_SIZE_MULT, READ_BL_LEN)
// for several geometries, up to the 4 GiB SDSC maximum, by reading each
// card's last sector at the byte address the card expects.
TEST(SdSpi, CsdVersion1CapacityMath) {
  struct Shape {
    uint32_t c_size, mult, bl_len;
    uint64_t sectors;
  };
  const Shape shapes[] = {
      {4095, 7, 10, 4194304},  // 2 GiB: 4096 * 512 * 1024 bytes
      {2047, 7, 11, 4194304},  // 2 GiB with 2048-byte blocks
      {4095, 7, 11, 8388608},  // 4 GiB, the largest SDSC
      {3799, 7, 9, 1945600},   // 3800 * 512 * 512 bytes
      {1000, 3, 9, 32032},     // 1001 * 32 * 512 bytes
  };
  for (const Shape& s : shapes) {
    SCOPED_TRACE(s.c_size);
    SpiRig rig(sdsc(s.c_size, s.mult, s.bl_len));
    ASSERT_TRUE(rig.sd.init().ok());
    EXPECT_EQ(rig.sd.sector_count(), s.sectors);
    std::vector<uint8_t> buf(kSector);
    ASSERT_TRUE(rig.sd.read(s.sectors - 1, buf.data(), 1).ok());
    EXPECT_EQ(rig.card.arguments(17).back(), uint32_t((s.sectors - 1) * 512));
    EXPECT_TRUE(holds(rig.card, s.sectors - 1, buf.data(), 1));
    EXPECT_EQ(rig.sd.read(s.sectors, buf.data(), 1).error(), Error::Range);
  }
}

// Proves the QEMU quirk is handled: a card left in use answers the first
// CMD0 with 0x00; init retries CMD0 and succeeds.
TEST(SdSpi, Cmd0RetriedWhenCardWasInUse) {
  CardConfig config = sdhc();
  config.starts_in_use = true;
  SpiRig rig(config);
  ASSERT_TRUE(rig.sd.init().ok());
  EXPECT_EQ(rig.card.count(0), 2);
}

// Proves a Physical Layer 1.x card (CMD8 illegal) is identified as SDSC
// without HCS and without asking CMD58, and works with byte addresses.
TEST(SdSpi, Version1Card) {
  CardConfig config = sdsc(2047, 7, 9);
  config.version1 = true;
  SpiRig rig(config);
  ASSERT_TRUE(rig.sd.init().ok());
  EXPECT_FALSE(rig.sd.info().version2);
  EXPECT_EQ(rig.sd.info().kind, CardKind::Sdsc);
  EXPECT_FALSE(rig.card.hcs_seen);
  EXPECT_EQ(rig.card.count(58), 0);
  for (const sim::LoggedCommand& c : rig.card.log)
    if (c.app && c.index == 41) {
      EXPECT_EQ(c.argument & (1u << 30), 0u);  // no HCS
    }
  std::vector<uint8_t> data = pattern(3 * kSector, 1);
  ASSERT_TRUE(rig.sd.write(10, data.data(), 3).ok());
  EXPECT_EQ(rig.card.arguments(25).back(), 10u * 512);
  EXPECT_TRUE(holds(rig.card, 10, data.data(), 3));
}

// Proves an empty slot (nothing answers, MISO idle high) fails init with
// NoDevice, quickly: a few CMD0 attempts, not a long wait.
TEST(SdSpi, NoCard) {
  CardConfig config = sdhc();
  SpiRig rig(config);
  rig.card.faults.absent = true;
  EXPECT_EQ(rig.sd.init().error(), Error::NoDevice);
  EXPECT_FALSE(rig.sd.ready());
  EXPECT_LT(rig.bus.bytes, 200u);
  std::vector<uint8_t> buf(kSector);
  EXPECT_EQ(rig.sd.read(0, buf.data(), 1).error(), Error::NoDevice);
}

// Proves a card that never leaves the idle state makes init fail with
// TimedOut after the ~1 s power-up deadline (fake time), not hang.
TEST(SdSpi, NeverLeavesIdle) {
  CardConfig config = sdhc();
  config.acmd41_polls = -1;
  SpiRig rig(config);
  EXPECT_EQ(rig.sd.init().error(), Error::TimedOut);
  EXPECT_GE(rig.clock.now, Card::kPowerUpTimeoutUs);
  EXPECT_LT(rig.clock.now, 3 * Card::kPowerUpTimeoutUs);
  EXPECT_GT(rig.clock.pauses, 0u);  // the wait gave the hart away
}

// Proves a lower max_hz is honoured and the rate actually chosen by the bus
// (a divider: 20 MHz -> 16.67 MHz) is what info() reports.
TEST(SdSpi, ClockLimitAndActualRate) {
  SpiRig rig;
  ASSERT_TRUE(rig.sd.init(20'000'000).ok());
  EXPECT_EQ(rig.bus.clock_history.back(), 20'000'000u);
  EXPECT_EQ(rig.sd.info().clock_hz, 16'666'666u);
}

// Proves the slowest legal response timing (R1 after 8 bytes, long read
// access delay) and QEMU's write behaviour (0x05 with no busy bytes) work.
TEST(SdSpi, SlowResponsesAndQemuWrites) {
  CardConfig config = sdhc();
  config.response_delay = 8;
  config.read_delay = 300;
  config.write_busy_bytes = 0;
  SpiRig rig(config);
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> data = pattern(5 * kSector, 2);
  ASSERT_TRUE(rig.sd.write(100, data.data(), 5).ok());
  std::vector<uint8_t> back(5 * kSector);
  ASSERT_TRUE(rig.sd.read(100, back.data(), 5).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ(rig.card.protocol_violations, 0);
}

// Proves CMD8's echo is checked: a card that does not echo the voltage and
// check pattern is refused, on both buses.
TEST(SdSpi, InterfaceConditionEchoChecked) {
  CardConfig config = sdhc();
  config.if_cond_echo_xor = 0x0FF;
  SpiRig spi(config);
  EXPECT_EQ(spi.sd.init().error(), Error::NotSupported);
  NativeRig native(config);
  EXPECT_EQ(native.sd.init().error(), Error::NotSupported);
}

// Proves a CSD whose version contradicts the OCR's CCS bit (which decides
// byte or block addressing) is refused instead of guessed.
TEST(SdSpi, CsdContradictingOcrRefused) {
  for (CardConfig config : {sdhc(), sdsc()}) {
    config.wrong_csd_version = true;
    SpiRig rig(config);
    EXPECT_EQ(rig.sd.init().error(), Error::Malformed);
  }
}

// Proves the driver copes with QEMU's ssi-sd card as BOARDS.md describes
// it: left in use by the boot loader (CMD0 answers 0x00 first), R1 of
// CMD8/CMD58 always "idle", one byte of Ncr and Nac, writes answered 0x05
// with no busy -- init, round trips, and a re-identification after a fault.
TEST(SdSpi, QemuLikeCard) {
  CardConfig config = sdsc(4095, 7, 10);  // a 2 GiB image: SDSC, byte addresses
  config.starts_in_use = true;
  config.r3_r7_always_idle = true;
  config.response_delay = 1;
  config.read_delay = 1;
  config.write_busy_bytes = 0;
  config.r1b_busy_bytes = 0;
  SpiRig rig(config);
  ASSERT_TRUE(rig.sd.init(20'000'000).ok());
  EXPECT_EQ(rig.sd.info().kind, CardKind::Sdsc);
  std::vector<uint8_t> data = pattern(24 * kSector, 15), back(24 * kSector);
  ASSERT_TRUE(rig.sd.write(4194280, data.data(), 24).ok());
  ASSERT_TRUE(rig.sd.read(4194280, back.data(), 24).ok());
  EXPECT_EQ(back, data);
  rig.card.faults.bad_read_crc_block = rig.card.blocks_read;
  EXPECT_EQ(rig.sd.read(0, back.data(), 1).error(), Error::Io);
  ASSERT_TRUE(rig.sd.read(4194280, back.data(), 24).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ(rig.card.protocol_violations, 0);

  CardConfig sdhc_image = sdhc(4ull << 30);  // a sparse 4 GiB image: SDHC
  sdhc_image.r3_r7_always_idle = true;
  sdhc_image.write_busy_bytes = 0;
  SpiRig big(sdhc_image);
  ASSERT_TRUE(big.sd.init().ok());
  EXPECT_TRUE(big.sd.info().block_addressed);
  ASSERT_TRUE(big.sd.write(8388000, data.data(), 24).ok());
  EXPECT_EQ(big.card.arguments(25).back(), 8388000u);
}

// ---- SPI: transfers --------------------------------------------------------------------

// Proves byte-exact round trips for one sector (CMD17/CMD24) and runs
// (CMD18/CMD25) on SDHC, with block addresses on the wire.
TEST(SdSpi, RoundTripSdhc) {
  SpiRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> one = pattern(kSector, 3), run = pattern(37 * kSector, 4);
  ASSERT_TRUE(rig.sd.write(7, one.data(), 1).ok());
  ASSERT_TRUE(rig.sd.write(1000, run.data(), 37).ok());
  EXPECT_EQ(rig.card.arguments(24), std::vector<uint32_t>{7});
  EXPECT_EQ(rig.card.arguments(25), std::vector<uint32_t>{1000});
  EXPECT_TRUE(holds(rig.card, 7, one.data(), 1));
  EXPECT_TRUE(holds(rig.card, 1000, run.data(), 37));
  std::vector<uint8_t> back1(kSector), back2(37 * kSector);
  ASSERT_TRUE(rig.sd.read(7, back1.data(), 1).ok());
  ASSERT_TRUE(rig.sd.read(1000, back2.data(), 37).ok());
  EXPECT_EQ(back1, one);
  EXPECT_EQ(back2, run);
  EXPECT_EQ(rig.card.arguments(17), std::vector<uint32_t>{7});
  EXPECT_EQ(rig.card.arguments(18), std::vector<uint32_t>{1000});
  EXPECT_EQ(rig.card.count(12), 1);  // the multi-block read was stopped
  EXPECT_EQ(rig.card.protocol_violations, 0);
  EXPECT_EQ(size_t(rig.bus.transactions), rig.card.log.size() - rig.card.count(12));
}

// Proves SDSC uses BYTE addresses on the wire (sector * 512) for all four
// data commands, and round-trips; the simulated card refuses anything else.
TEST(SdSpi, RoundTripSdscByteAddresses) {
  SpiRig rig(sdsc(4095, 7, 10));
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> one = pattern(kSector, 5), run = pattern(9 * kSector, 6);
  ASSERT_TRUE(rig.sd.write(3, one.data(), 1).ok());
  ASSERT_TRUE(rig.sd.write(4000000, run.data(), 9).ok());
  std::vector<uint8_t> back1(kSector), back2(9 * kSector);
  ASSERT_TRUE(rig.sd.read(3, back1.data(), 1).ok());
  ASSERT_TRUE(rig.sd.read(4000000, back2.data(), 9).ok());
  EXPECT_EQ(back1, one);
  EXPECT_EQ(back2, run);
  EXPECT_EQ(rig.card.arguments(24), std::vector<uint32_t>{3 * 512});
  EXPECT_EQ(rig.card.arguments(17), std::vector<uint32_t>{3 * 512});
  EXPECT_EQ(rig.card.arguments(25), std::vector<uint32_t>{4000000u * 512});
  EXPECT_EQ(rig.card.arguments(18), std::vector<uint32_t>{4000000u * 512});
}

// Proves a large (8 GiB, sparse) SDHC card is addressed by block beyond the
// 4 GiB byte boundary, and the right sector comes back.
TEST(SdSpi, SdhcBeyondFourGiB) {
  SpiRig rig(sdhc(8ull << 30));
  ASSERT_TRUE(rig.sd.init().ok());
  EXPECT_EQ(rig.sd.sector_count(), 16777216u);
  const uint64_t sector = 16000001;
  std::vector<uint8_t> buf(2 * kSector);
  ASSERT_TRUE(rig.sd.read(sector, buf.data(), 2).ok());
  EXPECT_EQ(rig.card.arguments(18).back(), sector);
  EXPECT_TRUE(holds(rig.card, sector, buf.data(), 2));
  ASSERT_TRUE(rig.sd.read(rig.sd.sector_count() - 1, buf.data(), 1).ok());
  EXPECT_TRUE(holds(rig.card, rig.sd.sector_count() - 1, buf.data(), 1));
}

// Proves runs are split at host.max_blocks(): 40 sectors with 16 per
// command are three multi-block commands (16, 16, 8), not 40 single ones.
TEST(SdSpi, RunsSplitAtMaxBlocks) {
  SpiRig rig(sdhc(), 16);
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> data = pattern(40 * kSector, 7), back(40 * kSector);
  ASSERT_TRUE(rig.sd.write(50, data.data(), 40).ok());
  ASSERT_TRUE(rig.sd.read(50, back.data(), 40).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ(rig.card.arguments(25), (std::vector<uint32_t>{50, 66, 82}));
  EXPECT_EQ(rig.card.arguments(18), (std::vector<uint32_t>{50, 66, 82}));
  EXPECT_EQ(rig.card.count(17) + rig.card.count(24), 0);
}

// Proves read_pages scatters one multi-block command over separate page
// buffers (Data.segments), and degrades gracefully when max_blocks is not a
// multiple of a page or smaller than one.
TEST(SdSpi, ReadPagesScatters) {
  struct Case {
    uint32_t max_blocks;
    int cmd18s;
  };
  for (Case c : {Case{128, 1}, Case{12, 4}, Case{4, 8}}) {
    SCOPED_TRACE(c.max_blocks);
    SpiRig rig(sdsc(4095, 7, 10), c.max_blocks);
    ASSERT_TRUE(rig.sd.init().ok());
    std::vector<std::vector<uint8_t>> pages(4, std::vector<uint8_t>(4096));
    void* pointers[4] = {pages[0].data(), pages[1].data(), pages[2].data(), pages[3].data()};
    ASSERT_TRUE(rig.sd.read_pages(80, pointers, 4).ok());
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(holds(rig.card, 80 + 8 * i, pages[i].data(), 8));
    EXPECT_EQ(rig.card.count(18), c.cmd18s);
    EXPECT_EQ(rig.card.arguments(18).front(), 80u * 512);
  }
}

// Separate page buffers (each its own heap block) of distinct data, and
// the pointer array write_pages takes.
struct PageRun {
  PageRun(size_t count, uint32_t seed) {
    for (size_t i = 0; i < count; ++i) pages.push_back(pattern(4096, seed + static_cast<uint32_t>(i)));
    for (auto& p : pages) pointers.push_back(p.data());
  }
  const void* const* data() const { return pointers.data(); }

  std::vector<std::vector<uint8_t>> pages;
  std::vector<const void*> pointers;
};

// Proves write_pages gathers separate page buffers into ONE multi-block
// write (CMD25) at the right (byte) address, the right data in the right
// blocks and nothing beside the run touched; and that it splits only at
// host.max_blocks(): 12 blocks per command carry one page each, and a host
// that cannot carry a page (4) writes each page in 4-block commands.
TEST(SdSpi, WritePagesGathers) {
  struct Case {
    uint32_t max_blocks;
    std::vector<uint32_t> cmd25_sectors;
  };
  for (const Case& c : {Case{128, {80}}, Case{12, {80, 88, 96, 104}},
                        Case{4, {80, 84, 88, 92, 96, 100, 104, 108}}}) {
    SCOPED_TRACE(c.max_blocks);
    SpiRig rig(sdsc(4095, 7, 10), c.max_blocks);
    ASSERT_TRUE(rig.sd.init().ok());
    std::vector<uint8_t> before = rig.card.peek(79), after = rig.card.peek(112);
    PageRun run(4, 40);
    ASSERT_TRUE(rig.sd.write_pages(80, run.data(), 4).ok());
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(holds(rig.card, 80 + 8 * i, run.pages[i].data(), 8)) << i;
    EXPECT_EQ(rig.card.peek(79), before);
    EXPECT_EQ(rig.card.peek(112), after);
    std::vector<uint32_t> bytes;
    for (uint32_t sector : c.cmd25_sectors) bytes.push_back(sector * 512);
    EXPECT_EQ(rig.card.arguments(25), bytes);
    EXPECT_EQ(rig.card.count(24), 0);
    EXPECT_EQ(rig.card.protocol_violations, 0);
  }
}

// Proves a write_pages run that fails part-way -- a block the card rejects
// inside the second page, or in the second command of a split run -- is an
// error (Io), never success: the blocks before the bad one are written, the
// transmission is stopped there (nothing after it written, no further
// command sent), and the card recovers for the next request.
TEST(SdSpi, WritePagesFailsMidway) {
  {
    SpiRig rig;
    ASSERT_TRUE(rig.sd.init().ok());
    PageRun run(4, 50);
    rig.card.faults.reject_write_block = rig.card.blocks_written + 11;  // page 1, block 3
    std::vector<uint8_t> old = rig.card.peek(200 + 11), old_last = rig.card.peek(200 + 31);
    EXPECT_EQ(rig.sd.write_pages(200, run.data(), 4).error(), Error::Io);
    EXPECT_EQ(rig.card.count(25), 1);
    EXPECT_EQ(rig.card.count(12), 1);
    EXPECT_TRUE(holds(rig.card, 200, run.pages[0].data(), 8));
    EXPECT_TRUE(holds(rig.card, 208, run.pages[1].data(), 3));
    EXPECT_EQ(rig.card.peek(200 + 11), old);
    EXPECT_EQ(rig.card.peek(200 + 31), old_last);
    EXPECT_EQ(rig.card.protocol_violations, 0);
    ASSERT_TRUE(rig.sd.write_pages(200, run.data(), 4).ok());
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(holds(rig.card, 200 + 8 * i, run.pages[i].data(), 8));
  }
  {
    SpiRig rig(sdhc(), 16);  // two pages per command
    ASSERT_TRUE(rig.sd.init().ok());
    PageRun run(6, 60);
    rig.card.faults.reject_write_block = rig.card.blocks_written + 16;  // the second command's first block
    std::vector<uint8_t> old = rig.card.peek(316);
    EXPECT_EQ(rig.sd.write_pages(300, run.data(), 6).error(), Error::Io);
    EXPECT_EQ(rig.card.arguments(25), (std::vector<uint32_t>{300, 316}));
    EXPECT_TRUE(holds(rig.card, 300, run.pages[0].data(), 8));
    EXPECT_TRUE(holds(rig.card, 308, run.pages[1].data(), 8));
    EXPECT_EQ(rig.card.peek(316), old);
    // A failed status after programming is an error too.
    ASSERT_TRUE(rig.sd.write_pages(300, run.data(), 2).ok());
    rig.card.faults.status_errors = 0x20;
    EXPECT_EQ(rig.sd.write_pages(300, run.data(), 2).error(), Error::Io);
  }
}

// Proves write_pages is refused whole before anything reaches the card: a
// run crossing the card's end, a null page among good ones, no page array.
TEST(SdSpi, WritePagesRefusedWhole) {
  SpiRig rig(sdsc(1000, 3, 9));
  ASSERT_TRUE(rig.sd.init().ok());
  const uint64_t n = rig.sd.sector_count();
  PageRun run(3, 70);
  const uint64_t bytes_before = rig.bus.bytes;
  const size_t commands_before = rig.card.log.size();
  EXPECT_EQ(rig.sd.write_pages(n - 7, run.data(), 1).error(), Error::Range);
  EXPECT_EQ(rig.sd.write_pages(n - 16, run.data(), 3).error(), Error::Range);
  EXPECT_EQ(rig.sd.write_pages(~0ull - 7, run.data(), 1).error(), Error::Range);
  const void* bad[3] = {run.pointers[0], nullptr, run.pointers[2]};
  EXPECT_EQ(rig.sd.write_pages(0, bad, 3).error(), Error::Invalid);
  EXPECT_EQ(rig.sd.write_pages(0, nullptr, 1).error(), Error::Invalid);
  EXPECT_TRUE(rig.sd.write_pages(0, run.data(), 0).ok());
  EXPECT_EQ(rig.bus.bytes, bytes_before);
  EXPECT_EQ(rig.card.log.size(), commands_before);
  // The last whole page of the card is fine.
  ASSERT_TRUE(rig.sd.write_pages(n - 8, run.data(), 1).ok());
  EXPECT_TRUE(holds(rig.card, n - 8, run.pages[0].data(), 8));
}

// Proves requests outside the card (or malformed) are refused before any
// byte reaches the card, and that zero-length requests do nothing.
TEST(SdSpi, OutOfRangeNeverTouchesCard) {
  SpiRig rig(sdsc(1000, 3, 9));
  ASSERT_TRUE(rig.sd.init().ok());
  const uint64_t n = rig.sd.sector_count();
  const uint64_t bytes_before = rig.bus.bytes;
  const size_t commands_before = rig.card.log.size();
  std::vector<uint8_t> buf(4096);
  void* pages[1] = {buf.data()};
  EXPECT_EQ(rig.sd.read(n, buf.data(), 1).error(), Error::Range);
  EXPECT_EQ(rig.sd.read(n - 1, buf.data(), 2).error(), Error::Range);
  EXPECT_EQ(rig.sd.read(~0ull, buf.data(), 1).error(), Error::Range);
  EXPECT_EQ(rig.sd.read(~0ull - 1, buf.data(), 4).error(), Error::Range);
  EXPECT_EQ(rig.sd.write(n, buf.data(), 1).error(), Error::Range);
  EXPECT_EQ(rig.sd.write(n - 3, buf.data(), 8).error(), Error::Range);
  EXPECT_EQ(rig.sd.read_pages(n - 7, pages, 1).error(), Error::Range);
  EXPECT_EQ(rig.sd.read(0, nullptr, 1).error(), Error::Invalid);
  EXPECT_TRUE(rig.sd.read(5, buf.data(), 0).ok());
  EXPECT_TRUE(rig.sd.write(n, buf.data(), 0).ok());
  EXPECT_EQ(rig.bus.bytes, bytes_before);
  EXPECT_EQ(rig.card.log.size(), commands_before);
  // The card is still fine afterwards.
  EXPECT_TRUE(rig.sd.read(n - 1, buf.data(), 1).ok());
}

// Proves a Card that was never initialised refuses requests with NoDevice.
TEST(SdSpi, NotInitialised) {
  SpiRig rig;
  std::vector<uint8_t> buf(kSector);
  EXPECT_EQ(rig.sd.read(0, buf.data(), 1).error(), Error::NoDevice);
  EXPECT_EQ(rig.bus.bytes, 0u);
}

// ---- SPI: faults -------------------------------------------------------------------------

// Proves a read block with a bad CRC16 is an Io error (data never silently
// accepted), and the next request re-identifies the card and succeeds.
TEST(SdSpi, ReadCrcErrorThenRecovery) {
  SpiRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> buf(8 * kSector);
  rig.card.faults.bad_read_crc_block = rig.card.blocks_read + 2;
  EXPECT_EQ(rig.sd.read(0, buf.data(), 8).error(), Error::Io);
  int cmd8_before = rig.card.count(8);
  ASSERT_TRUE(rig.sd.read(0, buf.data(), 8).ok());
  EXPECT_EQ(rig.card.count(8), cmd8_before + 1);  // one re-identification
  EXPECT_TRUE(holds(rig.card, 0, buf.data(), 8));
  rig.card.faults.bad_read_crc_block = rig.card.blocks_read;
  EXPECT_EQ(rig.sd.read(9, buf.data(), 1).error(), Error::Io);  // single-block path too
}

// Proves a data error token instead of a block is an Io error.
TEST(SdSpi, DataErrorToken) {
  SpiRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> buf(4 * kSector);
  rig.card.faults.error_token_block = rig.card.blocks_read;
  EXPECT_EQ(rig.sd.read(20, buf.data(), 1).error(), Error::Io);
  ASSERT_TRUE(rig.sd.read(20, buf.data(), 4).ok());
  rig.card.faults.error_token_block = rig.card.blocks_read + 1;
  EXPECT_EQ(rig.sd.read(20, buf.data(), 4).error(), Error::Io);
  EXPECT_EQ(rig.card.protocol_violations, 0);
}

// Proves a command the card received garbled (R1 "CRC error") fails the
// request instead of being taken as done.
TEST(SdSpi, CommandCrcError) {
  SpiRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> buf(kSector, 0xAB);
  rig.card.faults.command_crc_error = 24;
  std::vector<uint8_t> before = rig.card.peek(5);
  EXPECT_EQ(rig.sd.write(5, buf.data(), 1).error(), Error::Io);
  EXPECT_EQ(rig.card.peek(5), before);
  rig.card.faults.command_crc_error = 17;
  EXPECT_FALSE(rig.sd.read(5, buf.data(), 1).ok());
}

// Proves rejected writes -- data response 0x0D (write error) and 0x0B (CRC
// error), single and multi-block -- are Io, never success; a multi-block
// write is stopped with CMD12 and nothing after the bad block is written.
TEST(SdSpi, WriteRejected) {
  for (uint8_t token : {uint8_t{0x0D}, uint8_t{0x0B}}) {
    SCOPED_TRACE(int(token));
    SpiRig rig;
    ASSERT_TRUE(rig.sd.init().ok());
    rig.card.faults.reject_token = token;
    std::vector<uint8_t> data = pattern(8 * kSector, token);
    rig.card.faults.reject_write_block = rig.card.blocks_written;
    std::vector<uint8_t> old = rig.card.peek(30);
    EXPECT_EQ(rig.sd.write(30, data.data(), 1).error(), Error::Io);
    EXPECT_EQ(rig.card.peek(30), old);

    rig.card.faults.reject_write_block = rig.card.blocks_written + 3;
    std::vector<uint8_t> old_tail = rig.card.peek(203);
    EXPECT_EQ(rig.sd.write(200, data.data(), 8).error(), Error::Io);
    EXPECT_TRUE(holds(rig.card, 200, data.data(), 3));  // the blocks before
    EXPECT_EQ(rig.card.peek(203), old_tail);
    EXPECT_EQ(rig.card.count(12), 1);
    EXPECT_EQ(rig.card.protocol_violations, 0);
    // And the card recovers for the next request.
    ASSERT_TRUE(rig.sd.write(200, data.data(), 8).ok());
    EXPECT_TRUE(holds(rig.card, 200, data.data(), 8));
  }
}

// Proves a card busy forever after a write yields TimedOut within the busy
// deadline (fake time), and afterwards the unresponsive card fails fast.
TEST(SdSpi, BusyForeverAfterWrite) {
  SpiRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> data = pattern(4 * kSector, 9);
  rig.card.faults.busy_forever_block = rig.card.blocks_written + 1;
  uint64_t start = rig.clock.now;
  EXPECT_EQ(rig.sd.write(0, data.data(), 4).error(), Error::TimedOut);
  EXPECT_GE(rig.clock.now - start, SpiHost::kBusyTimeoutUs);
  EXPECT_LT(rig.clock.now - start, 4 * SpiHost::kBusyTimeoutUs);
  EXPECT_GT(rig.clock.pauses, 0u);
  // Recovery is tried once (the card ignores it), then the card is gone.
  EXPECT_EQ(rig.sd.read(0, data.data(), 1).error(), Error::NoDevice);
  uint64_t bytes = rig.bus.bytes;
  EXPECT_EQ(rig.sd.write(0, data.data(), 1).error(), Error::NoDevice);
  EXPECT_EQ(rig.bus.bytes, bytes);
}

// Proves a status error reported by CMD13 after a write (write protect
// violation) turns the write into Io.
TEST(SdSpi, WriteStatusChecked) {
  SpiRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> data = pattern(kSector, 10);
  rig.card.faults.status_errors = 0x20;
  EXPECT_EQ(rig.sd.write(1, data.data(), 1).error(), Error::Io);
  EXPECT_GE(rig.card.count(13), 1);
}

// Proves a card removed during a multi-block read or write (it stops
// answering after block k, MISO high or low) makes the request fail, never
// succeed, and later requests fail fast with NoDevice.
TEST(SdSpi, RemovedMidTransfer) {
  for (uint8_t level : {uint8_t{0xFF}, uint8_t{0x00}}) {
    for (bool write : {false, true}) {
      SCOPED_TRACE(std::to_string(level) + (write ? " write" : " read"));
      SpiRig rig;
      ASSERT_TRUE(rig.sd.init().ok());
      rig.card.faults.removed_level = level;
      rig.card.faults.remove_after_blocks = rig.card.blocks_read + rig.card.blocks_written + 3;
      std::vector<uint8_t> data = pattern(8 * kSector, 11);
      Result<void> r = write ? rig.sd.write(40, data.data(), 8) : rig.sd.read(40, data.data(), 8);
      EXPECT_FALSE(r.ok());
      EXPECT_TRUE(r.error() == Error::TimedOut || r.error() == Error::Io);
      EXPECT_EQ(rig.sd.read(40, data.data(), 1).error(), Error::NoDevice);
      uint64_t bytes = rig.bus.bytes;
      EXPECT_EQ(rig.sd.write(40, data.data(), 1).error(), Error::NoDevice);
      EXPECT_EQ(rig.bus.bytes, bytes);
      EXPECT_LT(rig.clock.now, 5'000'000u);
    }
  }
}

// Proves recovery refuses a different card: after a failure, a card with
// another serial number in the slot is not written to.
TEST(SdSpi, RecoveryRefusesAnotherCard) {
  SpiRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> buf(kSector);
  rig.card.faults.bad_read_crc_block = rig.card.blocks_read;
  EXPECT_EQ(rig.sd.read(0, buf.data(), 1).error(), Error::Io);
  rig.card.config.serial = 0x1234;  // swapped while we were not looking
  int writes = rig.card.count(24);
  EXPECT_EQ(rig.sd.write(0, buf.data(), 1).error(), Error::NoDevice);
  EXPECT_EQ(rig.card.count(24), writes);
  // init() takes the new card explicitly.
  ASSERT_TRUE(rig.sd.init().ok());
  EXPECT_EQ(rig.sd.info().serial, 0x1234u);
}

// Proves the SPI host alone: a data command whose R1 has an error bit (here
// an SDSC card refusing a misaligned, block-style address) is Io, and the
// R1 of a command without data is handed to the caller to judge.
TEST(SdSpiHost, R1ErrorsAndMisalignedAddress) {
  FakeClock clock;
  CardModel card(sdsc());
  SpiCard bus(card, clock);
  SpiHost host(bus);
  Command cmd0;
  cmd0.index = 0;
  Result<Reply> r = host.command(cmd0);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->r1, 0x01);
  Command bogus;
  bogus.index = 17;  // illegal while idle
  uint8_t block[512];
  Data data;
  data.buffer = block;
  bogus.data = &data;
  EXPECT_EQ(host.command(bogus).error(), Error::Io);
  Command cmd1;
  cmd1.index = 60;  // not a command this card knows
  r = host.command(cmd1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->r1, 0x05);
  // Bring the card up by hand, then use a block address on the SDSC card.
  SpiRig rig(sdsc());
  ASSERT_TRUE(rig.sd.init().ok());
  Command read;
  read.index = 17;
  read.argument = 3;  // sector 3 as an SDHC card would take it
  read.data = &data;
  EXPECT_EQ(rig.host.command(read).error(), Error::Io);
  read.argument = 3 * 512;
  EXPECT_TRUE(rig.host.command(read).ok());
  EXPECT_EQ(rig.host.set_bus_width(4).error(), Error::NotSupported);
  EXPECT_FALSE(rig.host.supports_bus_width(4));
}

// ---- the log line -------------------------------------------------------------------

// Proves describe() renders what the kernel logs: kind, capacity (GiB with a
// tenth, MiB below 1 GiB), product, bus width and clock, from real inits
// and from hand-made infos; and that it truncates safely.
TEST(SdInfo, Describe) {
  char line[96];
  SpiRig spi(sdhc(4ull << 30));
  ASSERT_TRUE(spi.sd.init(20'000'000).ok());
  describe(spi.sd.info(), line, sizeof line);
  EXPECT_STREQ(line, "SDHC 4.0 GiB \"SD16G\" 1-bit 16.6 MHz");
  NativeRig native(sdsc(3799, 7, 9));
  ASSERT_TRUE(native.sd.init().ok());
  describe(native.sd.info(), line, sizeof line);
  EXPECT_STREQ(line, "SDSC 950 MiB \"SD01G\" 4-bit 25 MHz");
  CardInfo info;
  info.kind = CardKind::Sdxc;
  info.sectors = 31116288;  // a "16 GB" card
  memcpy(info.product, "AB\x01" "CD", 6);
  info.bus_width = 4;
  info.clock_hz = 400'000;
  describe(info, line, sizeof line);
  EXPECT_STREQ(line, "SDXC 14.8 GiB \"AB\x01" "CD\" 4-bit 400 kHz");
  char tiny[8];
  EXPECT_EQ(describe(info, tiny, sizeof tiny), strlen(line));
  EXPECT_STREQ(tiny, "SDXC 14");
}

// Proves CID text is sanitised for the log: non-ASCII product bytes become '?'.
TEST(SdInfo, ProductNameSanitised) {
  CardConfig config = sdhc();
  config.product = std::string("S\xff\n16G", 5);
  SpiRig rig(config);
  ASSERT_TRUE(rig.sd.init().ok());
  EXPECT_STREQ(rig.sd.info().product, "S??16");
}

// ---- native bus -------------------------------------------------------------------------

// Proves native init: CMD2/CMD3/CMD9/CMD7 with the published RCA, ACMD6 to
// 4 lines (host and card agree, or data would be garbled), 400 kHz during
// identification then 25 MHz, SDHC block addressing.
TEST(SdNative, InitSdhc4Bit) {
  NativeRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  const CardInfo& info = rig.sd.info();
  EXPECT_EQ(info.kind, CardKind::Sdhc);
  EXPECT_EQ(info.bus_width, 4u);
  EXPECT_EQ(info.clock_hz, 25'000'000u);
  EXPECT_EQ(rig.host.bus_width, 4u);
  EXPECT_EQ(rig.card.card_bus_width, 4u);
  EXPECT_EQ(rig.host.clock_history.front(), Card::kIdentificationHz);
  EXPECT_EQ(rig.card.arguments(7), std::vector<uint32_t>{uint32_t{rig.card.rca} << 16});
  EXPECT_EQ(rig.card.arguments(9), std::vector<uint32_t>{uint32_t{rig.card.rca} << 16});
  EXPECT_EQ(rig.card.count(6, true), 1);
  EXPECT_EQ(rig.card.count(59), 0);  // SPI only
  EXPECT_STREQ(info.product, "SD16G");
  EXPECT_EQ(info.serial, 0xC0FFEE42u);
  EXPECT_EQ(rig.card.protocol_violations, 0);
  std::vector<uint8_t> data = pattern(100 * kSector, 12), back(100 * kSector);
  ASSERT_TRUE(rig.sd.write(12345, data.data(), 100).ok());
  ASSERT_TRUE(rig.sd.read(12345, back.data(), 100).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ(rig.card.arguments(25), (std::vector<uint32_t>{12345, 12345 + 64}));
}

// Proves native SDSC: version 1 CSD capacity, CMD16, byte addresses.
TEST(SdNative, SdscByteAddresses) {
  NativeRig rig(sdsc(4095, 7, 10));
  ASSERT_TRUE(rig.sd.init().ok());
  EXPECT_EQ(rig.sd.sector_count(), 4194304u);
  EXPECT_EQ(rig.card.arguments(16), std::vector<uint32_t>{512});
  std::vector<uint8_t> data = pattern(3 * kSector, 13), back(3 * kSector);
  ASSERT_TRUE(rig.sd.write(4194301, data.data(), 3).ok());
  ASSERT_TRUE(rig.sd.read(4194301, back.data(), 3).ok());
  EXPECT_EQ(back, data);
  EXPECT_EQ(rig.card.arguments(25), std::vector<uint32_t>{4194301u * 512});
  EXPECT_EQ(rig.card.arguments(18), std::vector<uint32_t>{4194301u * 512});
}

// Proves a v1 card on the native bus (CMD8 unanswered) initialises as SDSC
// without HCS.
TEST(SdNative, Version1Card) {
  CardConfig config = sdsc();
  config.version1 = true;
  NativeRig rig(config);
  ASSERT_TRUE(rig.sd.init().ok());
  EXPECT_FALSE(rig.sd.info().version2);
  EXPECT_FALSE(rig.card.hcs_seen);
  std::vector<uint8_t> buf(kSector);
  ASSERT_TRUE(rig.sd.read(2, buf.data(), 1).ok());
  EXPECT_EQ(rig.card.arguments(17), std::vector<uint32_t>{1024});
}

// Proves a host without 4 data lines keeps the card at 1 bit, and that the
// CSD's TRAN_SPEED (here 20 MHz) caps the clock.
TEST(SdNative, OneBitHostAndSlowCard) {
  CardConfig config = sdhc();
  config.tran_speed = 0x2A;  // 2.0 x 10 Mbit/s
  NativeRig rig(config, 64, false);
  ASSERT_TRUE(rig.sd.init(50'000'000).ok());
  EXPECT_EQ(rig.sd.info().bus_width, 1u);
  EXPECT_EQ(rig.card.count(6, true), 0);
  EXPECT_EQ(rig.sd.info().clock_hz, 20'000'000u);
}

// Proves read_pages on the native host: one command per run of pages,
// byte-exact through the segments.
TEST(SdNative, ReadPagesSegments) {
  NativeRig rig(sdhc(), 64);
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<std::vector<uint8_t>> pages(10, std::vector<uint8_t>(4096));
  std::vector<void*> pointers;
  for (auto& p : pages) pointers.push_back(p.data());
  ASSERT_TRUE(rig.sd.read_pages(4096, pointers.data(), 10).ok());
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(holds(rig.card, 4096 + 8 * i, pages[i].data(), 8));
  EXPECT_EQ(rig.card.arguments(18), (std::vector<uint32_t>{4096, 4096 + 64}));
}

// Proves write_pages on the native host: a write-back run of 256 pages
// (1 MiB) is ONE CMD25 on a host that carries 65535 blocks (the DesignWare
// controller), waited for with CMD13; with 64 blocks per command the same
// kind of run is split at 8 pages, and only there.
TEST(SdNative, WritePagesOneCommand) {
  {
    NativeRig rig(sdhc(), 65535);
    ASSERT_TRUE(rig.sd.init().ok());
    PageRun run(256, 80);
    int status_before = rig.card.count(13);
    ASSERT_TRUE(rig.sd.write_pages(8192, run.data(), 256).ok());
    EXPECT_EQ(rig.card.arguments(25), std::vector<uint32_t>{8192});
    EXPECT_EQ(rig.card.count(24), 0);
    EXPECT_GT(rig.card.count(13), status_before);
    EXPECT_EQ(rig.card.blocks_written, 2048);
    for (int i = 0; i < 256; ++i) ASSERT_TRUE(holds(rig.card, 8192 + 8 * i, run.pages[i].data(), 8)) << i;
    EXPECT_EQ(rig.card.protocol_violations, 0);
  }
  {
    NativeRig rig(sdhc(), 64);
    ASSERT_TRUE(rig.sd.init().ok());
    PageRun run(10, 90);
    ASSERT_TRUE(rig.sd.write_pages(4096, run.data(), 10).ok());
    EXPECT_EQ(rig.card.arguments(25), (std::vector<uint32_t>{4096, 4096 + 64}));
    for (int i = 0; i < 10; ++i) EXPECT_TRUE(holds(rig.card, 4096 + 8 * i, run.pages[i].data(), 8)) << i;
  }
}

// Proves a native write_pages that fails mid-way (a block rejected in the
// third page) is Io, with nothing after the bad block written, and that the
// card is re-identified and takes the run afterwards.
TEST(SdNative, WritePagesFailsMidway) {
  NativeRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  PageRun run(4, 100);
  rig.card.faults.reject_write_block = rig.card.blocks_written + 20;
  std::vector<uint8_t> old = rig.card.peek(520);
  EXPECT_EQ(rig.sd.write_pages(500, run.data(), 4).error(), Error::Io);
  EXPECT_EQ(rig.card.count(25), 1);
  EXPECT_TRUE(holds(rig.card, 500, run.pages[0].data(), 8));
  EXPECT_EQ(rig.card.peek(520), old);
  ASSERT_TRUE(rig.sd.write_pages(500, run.data(), 4).ok());
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(holds(rig.card, 500 + 8 * i, run.pages[i].data(), 8)) << i;
}

// Proves the native write path waits for programming (CMD13 until
// "transfer") and reports status errors, rejected blocks and busy timeouts.
TEST(SdNative, WriteFaults) {
  CardConfig config = sdhc();
  config.program_polls = 5;
  NativeRig rig(config);
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> data = pattern(4 * kSector, 14);
  int status_before = rig.card.count(13);
  ASSERT_TRUE(rig.sd.write(9, data.data(), 4).ok());
  EXPECT_GE(rig.card.count(13) - status_before, 5);
  EXPECT_EQ(rig.card.state, CardModel::State::Transfer);

  rig.card.faults.status_errors = 1u << 26;  // WP_VIOLATION
  EXPECT_EQ(rig.sd.write(9, data.data(), 1).error(), Error::Io);
  rig.card.faults.reject_write_block = rig.card.blocks_written + 1;
  EXPECT_EQ(rig.sd.write(9, data.data(), 4).error(), Error::Io);
  rig.card.faults.busy_forever_block = rig.card.blocks_written;
  EXPECT_EQ(rig.sd.write(9, data.data(), 1).error(), Error::TimedOut);
  // Each failure was followed by a successful re-identification.
  ASSERT_TRUE(rig.sd.write(9, data.data(), 4).ok());
  EXPECT_TRUE(holds(rig.card, 9, data.data(), 4));
}

// Proves native read faults (data CRC) are Io, card removal mid-read fails
// and then fails fast, and an empty slot (card detect) is NoDevice at once.
TEST(SdNative, ReadFaultsAndRemoval) {
  NativeRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  std::vector<uint8_t> buf(16 * kSector);
  rig.card.faults.bad_read_crc_block = rig.card.blocks_read + 4;
  EXPECT_EQ(rig.sd.read(0, buf.data(), 16).error(), Error::Io);
  ASSERT_TRUE(rig.sd.read(0, buf.data(), 16).ok());
  rig.card.faults.remove_after_blocks = rig.card.blocks_read + 5;
  EXPECT_EQ(rig.sd.read(0, buf.data(), 16).error(), Error::TimedOut);
  EXPECT_EQ(rig.sd.read(0, buf.data(), 16).error(), Error::NoDevice);
  size_t commands = rig.card.log.size();
  EXPECT_EQ(rig.sd.read(0, buf.data(), 16).error(), Error::NoDevice);
  EXPECT_EQ(rig.card.log.size(), commands);

  NativeRig empty;
  empty.card.faults.card_detect = false;
  EXPECT_EQ(empty.sd.init().error(), Error::NoDevice);
  EXPECT_TRUE(empty.card.log.empty());
}

// Proves a slot whose card detect cannot tell (always "present") but holds
// no card fails init with NoDevice on the native bus too.
TEST(SdNative, NoCardSilentBus) {
  NativeRig rig;
  rig.card.faults.absent = true;
  EXPECT_EQ(rig.sd.init().error(), Error::NoDevice);
  EXPECT_LT(rig.clock.now, 100'000u);
}

// Proves a card pulled after init is noticed through card detect without
// sending anything.
TEST(SdNative, CardDetectAfterInit) {
  NativeRig rig;
  ASSERT_TRUE(rig.sd.init().ok());
  rig.card.faults.card_detect = false;
  std::vector<uint8_t> buf(kSector);
  size_t commands = rig.card.log.size();
  EXPECT_EQ(rig.sd.read(0, buf.data(), 1).error(), Error::NoDevice);
  EXPECT_EQ(rig.card.log.size(), commands);
}

}  // namespace
}  // namespace rivet::sd

// A simulated SD memory card for the host tests of kernel/dev/sd: one card
// model (registers, state, storage, fault injection, a log of every command)
// with two faces:
//   SpiCard     an sd::SpiBus; the card speaks the SPI-mode protocol byte by
//               byte (command frames and their CRC7, R1 after a delay, data
//               tokens and CRC16, data-response tokens and busy), so the
//               real SpiHost runs against it;
//   NativeHost  an sd::Host for the native bus, simulated at command level
//               (CMD2/3/7/9, R2/R6, auto CMD12), standing in for a native
//               controller driver.
// Written from the SD Physical Layer Simplified Spec; strict where a lenient
// card would hide a driver bug: an SDSC card refuses block-style addresses
// (not multiples of 512), an SDHC card stays idle without HCS, commands in
// the wrong state are illegal.
#pragma once

#include <stdint.h>

#include <array>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "kernel/dev/clock.h"
#include "kernel/dev/sd/host.h"
#include "kernel/dev/sd/spi_bus.h"

namespace rivet::sd::sim {

// Time that moves only when looked at: every now_us() advances it, so a
// wait on a card that never answers ends after a bounded number of polls.
class FakeClock final : public dev::Clock {
 public:
  uint64_t now_us() override {
    now += step_us;
    ++looks;
    return now;
  }
  void pause() override {
    now += pause_us;
    ++pauses;
  }

  uint64_t now = 0;
  uint64_t step_us = 2;
  uint64_t pause_us = 100;
  uint64_t looks = 0;
  uint64_t pauses = 0;
};

struct CardConfig {
  // SDHC/SDXC (block addresses, CSD version 2) of `bytes` (a multiple of
  // 512 KiB), or SDSC (byte addresses, CSD version 1) whose capacity is
  // (c_size + 1) << (c_size_mult + 2 + read_bl_len).
  bool sdhc = true;
  uint64_t bytes = 4ull << 30;
  uint32_t c_size = 4095;
  uint32_t c_size_mult = 7;
  uint32_t read_bl_len = 9;
  bool version1 = false;       // Physical Layer 1.x: CMD8 is illegal
  uint32_t if_cond_echo_xor = 0;   // corrupts CMD8's echo
  bool wrong_csd_version = false;  // CSD version contradicts the OCR's CCS
  uint8_t tran_speed = 0x32;   // CSD TRAN_SPEED: 25 MHz
  int acmd41_polls = 3;        // ACMD41s answered "still idle"; < 0: forever
  bool starts_in_use = false;  // left in transfer state (by a boot loader)
  bool cmd0_not_idle_quirk = true;  // QEMU: CMD0 to a busy card answers 0x00
  bool r3_r7_always_idle = false;   // QEMU: R1 of CMD8/CMD58 is always 0x01
  // SPI timing, in bytes of 0xFF.
  int response_delay = 1;      // before R1 (Ncr, 0..8)
  int read_delay = 3;          // before each read data token (Nac)
  int write_busy_bytes = 5;    // busy after an accepted block; 0: QEMU's card
  int r1b_busy_bytes = 2;
  int program_polls = 2;       // native: CMD13s that still show "programming"
  // CID.
  uint8_t manufacturer_id = 0x1B;
  std::string oem = "SM";
  std::string product = "SD16G";
  uint8_t revision = 0x10;
  uint32_t serial = 0xC0FFEE42;
  uint16_t year = 2024;
  uint8_t month = 6;
};

// Faults. Block numbers count data blocks the card sent (read) or received
// (write) since it was made; set them relative to blocks_read/blocks_written.
struct Faults {
  bool absent = false;            // nothing answers, ever
  int64_t remove_after_blocks = -1;  // gone once reads + writes reach this
  int64_t bad_read_crc_block = -1;   // this read block's CRC16 is wrong
  int64_t error_token_block = -1;    // this read block is a data error token
  int64_t reject_write_block = -1;   // this written block is refused...
  uint8_t reject_token = 0x0D;       // ...with this data response (0x0B, 0x0D)
  int64_t busy_forever_block = -1;   // after this written block, busy forever
  int command_crc_error = -1;     // the next frame of this index arrives garbled
  uint32_t status_errors = 0;     // next CMD13 reports these (SPI: R2 byte; native: status)
  uint8_t removed_level = 0xFF;   // MISO of a removed card
  bool card_detect = true;        // native: what card_present() says
};

struct LoggedCommand {
  uint8_t index;
  uint32_t argument;
  bool app;  // an ACMD (preceded by CMD55)
};

class CardModel {
 public:
  explicit CardModel(const CardConfig& config);

  uint64_t sectors() const { return sectors_; }
  // Sector contents; never-written sectors hold a pattern made from the
  // sector number, so reading the wrong sector shows.
  std::vector<uint8_t> peek(uint64_t sector) const;
  void poke(uint64_t sector, const uint8_t* data);
  void csd(uint8_t out[16]) const;
  void cid(uint8_t out[16]) const;

  // Commands seen (CMD55 included), and how many of one index.
  int count(uint8_t index, bool app = false) const;
  std::vector<uint32_t> arguments(uint8_t index) const;
  bool removed() const;

  CardConfig config;
  Faults faults;
  std::vector<LoggedCommand> log;
  int64_t blocks_read = 0;
  int64_t blocks_written = 0;
  int protocol_violations = 0;  // what the host did wrong on the wire

  // Card state, shared by both faces.
  enum class State { Idle, Ready, Ident, Standby, Transfer, Programming };
  State state;
  bool app_next = false;
  bool crc_on = false;
  bool hcs_seen = false;
  int acmd41_seen = 0;
  uint32_t block_len = 512;
  uint32_t card_bus_width = 1;
  uint16_t rca = 0x4567;
  int program_polls_left = 0;
  bool illegal_pending = false;  // native: ILLEGAL_COMMAND in the next status

  void reset();
  void record(uint8_t index, uint32_t argument);
  // ACMD41 (both buses): returns whether the card is now ready.
  bool op_cond(uint32_t argument);
  // Address decode: false for an address the card refuses (misaligned on
  // SDSC: address error; past the end: out of range).
  enum class AddressCheck { Ok, Misaligned, OutOfRange };
  AddressCheck decode(uint32_t argument, uint64_t* sector) const;
  bool has_removed_at_next_block();

 private:
  uint64_t sectors_;
  std::map<uint64_t, std::array<uint8_t, 512>> data_;
};

// The SPI face.
class SpiCard final : public SpiBus {
 public:
  SpiCard(CardModel& card, FakeClock& clock) : card_(card), clock_(clock) {}

  Result<uint32_t> set_clock(uint32_t hz) override;
  void begin() override;
  void end() override;
  Result<void> transfer(const uint8_t* tx, uint8_t* rx, size_t n) override;
  Result<void> idle_clocks(size_t n) override;
  dev::Clock& clock() override { return clock_; }
  const char* name() const override { return "sim-spi"; }

  std::vector<uint32_t> clock_history;
  int transactions = 0;
  size_t idle_clock_bytes = 0;
  uint64_t bytes = 0;

 private:
  enum class Phase { Command, Reading, WriteToken, WriteData };

  uint8_t exchange(uint8_t in);
  uint8_t next_output();
  void consume(uint8_t in);
  void execute(const uint8_t frame[6]);
  void respond(uint8_t r1, std::initializer_list<uint8_t> trailer = {});
  void queue_register(const uint8_t reg[16]);
  void queue_read_block();
  void finish_write_block();
  uint8_t r1_base() const;

  CardModel& card_;
  FakeClock& clock_;
  bool selected_ = false;
  std::deque<uint8_t> out_;
  Phase phase_ = Phase::Command;
  uint8_t frame_[6] = {};
  int frame_length_ = 0;
  // Reading: next sector and how many blocks remain (-1: until CMD12).
  uint64_t read_sector_ = 0;
  int64_t read_left_ = 0;
  bool read_stopped_ = false;
  // Writing.
  bool write_multi_ = false;
  bool write_failed_ = false;
  uint64_t write_sector_ = 0;
  std::vector<uint8_t> write_buffer_;
  bool busy_forever_ = false;
};

// The native face: a host controller with the card behind it.
class NativeHost final : public Host {
 public:
  NativeHost(CardModel& card, FakeClock& clock, uint32_t max_blocks = 64, bool four_bit = true)
      : card_(card), clock_(clock), max_blocks_(max_blocks), four_bit_(four_bit) {}

  bool spi() const override { return false; }
  const char* name() const override { return "sim-native"; }
  Result<Reply> command(const Command& cmd) override;
  Result<void> set_clock(uint32_t hz) override;
  Result<void> set_bus_width(uint32_t lines) override;
  bool supports_bus_width(uint32_t lines) const override { return lines == 1 || (lines == 4 && four_bit_); }
  uint32_t max_blocks() const override { return max_blocks_; }
  bool card_present() override { return card_.faults.card_detect; }
  dev::Clock& clock() override { return clock_; }
  uint32_t clock_hz() const override { return clock_hz_; }

  std::vector<uint32_t> clock_history;
  uint32_t bus_width = 1;

 private:
  uint32_t status() const;
  Result<Reply> r1(uint32_t extra = 0);
  Result<Reply> illegal();
  Result<Reply> data_command(const Command& cmd);

  CardModel& card_;
  FakeClock& clock_;
  uint32_t max_blocks_;
  bool four_bit_;
  uint32_t clock_hz_ = 0;
};

}  // namespace rivet::sd::sim

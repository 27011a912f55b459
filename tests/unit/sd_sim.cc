#include "tests/unit/sd_sim.h"

#include <string.h>

#include "kernel/dev/sd/crc.h"

namespace rivet::sd::sim {

namespace {

constexpr uint32_t kOcrVoltages = 0x00FF8000;
constexpr uint32_t kOcrPowerUpDone = 1u << 31;
constexpr uint32_t kOcrCcs = 1u << 30;

// SPI R1 bits.
constexpr uint8_t kR1Idle = 0x01;
constexpr uint8_t kR1Illegal = 0x04;
constexpr uint8_t kR1CrcError = 0x08;
constexpr uint8_t kR1AddressError = 0x20;
constexpr uint8_t kR1ParameterError = 0x40;

// Native status bits.
constexpr uint32_t kStOutOfRange = 1u << 31;
constexpr uint32_t kStAddressError = 1u << 30;
constexpr uint32_t kStBlockLenError = 1u << 29;
constexpr uint32_t kStIllegal = 1u << 22;
constexpr uint32_t kStReadyForData = 1u << 8;
constexpr uint32_t kStAppCmd = 1u << 5;

// A 128-bit register as 16 bytes, bit 127 first.
void put_bits(uint8_t reg[16], unsigned high, unsigned low, uint64_t value) {
  for (unsigned bit = low; bit <= high; ++bit) {
    uint8_t& byte = reg[15 - bit / 8];
    uint8_t mask = static_cast<uint8_t>(1u << (bit % 8));
    if ((value >> (bit - low)) & 1)
      byte |= mask;
    else
      byte &= static_cast<uint8_t>(~mask);
  }
}

void finish_register(uint8_t reg[16]) { reg[15] = crc7_frame_byte(reg, 15); }

Reply register_reply(const uint8_t reg[16]) {
  Reply reply;
  for (int i = 0; i < 16; ++i) reply.words[i / 4] |= uint32_t{reg[i]} << (24 - 8 * (i % 4));
  return reply;
}

uint32_t state_number(CardModel::State state) {
  switch (state) {
    case CardModel::State::Idle: return 0;
    case CardModel::State::Ready: return 1;
    case CardModel::State::Ident: return 2;
    case CardModel::State::Standby: return 3;
    case CardModel::State::Transfer: return 4;
    case CardModel::State::Programming: return 7;
  }
  return 0;
}

}  // namespace

// ---- the card ---------------------------------------------------------------------

CardModel::CardModel(const CardConfig& cfg) : config(cfg) {
  if (config.sdhc)
    sectors_ = config.bytes / 512;
  else
    sectors_ = ((uint64_t{config.c_size} + 1) << (config.c_size_mult + 2 + config.read_bl_len)) / 512;
  reset();
  if (config.starts_in_use) state = State::Transfer;
}

void CardModel::reset() {
  state = State::Idle;
  app_next = false;
  crc_on = false;
  hcs_seen = false;
  acmd41_seen = 0;
  block_len = 512;
  card_bus_width = 1;
  program_polls_left = 0;
  illegal_pending = false;
}

std::vector<uint8_t> CardModel::peek(uint64_t sector) const {
  auto it = data_.find(sector);
  if (it != data_.end()) return std::vector<uint8_t>(it->second.begin(), it->second.end());
  std::vector<uint8_t> pattern(512);
  for (uint32_t i = 0; i < 512; ++i)
    pattern[i] = static_cast<uint8_t>(i * 7 ^ sector ^ (sector >> 8) * 13 ^ (sector >> 16) * 29 ^ (sector >> 24) * 71);
  return pattern;
}

void CardModel::poke(uint64_t sector, const uint8_t* bytes) {
  std::array<uint8_t, 512>& block = data_[sector];
  memcpy(block.data(), bytes, 512);
}

void CardModel::csd(uint8_t out[16]) const {
  memset(out, 0, 16);
  put_bits(out, 103, 96, config.tran_speed);
  put_bits(out, 95, 84, 0x5B5);  // command classes 0, 2, 4, 5, 7, 8, 10
  put_bits(out, 46, 46, 1);      // ERASE_BLK_EN
  put_bits(out, 45, 39, 0x7F);   // SECTOR_SIZE
  if (config.sdhc) {
    put_bits(out, 127, 126, 1);
    put_bits(out, 119, 112, 0x0E);  // TAAC 1 ms
    put_bits(out, 83, 80, 9);
    put_bits(out, 69, 48, config.bytes / (512 * 1024) - 1);
    put_bits(out, 25, 22, 9);
  } else {
    put_bits(out, 127, 126, 0);
    put_bits(out, 119, 112, 0x26);
    put_bits(out, 83, 80, config.read_bl_len);
    put_bits(out, 79, 79, 1);  // READ_BL_PARTIAL
    put_bits(out, 73, 62, config.c_size);
    put_bits(out, 61, 50, 0x1FF);  // VDD currents
    put_bits(out, 49, 47, config.c_size_mult);
    put_bits(out, 25, 22, config.read_bl_len);
  }
  if (config.wrong_csd_version) put_bits(out, 127, 126, config.sdhc ? 0 : 1);
  finish_register(out);
}

void CardModel::cid(uint8_t out[16]) const {
  memset(out, 0, 16);
  put_bits(out, 127, 120, config.manufacturer_id);
  for (int i = 0; i < 2; ++i) out[1 + i] = static_cast<uint8_t>(i < int(config.oem.size()) ? config.oem[i] : ' ');
  for (int i = 0; i < 5; ++i)
    out[3 + i] = static_cast<uint8_t>(i < int(config.product.size()) ? config.product[i] : ' ');
  put_bits(out, 63, 56, config.revision);
  put_bits(out, 55, 24, config.serial);
  put_bits(out, 19, 12, config.year - 2000);
  put_bits(out, 11, 8, config.month);
  finish_register(out);
}

int CardModel::count(uint8_t index, bool app) const {
  int n = 0;
  for (const LoggedCommand& c : log)
    if (c.index == index && c.app == app) ++n;
  return n;
}

std::vector<uint32_t> CardModel::arguments(uint8_t index) const {
  std::vector<uint32_t> args;
  for (const LoggedCommand& c : log)
    if (c.index == index && !c.app) args.push_back(c.argument);
  return args;
}

bool CardModel::removed() const { return faults.absent; }

bool CardModel::has_removed_at_next_block() {
  if (faults.remove_after_blocks >= 0 && blocks_read + blocks_written >= faults.remove_after_blocks)
    faults.absent = true;
  return faults.absent;
}

void CardModel::record(uint8_t index, uint32_t argument) { log.push_back({index, argument, app_next}); }

bool CardModel::op_cond(uint32_t argument) {
  ++acmd41_seen;
  if (argument & kOcrCcs) hcs_seen = true;
  // A high-capacity card never powers up for a host that does not claim to
  // handle block addressing.
  if (config.sdhc && !(argument & kOcrCcs)) return false;
  if (config.acmd41_polls < 0 || acmd41_seen <= config.acmd41_polls) return false;
  state = State::Ready;
  return true;
}

CardModel::AddressCheck CardModel::decode(uint32_t argument, uint64_t* sector) const {
  if (config.sdhc) {
    *sector = argument;
  } else {
    if (argument % 512) return AddressCheck::Misaligned;
    *sector = argument / 512;
  }
  return *sector < sectors_ ? AddressCheck::Ok : AddressCheck::OutOfRange;
}

// ---- SPI face ----------------------------------------------------------------------

Result<uint32_t> SpiCard::set_clock(uint32_t hz) {
  if (hz == 0) return Error::Invalid;
  clock_history.push_back(hz);
  // Like a SiFive SPI divider from 100 MHz: f = f_in / (2 (div + 1)).
  constexpr uint32_t kInputHz = 100'000'000;
  uint32_t div = (kInputHz + 2 * hz - 1) / (2 * hz) - 1;
  return kInputHz / (2 * (div + 1));
}

void SpiCard::begin() {
  if (selected_) ++card_.protocol_violations;
  selected_ = true;
  ++transactions;
}

void SpiCard::end() {
  if (!selected_) ++card_.protocol_violations;
  selected_ = false;
}

Result<void> SpiCard::transfer(const uint8_t* tx, uint8_t* rx, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint8_t out = 0xFF;
    if (selected_)
      out = exchange(tx ? tx[i] : 0xFF);
    else
      ++card_.protocol_violations;  // a command outside begin()/end()
    if (rx) rx[i] = out;
  }
  return {};
}

Result<void> SpiCard::idle_clocks(size_t n) {
  if (selected_) ++card_.protocol_violations;
  idle_clock_bytes += n;
  return {};
}

uint8_t SpiCard::exchange(uint8_t in) {
  ++bytes;
  uint8_t out = next_output();
  consume(in);
  return out;
}

uint8_t SpiCard::next_output() {
  if (card_.removed()) return card_.faults.removed_level;
  if (out_.empty() && !busy_forever_ && phase_ == Phase::Reading && !read_stopped_ && read_left_ != 0)
    queue_read_block();
  if (card_.removed()) return card_.faults.removed_level;
  if (!out_.empty()) {
    uint8_t b = out_.front();
    out_.pop_front();
    return b;
  }
  return busy_forever_ ? 0x00 : 0xFF;
}

void SpiCard::consume(uint8_t in) {
  if (card_.removed() || busy_forever_) return;
  if (phase_ == Phase::WriteData) {
    write_buffer_.push_back(in);
    if (write_buffer_.size() == card_.block_len + 2) finish_write_block();
    return;
  }
  if (phase_ == Phase::WriteToken && frame_length_ == 0) {
    if (in == 0xFE || in == 0xFC) {
      // A token while the card still answers or is busy, the wrong token,
      // or more data after a refused block: the host broke the protocol.
      if (!out_.empty() || in != (write_multi_ ? 0xFC : 0xFE) || write_failed_) ++card_.protocol_violations;
      write_buffer_.clear();
      phase_ = Phase::WriteData;
      return;
    }
    if (in == 0xFD) {
      if (!write_multi_ || !out_.empty()) ++card_.protocol_violations;
      out_.push_back(0xFF);  // one byte, then busy while the card programs
      for (int i = 0; i < card_.config.write_busy_bytes; ++i) out_.push_back(0x00);
      phase_ = Phase::Command;
      return;
    }
  }
  if (frame_length_ == 0 && (in & 0xC0) != 0x40) return;  // not a start of frame
  frame_[frame_length_++] = in;
  if (frame_length_ == 6) {
    frame_length_ = 0;
    execute(frame_);
  }
}

uint8_t SpiCard::r1_base() const { return card_.state == CardModel::State::Idle ? kR1Idle : 0; }

void SpiCard::respond(uint8_t r1, std::initializer_list<uint8_t> trailer) {
  for (int i = 0; i < card_.config.response_delay; ++i) out_.push_back(0xFF);
  out_.push_back(r1);
  for (uint8_t b : trailer) out_.push_back(b);
}

void SpiCard::queue_register(const uint8_t reg[16]) {
  for (int i = 0; i < card_.config.read_delay; ++i) out_.push_back(0xFF);
  out_.push_back(0xFE);
  for (int i = 0; i < 16; ++i) out_.push_back(reg[i]);
  uint16_t crc = crc16(reg, 16);
  out_.push_back(static_cast<uint8_t>(crc >> 8));
  out_.push_back(static_cast<uint8_t>(crc));
}

void SpiCard::queue_read_block() {
  if (card_.has_removed_at_next_block()) return;
  int64_t n = card_.blocks_read++;
  for (int i = 0; i < card_.config.read_delay; ++i) out_.push_back(0xFF);
  if (read_left_ > 0) --read_left_;
  if (read_left_ == 0) phase_ = Phase::Command;
  if (read_sector_ >= card_.sectors()) {
    out_.push_back(0x08);  // error token: out of range
    read_stopped_ = true;
    return;
  }
  if (n == card_.faults.error_token_block) {
    out_.push_back(0x04);  // error token: card ECC failed
    read_stopped_ = true;
    return;
  }
  std::vector<uint8_t> block = card_.peek(read_sector_++);
  out_.push_back(0xFE);
  for (uint8_t b : block) out_.push_back(b);
  uint16_t crc = crc16(block.data(), block.size());
  if (n == card_.faults.bad_read_crc_block) crc ^= 0x0101;
  out_.push_back(static_cast<uint8_t>(crc >> 8));
  out_.push_back(static_cast<uint8_t>(crc));
}

void SpiCard::finish_write_block() {
  phase_ = write_multi_ ? Phase::WriteToken : Phase::Command;
  if (card_.has_removed_at_next_block()) return;
  int64_t n = card_.blocks_written++;
  uint16_t crc = static_cast<uint16_t>(write_buffer_[512] << 8 | write_buffer_[513]);
  uint8_t token = 0x05;
  if (write_failed_ || write_sector_ >= card_.sectors())
    token = 0x0D;
  else if (card_.crc_on && crc != crc16(write_buffer_.data(), 512))
    token = 0x0B;
  else if (n == card_.faults.reject_write_block)
    token = card_.faults.reject_token;
  if (token == 0x05) card_.poke(write_sector_++, write_buffer_.data());
  else write_failed_ = true;
  // Real cards set the undefined top bits as they like; QEMU's sends 0x05.
  bool qemu_like = card_.config.write_busy_bytes == 0;
  out_.push_back(qemu_like ? token : static_cast<uint8_t>(token | 0xE0));
  if (n == card_.faults.busy_forever_block) {
    busy_forever_ = true;
    return;
  }
  if (token == 0x05)
    for (int i = 0; i < card_.config.write_busy_bytes; ++i) out_.push_back(0x00);
}

void SpiCard::execute(const uint8_t frame[6]) {
  uint8_t index = frame[0] & 0x3F;
  uint32_t arg = uint32_t{frame[1]} << 24 | uint32_t{frame[2]} << 16 | uint32_t{frame[3]} << 8 | frame[4];
  bool app = card_.app_next;
  card_.record(index, arg);
  card_.app_next = false;
  using State = CardModel::State;
  Faults& faults = card_.faults;

  bool crc_ok = frame[5] == crc7_frame_byte(frame, 5);
  if (faults.command_crc_error == index) {
    crc_ok = false;
    faults.command_crc_error = -1;
  }
  // CMD0 and CMD8 are always checked, everything once CMD59 turned CRC on.
  if (!crc_ok && (card_.crc_on || index == 0 || index == 8)) {
    if (phase_ != Phase::Command) ++card_.protocol_violations;
    respond(r1_base() | kR1CrcError);
    return;
  }

  if (index == 12) {
    if (phase_ == Phase::Command) {
      respond(r1_base() | kR1Illegal);
      return;
    }
    out_.clear();
    out_.push_back(0x3A);  // the stuff byte: garbage, bit 7 clear on purpose
    respond(0);
    for (int i = 0; i < card_.config.r1b_busy_bytes; ++i) out_.push_back(0x00);
    phase_ = Phase::Command;
    read_left_ = 0;
    read_stopped_ = false;
    return;
  }
  if (phase_ != Phase::Command && index != 0) ++card_.protocol_violations;

  auto illegal = [&] { respond(r1_base() | kR1Illegal); };
  switch (index) {
    case 0: {
      bool was_idle = card_.state == State::Idle;
      out_.clear();
      phase_ = Phase::Command;
      read_left_ = 0;
      read_stopped_ = false;
      card_.reset();
      respond(!was_idle && card_.config.cmd0_not_idle_quirk ? 0x00 : kR1Idle);
      return;
    }
    case 8:
      if (card_.config.version1) return illegal();
    {
      uint32_t echo = (arg & 0xFFF) ^ card_.config.if_cond_echo_xor;
      uint8_t r1 = card_.config.r3_r7_always_idle ? kR1Idle : r1_base();
      respond(r1, {0, 0, static_cast<uint8_t>((echo >> 8) & 0xF), static_cast<uint8_t>(echo)});
      return;
    }
    case 59:
      card_.crc_on = arg & 1;
      respond(r1_base());
      return;
    case 55:
      card_.app_next = true;
      respond(r1_base());
      return;
    case 41:
      if (!app) return illegal();
      if (card_.state == State::Idle) card_.op_cond(arg);
      respond(r1_base());
      return;
    case 58: {
      uint32_t ocr = kOcrVoltages;
      if (card_.state != State::Idle) ocr |= kOcrPowerUpDone | (card_.config.sdhc ? kOcrCcs : 0);
      respond(card_.config.r3_r7_always_idle ? kR1Idle : r1_base(),
              {static_cast<uint8_t>(ocr >> 24), static_cast<uint8_t>(ocr >> 16),
                          static_cast<uint8_t>(ocr >> 8), static_cast<uint8_t>(ocr)});
      return;
    }
    case 9:
    case 10: {
      if (card_.state == State::Idle) return illegal();
      uint8_t reg[16];
      if (index == 9)
        card_.csd(reg);
      else
        card_.cid(reg);
      respond(0);
      queue_register(reg);
      return;
    }
    case 13:
      respond(r1_base(), {static_cast<uint8_t>(faults.status_errors)});
      faults.status_errors = 0;
      return;
    case 16:
      if (card_.state == State::Idle) return illegal();
      if (arg != 512) return respond(kR1ParameterError);
      card_.block_len = arg;
      respond(0);
      return;
    case 17:
    case 18:
    case 24:
    case 25: {
      if (card_.state == State::Idle) return illegal();
      uint64_t sector = 0;
      switch (card_.decode(arg, &sector)) {
        case CardModel::AddressCheck::Misaligned: return respond(kR1AddressError);
        case CardModel::AddressCheck::OutOfRange: return respond(kR1ParameterError);
        case CardModel::AddressCheck::Ok: break;
      }
      respond(0);
      if (index == 17 || index == 18) {
        read_sector_ = sector;
        read_left_ = index == 17 ? 1 : -1;
        read_stopped_ = false;
        phase_ = Phase::Reading;
      } else {
        write_multi_ = index == 25;
        write_failed_ = false;
        write_sector_ = sector;
        phase_ = Phase::WriteToken;
      }
      return;
    }
    default:
      illegal();
  }
}

// ---- native face --------------------------------------------------------------------

Result<void> NativeHost::set_clock(uint32_t hz) {
  if (hz == 0) return Error::Invalid;
  clock_history.push_back(hz);
  clock_hz_ = hz;
  return {};
}

Result<void> NativeHost::set_bus_width(uint32_t lines) {
  if (!supports_bus_width(lines)) return Error::NotSupported;
  bus_width = lines;
  return {};
}

uint32_t NativeHost::status() const {
  uint32_t status = state_number(card_.state) << 9;
  if (card_.state == CardModel::State::Transfer) status |= kStReadyForData;
  if (card_.app_next) status |= kStAppCmd;
  if (card_.illegal_pending) status |= kStIllegal;
  return status;
}

Result<Reply> NativeHost::r1(uint32_t extra) {
  Reply reply;
  reply.words[0] = status() | extra;
  card_.illegal_pending = false;
  return reply;
}

// A native card does not answer a command that is illegal in its state;
// it reports ILLEGAL_COMMAND in the next response.
Result<Reply> NativeHost::illegal() {
  card_.illegal_pending = true;
  return Error::TimedOut;
}

Result<Reply> NativeHost::command(const Command& cmd) {
  clock_.now += 20;  // a command and its response take time on the bus
  if (!card_.faults.card_detect) return Error::NoDevice;
  // A command without a response cannot time out: the host never knows.
  if (card_.removed()) return cmd.response == ResponseKind::None ? Result<Reply>(Reply{}) : Error::TimedOut;
  bool app = card_.app_next;
  card_.record(cmd.index, cmd.argument);
  card_.app_next = false;
  Faults& faults = card_.faults;
  if (faults.command_crc_error == cmd.index) {
    faults.command_crc_error = -1;
    return Error::Io;  // the response arrived with a bad CRC
  }
  using State = CardModel::State;
  State& state = card_.state;
  uint16_t rca = card_.rca;
  auto expect = [&](ResponseKind kind) {
    if (cmd.response != kind) ++card_.protocol_violations;
  };
  switch (cmd.index) {
    case 0:
      expect(ResponseKind::None);
      card_.reset();
      return Reply{};
    case 8: {
      expect(ResponseKind::R7);
      if (card_.config.version1 || state != State::Idle) return illegal();
      Reply reply;
      reply.words[0] = (cmd.argument & 0xFFF) ^ card_.config.if_cond_echo_xor;
      return reply;
    }
    case 55:
      expect(ResponseKind::R1);
      if (state != State::Idle && state != State::Ready && (cmd.argument >> 16) != rca) return illegal();
      card_.app_next = true;
      return r1();
    case 41: {
      expect(ResponseKind::R3);
      if (!app || state != State::Idle) return illegal();
      bool ready = (cmd.argument & kOcrVoltages) && card_.op_cond(cmd.argument);
      Reply reply;
      reply.words[0] = kOcrVoltages | (ready ? kOcrPowerUpDone | (card_.config.sdhc ? kOcrCcs : 0) : 0);
      return reply;
    }
    case 2: {
      expect(ResponseKind::R2);
      if (state != State::Ready) return illegal();
      state = State::Ident;
      uint8_t reg[16];
      card_.cid(reg);
      return register_reply(reg);
    }
    case 3: {
      expect(ResponseKind::R6);
      if (state != State::Ident && state != State::Standby) return illegal();
      state = State::Standby;
      Reply reply;
      reply.words[0] = uint32_t{rca} << 16 | state_number(state) << 9;
      return reply;
    }
    case 9: {
      expect(ResponseKind::R2);
      if (state != State::Standby || (cmd.argument >> 16) != rca) return illegal();
      uint8_t reg[16];
      card_.csd(reg);
      return register_reply(reg);
    }
    case 7: {
      expect(ResponseKind::R1b);
      if ((cmd.argument >> 16) != rca || state != State::Standby) return illegal();
      Result<Reply> reply = r1();
      state = State::Transfer;
      return reply;
    }
    case 6:
      expect(ResponseKind::R1);
      if (!app || state != State::Transfer) return illegal();
      if ((cmd.argument & 3) == 2)
        card_.card_bus_width = 4;
      else if ((cmd.argument & 3) == 0)
        card_.card_bus_width = 1;
      return r1();
    case 13: {
      expect(ResponseKind::R1);
      if ((cmd.argument >> 16) != rca) return illegal();
      if (state == State::Programming && --card_.program_polls_left <= 0) state = State::Transfer;
      uint32_t errors = faults.status_errors;
      faults.status_errors = 0;
      return r1(errors);
    }
    case 16:
      expect(ResponseKind::R1);
      if (state != State::Transfer) return illegal();
      if (cmd.argument != 512) return r1(kStBlockLenError);
      card_.block_len = 512;
      return r1();
    case 17:
    case 18:
    case 24:
    case 25:
      return data_command(cmd);
    default:
      return illegal();
  }
}

Result<Reply> NativeHost::data_command(const Command& cmd) {
  using State = CardModel::State;
  if (card_.state != State::Transfer) return illegal();
  bool multi = cmd.index == 18 || cmd.index == 25;
  bool write = cmd.index == 24 || cmd.index == 25;
  if (!cmd.data || cmd.response != ResponseKind::R1 || cmd.data->write != write || cmd.data->block_size != 512 ||
      cmd.data->blocks == 0 || cmd.data->blocks > max_blocks_ || (!multi && cmd.data->blocks != 1)) {
    ++card_.protocol_violations;
    return Error::Invalid;
  }
  uint64_t sector = 0;
  switch (card_.decode(cmd.argument, &sector)) {
    case CardModel::AddressCheck::Misaligned: return r1(kStAddressError);
    case CardModel::AddressCheck::OutOfRange: return r1(kStOutOfRange);
    case CardModel::AddressCheck::Ok: break;
  }
  // Host and card disagreeing on the bus width garbles every block.
  if (card_.card_bus_width != bus_width) return Error::Io;
  Result<Reply> reply = r1();
  const Data& data = *cmd.data;
  Faults& faults = card_.faults;
  for (uint32_t i = 0; i < data.blocks; ++i) {
    if (card_.has_removed_at_next_block()) return Error::TimedOut;
    if (sector + i >= card_.sectors()) return Error::TimedOut;  // the card stops: data timeout
    if (!write) {
      int64_t n = card_.blocks_read++;
      if (n == faults.error_token_block || n == faults.bad_read_crc_block) return Error::Io;
      std::vector<uint8_t> block = card_.peek(sector + i);
      memcpy(data.block(i), block.data(), 512);
    } else {
      int64_t n = card_.blocks_written++;
      if (n == faults.reject_write_block) return Error::Io;  // CRC status "rejected"
      if (n == faults.busy_forever_block) {
        clock_.now += 1'000'000;  // the host's own busy timeout
        return Error::TimedOut;
      }
      card_.poke(sector + i, data.block(i));
    }
  }
  if (multi) card_.record(12, 0);  // the controller's auto stop
  if (write) {
    card_.program_polls_left = card_.config.program_polls;
    if (card_.program_polls_left > 0) card_.state = State::Programming;
  }
  return reply;
}

}  // namespace rivet::sd::sim

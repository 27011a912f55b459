#include "tests/unit/sifive_spi_model.h"

#include <stdio.h>

namespace rivet::test {
namespace {

constexpr uint32_t kSckDiv = 0x00;
constexpr uint32_t kSckMode = 0x04;
constexpr uint32_t kCsId = 0x10;
constexpr uint32_t kCsDef = 0x14;
constexpr uint32_t kCsMode = 0x18;
constexpr uint32_t kDelay0 = 0x28;
constexpr uint32_t kDelay1 = 0x2c;
constexpr uint32_t kFmt = 0x40;
constexpr uint32_t kTxData = 0x48;
constexpr uint32_t kRxData = 0x4c;
constexpr uint32_t kTxMark = 0x50;
constexpr uint32_t kRxMark = 0x54;
constexpr uint32_t kFctrl = 0x60;
constexpr uint32_t kFfmt = 0x64;
constexpr uint32_t kIp = 0x74;

constexpr uint32_t kCsModeAuto = 0;
constexpr uint32_t kCsModeOff = 3;
constexpr uint32_t kFmtTransmitOnly = 1u << 3;
constexpr uint32_t kFull = 1u << 31;
constexpr uint32_t kEmpty = 1u << 31;
constexpr uint32_t kIpTx = 1u << 0;
constexpr uint32_t kIpRx = 1u << 1;

// QEMU's reset values.
constexpr uint32_t kResetSckDiv = 3;
constexpr uint32_t kResetDelay0 = 0x1001;
constexpr uint32_t kResetDelay1 = 0x01;

// What a deselected bus reads in QEMU (no device drives MISO).
constexpr uint8_t kNobodyAnswers = 0x00;

bool reserved(uint32_t offset) {
  switch (offset) {
    case 0x08: case 0x0c: case 0x1c: case 0x20: case 0x24: case 0x30: case 0x34:
    case 0x38: case 0x3c: case 0x44: case 0x58: case 0x5c: case 0x68: case 0x6c:
      return true;
    default:
      return false;
  }
}

std::string hex(uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

}  // namespace

void EchoDevice::select(bool selected) {
  if (selected) {
    fresh_ = true;
    selections++;
  }
}

uint8_t EchoDevice::exchange(uint8_t mosi) {
  received.push_back(mosi);
  uint8_t reply = fresh_ ? kFirstReply : last_;
  fresh_ = false;
  last_ = mosi;
  return reply;
}

SifiveSpiModel::SifiveSpiModel(SpiDevice& device, Options options)
    : device_(device), options_(options), line_asserted_(options.num_cs, false) {
  regs_[kCsDef / 4] = (1u << options_.num_cs) - 1;  // every line active low
  regs_[kSckDiv / 4] = kResetSckDiv;
  regs_[kDelay0 / 4] = kResetDelay0;
  regs_[kDelay1 / 4] = kResetDelay1;
  update_chip_select();
  update_pending();
}

void SifiveSpiModel::preload_rx(const std::vector<uint8_t>& bytes) {
  for (uint8_t b : bytes)
    if (rx_.size() < kFifoDepth) rx_.push_back(b);
  update_pending();
}

void SifiveSpiModel::violation(const std::string& what) { violations_.push_back(what); }

bool SifiveSpiModel::check_offset(uint32_t offset, bool write) {
  if (offset % 4 != 0 || offset >= kRegisterBytes) {
    violation(std::string(write ? "write" : "read") + " outside the registers at " + hex(offset));
    return false;
  }
  if (reserved(offset)) {
    // QEMU reads 0 and ignores writes; a driver has no business there.
    violation(std::string(write ? "write" : "read") + " of reserved offset " + hex(offset));
    return !write;
  }
  return true;
}

void SifiveSpiModel::tick() {
  accesses_++;
  if (options_.ticks_per_byte && accesses_ % options_.ticks_per_byte == 0 && !tx_.empty() && !stuck_tx_full)
    shift_one();
}

void SifiveSpiModel::shift_one() {
  uint8_t mosi = tx_.front();
  tx_.erase(tx_.begin());
  Frame f;
  f.mosi = mosi;
  f.selected = line_asserted_[0];
  uint32_t csdef_bit = regs_[kCsDef / 4] & 1;
  uint32_t mode = regs_[kCsMode / 4];
  // Silicon drives line 0 only when csid selects it; OFF leaves it at its
  // csdef level, AUTO and HOLD drive the opposite during a frame.
  uint32_t pin = regs_[kCsId / 4] != 0 || mode == kCsModeOff ? csdef_bit : !csdef_bit;
  f.silicon_selected = pin == 0;
  f.fmt = regs_[kFmt / 4];
  f.sckmode = regs_[kSckMode / 4];
  f.sckdiv = regs_[kSckDiv / 4];
  f.miso = f.selected ? device_.exchange(mosi) : kNobodyAnswers;
  frames_.push_back(f);
  if (regs_[kFmt / 4] & kFmtTransmitOnly) return;
  if (rx_.size() >= kFifoDepth) {
    rx_dropped_++;
    return;
  }
  rx_.push_back(f.miso);
}

void SifiveSpiModel::update_chip_select() {
  for (uint32_t i = 0; i < options_.num_cs; i++) {
    if (!(regs_[kCsDef / 4] & 1u << i)) continue;  // QEMU leaves such a line alone
    bool asserted = regs_[kCsMode / 4] != kCsModeAuto;
    if (asserted == line_asserted_[i]) continue;
    line_asserted_[i] = asserted;
    if (i != 0) continue;
    if (asserted) {
      spans_.push_back(Span{frames_.size(), frames_.size(), true});
    } else if (!spans_.empty()) {
      spans_.back().end = frames_.size();
      spans_.back().open = false;
    }
    device_.select(asserted);
  }
}

void SifiveSpiModel::update_pending() {
  uint32_t ip = 0;
  // A stuck controller looks full and empty here too.
  size_t tx_count = stuck_tx_full ? kFifoDepth : tx_.size();
  size_t rx_count = stuck_rx_empty ? 0 : rx_.size();
  if (tx_count < regs_[kTxMark / 4]) ip |= kIpTx;
  if (rx_count > regs_[kRxMark / 4]) ip |= kIpRx;
  regs_[kIp / 4] = ip;
}

uint32_t SifiveSpiModel::read32(uint32_t offset) {
  tick();
  if (!check_offset(offset, false)) return 0;
  uint32_t value;
  if (offset == kTxData) {
    value = stuck_tx_full || tx_.size() >= kFifoDepth ? kFull : 0;
  } else if (offset == kRxData) {
    if (stuck_rx_empty || rx_.empty()) {
      value = kEmpty;
    } else {
      value = rx_.front();
      rx_.erase(rx_.begin());
    }
  } else {
    value = regs_[offset / 4];
  }
  update_pending();
  return value;
}

void SifiveSpiModel::write32(uint32_t offset, uint32_t value) {
  tick();
  if (!check_offset(offset, true)) return;
  switch (offset) {
    case kCsId:
      if (value >= options_.num_cs) {
        violation("csid " + hex(value) + " names no chip select");
        break;
      }
      regs_[kCsId / 4] = value;
      update_chip_select();
      break;
    case kCsDef:
      if (value >= 1u << options_.num_cs) {
        violation("csdef " + hex(value) + " names lines that do not exist");
        break;
      }
      regs_[kCsDef / 4] = value;  // QEMU changes no line here
      break;
    case kCsMode:
      if (value > kCsModeOff) {
        violation("csmode " + hex(value));
        break;
      }
      if (value == kCsModeOff) off_written_ = true;
      regs_[kCsMode / 4] = value;
      update_chip_select();
      break;
    case kTxData:
      if (stuck_tx_full || tx_.size() >= kFifoDepth) {
        tx_lost_++;
        violation("TXDATA written while full");
        break;
      }
      tx_.push_back(static_cast<uint8_t>(value));
      if (options_.ticks_per_byte == 0)
        while (!tx_.empty()) shift_one();
      break;
    case kRxData:
    case kIp:
      violation("write to read-only " + hex(offset));
      break;
    case kTxMark:
    case kRxMark:
      if (value >= kFifoDepth) {
        violation("watermark " + hex(value));
        break;
      }
      regs_[offset / 4] = value;
      break;
    case kFctrl:
    case kFfmt:
      violation("flash interface register " + hex(offset) + " (not modelled by QEMU)");
      break;
    default:
      regs_[offset / 4] = value;
      break;
  }
  update_pending();
}

}  // namespace rivet::test

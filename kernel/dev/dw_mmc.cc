#include "kernel/dev/dw_mmc.h"

#include "kernel/dev/sd/commands.h"

namespace rivet::dev {
namespace {

// Register offsets (DesignWare Mobile Storage Host databook; the same map
// as Linux's drivers/mmc/host/dw_mmc.h and U-Boot's include/dwmmc.h).
enum : uint32_t {
  kCtrl = 0x00,
  kPwren = 0x04,
  kClkdiv = 0x08,
  kClksrc = 0x0c,
  kClkena = 0x10,
  kTmout = 0x14,
  kCtype = 0x18,
  kBlksiz = 0x1c,
  kBytcnt = 0x20,
  kIntmask = 0x24,
  kCmdarg = 0x28,
  kCmd = 0x2c,
  kResp0 = 0x30,
  kResp1 = 0x34,
  kResp2 = 0x38,
  kResp3 = 0x3c,
  kRintsts = 0x44,
  kStatus = 0x48,
  kFifoth = 0x4c,
  kVerid = 0x6c,
  kHcon = 0x70,
  kBmod = 0x80,
  kIdsts = 0x8c,
  kIdinten = 0x90,
  // The data FIFO moved from 0x100 to 0x200 in version 2.40a.
  kDataBefore240a = 0x100,
  kData240a = 0x200,
};

// CTRL
constexpr uint32_t kCtrlControllerReset = 1u << 0;
constexpr uint32_t kCtrlFifoReset = 1u << 1;
constexpr uint32_t kCtrlDmaReset = 1u << 2;
constexpr uint32_t kCtrlAllResets = kCtrlControllerReset | kCtrlFifoReset | kCtrlDmaReset;
constexpr uint32_t kCtrlIntEnable = 1u << 4;
constexpr uint32_t kCtrlDmaEnable = 1u << 5;
constexpr uint32_t kCtrlUseInternalDmac = 1u << 25;

// PWREN, CLKENA, CTYPE (card 0 only: the JH7110 controllers have one slot)
constexpr uint32_t kPwrenCard0 = 1u << 0;
constexpr uint32_t kClkenaCard0 = 1u << 0;
constexpr uint32_t kCtype4Bit = 1u << 0;

// CMD
constexpr uint32_t kCmdIndexMask = 0x3f;
constexpr uint32_t kCmdResponseExpected = 1u << 6;
constexpr uint32_t kCmdLongResponse = 1u << 7;
constexpr uint32_t kCmdCheckResponseCrc = 1u << 8;
constexpr uint32_t kCmdDataExpected = 1u << 9;
constexpr uint32_t kCmdWrite = 1u << 10;
constexpr uint32_t kCmdAutoStop = 1u << 12;
constexpr uint32_t kCmdWaitPreviousData = 1u << 13;
constexpr uint32_t kCmdStopAbort = 1u << 14;
constexpr uint32_t kCmdSendInitialization = 1u << 15;
constexpr uint32_t kCmdUpdateClockOnly = 1u << 21;
constexpr uint32_t kCmdUseHoldRegister = 1u << 29;
constexpr uint32_t kCmdStart = 1u << 31;

// RINTSTS (raw interrupt status; write 1 to clear)
constexpr uint32_t kIntResponseError = 1u << 1;
constexpr uint32_t kIntCommandDone = 1u << 2;
constexpr uint32_t kIntDataOver = 1u << 3;
constexpr uint32_t kIntResponseCrc = 1u << 6;
constexpr uint32_t kIntDataCrc = 1u << 7;
constexpr uint32_t kIntResponseTimeout = 1u << 8;
constexpr uint32_t kIntDataReadTimeout = 1u << 9;
constexpr uint32_t kIntHostTimeout = 1u << 10;
constexpr uint32_t kIntFifoRun = 1u << 11;
constexpr uint32_t kIntHardwareLocked = 1u << 12;
constexpr uint32_t kIntStartBitError = 1u << 13;
constexpr uint32_t kIntAutoCommandDone = 1u << 14;
constexpr uint32_t kIntEndBitError = 1u << 15;
constexpr uint32_t kIntAll = 0xffff'ffff;
constexpr uint32_t kIntDataErrors = kIntDataCrc | kIntDataReadTimeout | kIntHostTimeout |
                                    kIntFifoRun | kIntStartBitError | kIntEndBitError;

// STATUS
constexpr uint32_t kStatusDataBusy = 1u << 9;       // the card holds DAT0 low
constexpr uint32_t kStatusDataMachineBusy = 1u << 10;
constexpr uint32_t kStatusFifoCountShift = 17;
constexpr uint32_t kStatusFifoCountMask = 0x1fff;

// FIFOTH: [27:16] receive watermark (RXDR when the count is above it),
// [11:0] transmit watermark (TXDR when the count is at or below it),
// [30:28] DMA burst size (unused here: 0 = single transfers).
constexpr uint32_t kFifothRxShift = 16;
constexpr uint32_t kFifothMask = 0xfff;

// HCON[9:7]: host data (FIFO) width.
constexpr uint32_t kHconDataWidthShift = 7;
constexpr uint32_t kHconDataWidthMask = 0x7;

// BMOD
constexpr uint32_t kBmodSoftwareReset = 1u << 0;

// IDSTS: the internal DMAC's status bits [9:0], write 1 to clear.
constexpr uint32_t kIdstsAll = 0x3ff;

// TMOUT: [31:8] data read timeout, [7:0] response timeout, in card clocks.
// Maximum for both: the driver's own deadlines are the real limits.
constexpr uint32_t kTmoutMax = 0xffff'ffff;

constexpr uint32_t kVersion240a = 0x240a;

// Deadlines. The controller reports a response timeout by itself after 255
// card clocks; these only catch a controller that never answers.
constexpr uint64_t kResetTimeoutUs = 100'000;
constexpr uint64_t kCommandTakenTimeoutUs = 500'000;
constexpr uint64_t kCommandDoneTimeoutUs = 500'000;
// Data: no FIFO progress for this long ends the transfer. TMOUT's data
// timeout is 2^24 card clocks (42 s at 400 kHz), far too long to wait.
constexpr uint64_t kDataStallTimeoutUs = 1'000'000;
// Busy after a write or an R1b command: SD cards must finish a block write
// within 250 ms (SDHC) / 500 ms (SDXC); leave margin.
constexpr uint64_t kBusyTimeoutUs = 1'000'000;
// Card supply ramp after PWREN goes on (SD spec: up to 35 ms, plus 1 ms
// before the first command). Only waited when this driver turns it on.
constexpr uint64_t kPowerRampUs = 40'000;

// The SD commands this host treats specially come from commands.h.
using namespace sd::cmd;

class Deadline {
 public:
  Deadline(Clock& clock, uint64_t timeout_us) : clock_(clock), end_(clock.now_us() + timeout_us) {}
  bool expired() { return clock_.now_us() >= end_; }
  void extend(uint64_t timeout_us) { end_ = clock_.now_us() + timeout_us; }

 private:
  Clock& clock_;
  uint64_t end_;
};

}  // namespace

DwMmcHost::DwMmcHost(Registers& regs, Clock& clock, uint32_t ciu_hz, uint32_t fifo_depth,
                     const char* name, CardDetect card_detect, void* card_detect_context)
    : regs_(regs),
      clock_(clock),
      ciu_hz_(ciu_hz),
      fifo_depth_(fifo_depth),
      name_(name),
      card_detect_(card_detect),
      card_detect_context_(card_detect_context),
      fifo_depth_from_tree_(fifo_depth != 0) {}

bool DwMmcHost::card_present() {
  return card_detect_ ? card_detect_(card_detect_context_) : true;
}

uint32_t DwMmcHost::divider_for(uint32_t ciu_hz, uint32_t hz) {
  if (hz == 0) return kNoDivider;
  if (hz >= ciu_hz) return 0;  // bypass: cclk = ciu
  // The smallest n with ciu / (2 n) <= hz, rounding up so never faster.
  uint64_t twice_hz = uint64_t{hz} * 2;
  uint64_t n = (uint64_t{ciu_hz} + twice_hz - 1) / twice_hz;
  return n > kMaxDivider ? kNoDivider : static_cast<uint32_t>(n);
}

// Sets self-clearing reset bits in CTRL and waits for the controller to
// clear them. DMA mode and the interrupt line are turned off in the same
// write: this driver polls, and U-Boot leaves the internal DMAC selected.
Result<void> DwMmcHost::reset_bits(uint32_t bits) {
  uint32_t ctrl = regs_.read32(kCtrl);
  ctrl &= ~(kCtrlUseInternalDmac | kCtrlDmaEnable | kCtrlIntEnable | kCtrlAllResets);
  regs_.write32(kCtrl, ctrl | bits);
  Deadline deadline(clock_, kResetTimeoutUs);
  while (regs_.read32(kCtrl) & bits) {
    if (deadline.expired()) return Error::TimedOut;
    clock_.pause();
  }
  return {};
}

Result<void> DwMmcHost::reset() {
  // FIFO geometry. HCON[9:7] is the width of the data register the FIFO is
  // reached through; STATUS counts the FIFO in entries of that width.
  switch ((regs_.read32(kHcon) >> kHconDataWidthShift) & kHconDataWidthMask) {
    case 0: fifo_width_ = 2; break;
    case 1: fifo_width_ = 4; break;
    case 2: fifo_width_ = 8; break;
    default: return Error::NotSupported;
  }
  data_offset_ = (regs_.read32(kVerid) & 0xffff) >= kVersion240a ? kData240a : kDataBefore240a;
  if (!fifo_depth_from_tree_ && fifo_depth_ == 0) {
    // At reset FIFOTH holds a receive watermark of depth - 1 and a transmit
    // watermark of 0. U-Boot, Linux and reset() below program depth/2 - 1
    // and depth/2, recognisable by tx == rx + 1. Anything else: rx + 1 is at
    // most the depth, and under-estimating it only costs speed (writes fill
    // the FIFO less far); over-estimating it would overrun the FIFO.
    uint32_t fifoth = regs_.read32(kFifoth);
    uint32_t rx = (fifoth >> kFifothRxShift) & kFifothMask;
    uint32_t tx = fifoth & kFifothMask;
    fifo_depth_ = (tx != 0 && tx == rx + 1) ? 2 * tx : rx + 1;
  }
  if (fifo_depth_ < 2) fifo_depth_ = 2;
  if (fifo_depth_ > kFifothMask + 1) fifo_depth_ = kFifothMask + 1;

  // Controller, FIFO and DMA interface reset; this also clears "use
  // internal DMAC" (CTRL bit 25), which a FIFO-polling driver must: with it
  // set, data goes to the DMAC and never appears in the FIFO.
  TRY(reset_bits(kCtrlAllResets));
  // The internal DMAC's own reset, then its enable bit (BMOD bit 7) off.
  regs_.write32(kBmod, kBmodSoftwareReset);
  Deadline deadline(clock_, kResetTimeoutUs);
  while (regs_.read32(kBmod) & kBmodSoftwareReset) {
    if (deadline.expired()) return Error::TimedOut;
    clock_.pause();
  }
  regs_.write32(kBmod, 0);
  regs_.write32(kIdinten, 0);
  regs_.write32(kIdsts, kIdstsAll);

  // Polled: nothing reaches the interrupt line; start from a clean slate.
  regs_.write32(kIntmask, 0);
  regs_.write32(kRintsts, kIntAll);
  regs_.write32(kTmout, kTmoutMax);
  uint32_t rx_watermark = fifo_depth_ / 2 - 1;
  uint32_t tx_watermark = fifo_depth_ / 2;
  regs_.write32(kFifoth, (rx_watermark << kFifothRxShift) | tx_watermark);

  if (!(regs_.read32(kPwren) & kPwrenCard0)) {
    regs_.write32(kPwren, kPwrenCard0);
    clock_.delay_us(kPowerRampUs);
  }
  regs_.write32(kCtype, 0);  // 1 data line until the card layer widens it
  // After a controller reset the card-clock unit must be told the clock
  // registers again; set_clock() runs the update sequence.
  TRY(set_clock(kIdentificationHz));
  send_init_ = true;
  return {};
}

// Asks the card-clock unit to take CLKDIV/CLKSRC/CLKENA. No command goes to
// the card and no "command done" is raised: the start bit clearing is the
// only acknowledgement. Waits for a data transfer or busy card to finish
// first, so the clock never changes under one.
Result<void> DwMmcHost::update_clock_registers() {
  regs_.write32(kRintsts, kIntHardwareLocked);
  regs_.write32(kCmdarg, 0);
  regs_.write32(kCmd, kCmdStart | kCmdUpdateClockOnly | kCmdWaitPreviousData);
  return wait_command_taken();
}

// The start bit clears when the controller has taken the command. A command
// written while another is still pending is refused with HLE.
Result<void> DwMmcHost::wait_command_taken() {
  Deadline deadline(clock_, kCommandTakenTimeoutUs);
  while (regs_.read32(kCmd) & kCmdStart) {
    if (regs_.read32(kRintsts) & kIntHardwareLocked) return Error::TimedOut;
    if (deadline.expired()) return Error::TimedOut;
    clock_.pause();
  }
  if (regs_.read32(kRintsts) & kIntHardwareLocked) return Error::TimedOut;
  return {};
}

Result<void> DwMmcHost::set_clock(uint32_t hz) {
  if (hz == 0) {
    regs_.write32(kClkena, 0);
    TRY(update_clock_registers());
    card_hz_ = 0;
    return {};
  }
  uint32_t ciu = ciu_hz_ ? ciu_hz_ : kAssumedCiuHz;
  uint32_t divider = divider_for(ciu, hz);
  if (divider == kNoDivider) return Error::Invalid;
  // The databook's sequence: stop the clock, change the divider while it
  // is stopped, start it again; each step latched by an update command, so
  // the card never sees a shortened or stretched clock pulse.
  regs_.write32(kClkena, 0);
  TRY(update_clock_registers());
  regs_.write32(kClkdiv, divider);
  regs_.write32(kClksrc, 0);
  TRY(update_clock_registers());
  // Low-power mode (bit 16, clock stopped while idle) stays off: a card
  // signalling busy needs the clock running.
  regs_.write32(kClkena, kClkenaCard0);
  TRY(update_clock_registers());
  card_hz_ = divider ? ciu / (2 * divider) : ciu;
  return {};
}

Result<void> DwMmcHost::set_bus_width(uint32_t lines) {
  if (lines == 1) {
    regs_.write32(kCtype, 0);
  } else if (lines == 4) {
    regs_.write32(kCtype, kCtype4Bit);
  } else {
    return Error::Invalid;
  }
  return {};
}

Result<sd::Reply> DwMmcHost::command(const sd::Command& cmd) {
  if (!card_present()) return Error::NoDevice;
  if (cmd.index > kCmdIndexMask) return Error::Invalid;

  uint32_t flags = kCmdStart | kCmdUseHoldRegister | cmd.index;
  switch (cmd.response) {
    case sd::ResponseKind::None: break;
    case sd::ResponseKind::R1:
    case sd::ResponseKind::R1b:
    case sd::ResponseKind::R6:
    case sd::ResponseKind::R7:
      flags |= kCmdResponseExpected | kCmdCheckResponseCrc;
      break;
    case sd::ResponseKind::R2:
      flags |= kCmdResponseExpected | kCmdLongResponse | kCmdCheckResponseCrc;
      break;
    case sd::ResponseKind::R3:
      // The OCR response carries all-ones where the CRC would be.
      flags |= kCmdResponseExpected;
      break;
  }

  if (cmd.data) {
    const sd::Data& data = *cmd.data;
    // Validate everything before the controller is touched.
    if (data.blocks == 0 || data.blocks > kMaxBlocks) return Error::Invalid;
    if (data.block_size == 0 || data.block_size > 0xffff || data.block_size % fifo_width_ != 0)
      return Error::Invalid;
    if (data.segments ? (data.segment_bytes == 0 || data.segment_bytes % data.block_size != 0)
                      : data.buffer == nullptr)
      return Error::Invalid;
    flags |= kCmdDataExpected;
    if (data.write) flags |= kCmdWrite;
    // CMD18/CMD25 run until stopped: the controller sends CMD12 itself
    // after BYTCNT bytes (auto-stop), which ends the transfer at the right
    // block boundary without a race against the card starting the next one.
    if (cmd.index == kReadMultiple || cmd.index == kWriteMultiple) flags |= kCmdAutoStop;
  }

  if (cmd.index == kStopTransmission || cmd.index == kGoIdleState) {
    // May be sent while a data transfer is still running: abort it rather
    // than wait for it.
    flags |= kCmdStopAbort;
  } else if (cmd.index != kSendStatus) {
    // Not while a transfer runs or the card signals busy. CMD13 is exempt:
    // it is how a card layer asks whether the card is still busy.
    flags |= kCmdWaitPreviousData;
  }
  if (send_init_ || cmd.index == kGoIdleState) flags |= kCmdSendInitialization;

  return run_command(cmd, flags);
}

Result<sd::Reply> DwMmcHost::run_command(const sd::Command& cmd, uint32_t flags) {
  bool multi_block = flags & kCmdAutoStop;
  if (cmd.data) {
    // Words left behind by an earlier failed transfer must not be taken for
    // this one's data.
    TRY(reset_bits(kCtrlFifoReset));
    regs_.write32(kBlksiz, cmd.data->block_size);
    regs_.write32(kBytcnt, cmd.data->block_size * cmd.data->blocks);
  }
  regs_.write32(kRintsts, kIntAll);
  regs_.write32(kCmdarg, cmd.argument);
  regs_.write32(kCmd, flags);
  send_init_ = false;
  TRY(wait_command_taken());

  // "Command done" is raised when the command ends either way, also after
  // a response timeout (which is taken as the end too, to be safe).
  Deadline deadline(clock_, kCommandDoneTimeoutUs);
  uint32_t status;
  while (!((status = regs_.read32(kRintsts)) & (kIntCommandDone | kIntResponseTimeout))) {
    if (deadline.expired()) return Error::TimedOut;
    clock_.pause();
  }
  Error error = Error::None;
  if (status & kIntResponseTimeout) {
    error = Error::TimedOut;
  } else if (status & (kIntResponseCrc | kIntResponseError)) {
    error = Error::Io;
  }
  if (error != Error::None) {
    // A garbled response means the card may well have taken a data command:
    // stop it. After a timeout it did not; only make sure the controller's
    // data path is idle and the FIFO empty.
    if (cmd.data) (void)recover_from_data_error(error == Error::Io);
    return error;
  }

  sd::Reply reply;
  if (flags & kCmdLongResponse) {
    // RESP3 holds bits 127..96 of the 136-bit response.
    reply.words[0] = regs_.read32(kResp3);
    reply.words[1] = regs_.read32(kResp2);
    reply.words[2] = regs_.read32(kResp1);
    reply.words[3] = regs_.read32(kResp0);
  } else if (flags & kCmdResponseExpected) {
    reply.words[0] = regs_.read32(kResp0);
  }

  if (cmd.data) TRY(transfer_data(*cmd.data, multi_block));
  if (cmd.response == sd::ResponseKind::R1b) TRY(wait_not_busy(kBusyTimeoutUs));
  return reply;
}

Error DwMmcHost::data_error(uint32_t status) const {
  return (status & kIntDataReadTimeout) ? Error::TimedOut : Error::Io;
}

Result<void> DwMmcHost::transfer_data(const sd::Data& data, bool multi_block) {
  Result<void> moved = data.write ? write_fifo(data) : read_fifo(data);
  if (moved.ok()) moved = wait_data_over(multi_block);
  if (!moved.ok()) {
    // The card may still be sending or waiting for blocks: unless the
    // transfer and its auto-stop both finished, stop it by hand.
    uint32_t status = regs_.read32(kRintsts);
    bool stopped = (status & kIntDataOver) && (!multi_block || (status & kIntAutoCommandDone));
    (void)recover_from_data_error(!stopped);
    return moved.error();
  }
  // A write is on the card once it stops signalling busy (programming).
  if (data.write) TRY(wait_not_busy(kBusyTimeoutUs));
  return {};
}

// One FIFO entry: the FIFO is as wide as the host interface (HCON). The
// JH7110's SD controller is 32 bits wide (Linux on the VisionFive 2 logs
// "Version ID is 290a ... 32 bit host data width, 32 deep fifo"), the case
// that matters. For other widths, since dev::Registers only has 32-bit
// accesses: a 16-bit entry is the low half of a 32-bit read; a 64-bit entry
// is two 32-bit accesses, low half at the data address first, then the high
// half 4 bytes above, which moves the FIFO on (*inf*: Linux uses one 64-bit
// access there; whether the controller accepts two halves is unverified).
// The STATUS count is in entries either way.
uint32_t DwMmcHost::read_fifo_entry(uint8_t* out) {
  uint32_t low = regs_.read32(data_offset_);
  for (uint32_t i = 0; i < 4 && i < fifo_width_; i++) out[i] = static_cast<uint8_t>(low >> (8 * i));
  if (fifo_width_ == 8) {
    uint32_t high = regs_.read32(data_offset_ + 4);
    for (uint32_t i = 0; i < 4; i++) out[4 + i] = static_cast<uint8_t>(high >> (8 * i));
  }
  return fifo_width_;
}

void DwMmcHost::write_fifo_entry(const uint8_t* in) {
  uint32_t low = 0;
  for (uint32_t i = 0; i < 4 && i < fifo_width_; i++) low |= uint32_t{in[i]} << (8 * i);
  regs_.write32(data_offset_, low);
  if (fifo_width_ == 8) {
    uint32_t high = 0;
    for (uint32_t i = 0; i < 4; i++) high |= uint32_t{in[4 + i]} << (8 * i);
    regs_.write32(data_offset_ + 4, high);
  }
}

Result<void> DwMmcHost::read_fifo(const sd::Data& data) {
  uint64_t total = uint64_t{data.block_size} * data.blocks;
  uint64_t done = 0;
  Deadline stall(clock_, kDataStallTimeoutUs);
  while (done < total) {
    // Interrupt status before the FIFO count: if the transfer was over when
    // it was read, everything it brought is already counted below.
    uint32_t status = regs_.read32(kRintsts);
    if (status & kIntDataErrors) return data_error(status);
    uint32_t count = (regs_.read32(kStatus) >> kStatusFifoCountShift) & kStatusFifoCountMask;
    if (count == 0) {
      if (status & kIntDataOver) return Error::Io;  // the transfer ended short
      if (stall.expired()) return Error::TimedOut;
      clock_.pause();
      continue;
    }
    for (; count > 0 && done < total; count--) {
      uint32_t block = static_cast<uint32_t>(done / data.block_size);
      done += read_fifo_entry(data.block(block) + done % data.block_size);
    }
    stall.extend(kDataStallTimeoutUs);
  }
  return {};
}

Result<void> DwMmcHost::write_fifo(const sd::Data& data) {
  uint64_t total = uint64_t{data.block_size} * data.blocks;
  uint64_t done = 0;
  Deadline stall(clock_, kDataStallTimeoutUs);
  while (done < total) {
    uint32_t status = regs_.read32(kRintsts);
    if (status & kIntDataErrors) return data_error(status);
    uint32_t count = (regs_.read32(kStatus) >> kStatusFifoCountShift) & kStatusFifoCountMask;
    uint32_t space = count < fifo_depth_ ? fifo_depth_ - count : 0;
    if (space == 0) {
      if (stall.expired()) return Error::TimedOut;
      clock_.pause();
      continue;
    }
    for (; space > 0 && done < total; space--) {
      uint32_t block = static_cast<uint32_t>(done / data.block_size);
      write_fifo_entry(data.block(block) + done % data.block_size);
      done += fifo_width_;
    }
    stall.extend(kDataStallTimeoutUs);
  }
  return {};
}

// The end of the data phase: "data transfer over", and with auto-stop also
// "auto command done" (the controller's CMD12 got its response).
Result<void> DwMmcHost::wait_data_over(bool auto_stop) {
  uint32_t wanted = kIntDataOver | (auto_stop ? kIntAutoCommandDone : 0);
  Deadline deadline(clock_, kDataStallTimeoutUs);
  for (;;) {
    uint32_t status = regs_.read32(kRintsts);
    if (status & kIntDataErrors) return data_error(status);
    // The command's own response was checked before the data phase, so a
    // response error now is the auto-stop's.
    if (auto_stop && (status & kIntResponseTimeout)) return Error::TimedOut;
    if (auto_stop && (status & (kIntResponseCrc | kIntResponseError))) return Error::Io;
    if ((status & wanted) == wanted) return {};
    if (deadline.expired()) return Error::TimedOut;
    clock_.pause();
  }
}

Result<void> DwMmcHost::wait_not_busy(uint64_t timeout_us) {
  Deadline deadline(clock_, timeout_us);
  while (regs_.read32(kStatus) & kStatusDataBusy) {
    if (deadline.expired()) return Error::TimedOut;
    clock_.pause();
  }
  return {};
}

// After a failed data phase: stop the card if it may still be in a data
// state (CMD12 with the abort bit also stops the controller's data path),
// drop what is left in the FIFO, and if the data state machine still runs,
// reset the controller (which then needs the clock registers again).
// Errors here are not reported: the caller returns the original one.
Result<void> DwMmcHost::recover_from_data_error(bool stop_card) {
  if (stop_card) {
    regs_.write32(kRintsts, kIntAll);
    regs_.write32(kCmdarg, 0);
    regs_.write32(kCmd, kCmdStart | kCmdUseHoldRegister | kCmdStopAbort | kCmdResponseExpected |
                            kCmdCheckResponseCrc | kStopTransmission);
    if (wait_command_taken().ok()) {
      Deadline deadline(clock_, kCommandDoneTimeoutUs);
      uint32_t status;
      while (!((status = regs_.read32(kRintsts)) & kIntCommandDone) && !deadline.expired())
        clock_.pause();
      if ((status & kIntCommandDone) && !(status & kIntResponseTimeout))
        (void)wait_not_busy(kBusyTimeoutUs);
    }
  }
  Result<void> fifo = reset_bits(kCtrlFifoReset);
  if (!fifo.ok() || (regs_.read32(kStatus) & kStatusDataMachineBusy)) {
    TRY(reset_bits(kCtrlAllResets));
    TRY(update_clock_registers());
  }
  regs_.write32(kRintsts, kIntAll);
  return {};
}

namespace {

// JH7110 system clock-and-reset generator (syscrg). Clock n's register is at
// 4 n; bit 31 enables (ungates) it. Clock ids from the JH7110 bindings:
// SDIO0_AHB 91, SDIO1_AHB 92, SDIO0_SDCARD 93, SDIO1_SDCARD 94.
constexpr uint32_t kSyscrgSdioAhbClock0 = 91 * 4;     // 0x16c; + 4 for SDIO1 (0x170)
constexpr uint32_t kSyscrgSdioCardClock0 = 93 * 4;    // 0x174; + 4 for SDIO1 (0x178)
constexpr uint32_t kSyscrgClockEnable = 1u << 31;
// Resets: one bit per reset id in 32-bit assert words from 0x2f8, with
// matching status words from 0x308. SDIO0_AHB is reset 64, SDIO1_AHB 65:
// word 0x300 (status 0x310), bits 0 and 1. A status bit reads 1 once the
// reset is released (the convention of Linux's JH71x0 reset driver for the
// JH7110) (*inf* for the board: not observed).
constexpr uint32_t kSyscrgResetAssert = 0x2f8;
constexpr uint32_t kSyscrgResetStatus = 0x308;
constexpr uint32_t kSyscrgSdioReset0 = 64;
constexpr uint64_t kSyscrgResetTimeoutUs = 10'000;

}  // namespace

Result<void> jh7110_enable_sdio_clocks(Registers& syscrg, Clock& clock, uint32_t instance) {
  if (instance > 1) return Error::Invalid;
  // Clocks first: releasing the reset of a block whose clock is gated may
  // never complete.
  for (uint32_t offset : {kSyscrgSdioAhbClock0 + 4 * instance, kSyscrgSdioCardClock0 + 4 * instance}) {
    uint32_t value = syscrg.read32(offset);
    if (!(value & kSyscrgClockEnable)) syscrg.write32(offset, value | kSyscrgClockEnable);
  }
  uint32_t reset_id = kSyscrgSdioReset0 + instance;
  uint32_t word = 4 * (reset_id / 32);
  uint32_t bit = 1u << (reset_id % 32);
  uint32_t asserted = syscrg.read32(kSyscrgResetAssert + word);
  if (asserted & bit) syscrg.write32(kSyscrgResetAssert + word, asserted & ~bit);
  Deadline deadline(clock, kSyscrgResetTimeoutUs);
  while (!(syscrg.read32(kSyscrgResetStatus + word) & bit)) {
    if (deadline.expired()) return Error::TimedOut;
    clock.pause();
  }
  return {};
}

}  // namespace rivet::dev

#ifndef RIVET_HOST_TEST
// ---- The driver: binding `snps,dw-mshc` nodes ---------------------------------
#include "kernel/dev/sd/card.h"
#include "kernel/dev/sd/disk.h"
#include "kernel/driver/driver.h"
#include "kernel/log/log.h"
#include "kernel/mm/kmalloc.h"

namespace rivet::driver {

namespace {

// The JH7110's SD/MMC controllers get their clocks and reset from the system
// clock-and-reset generator. U-Boot leaves them on for the slot it booted
// from; for the other slot, or a boot from QSPI flash that never touched
// the card, they are turned on here.
void enable_jh7110_clocks(const dt::Device& device) {
  if (!device.is_compatible("starfive,jh7110-mmc") && !device.is_compatible("starfive,jh7110-sdio")) {
    // U-Boot's and the vendor's trees say only snps,dw-mshc; the SoC says
    // the rest.
    const dt::Device* root = &device;
    while (root->parent_device()) root = root->parent_device();
    if (!root->is_compatible("starfive,jh7110")) return;
  }
  uint32_t instance;
  if (device.regs[0].address == 0x16010000)
    instance = 0;
  else if (device.regs[0].address == 0x16020000)
    instance = 1;
  else
    return;
  const dt::DeviceTree& tree = *device.tree;
  for (uint32_t i = 0; i < tree.count(); i++) {
    const dt::Device& crg = tree.device(i);
    if (!crg.is_compatible("starfive,jh7110-syscrg") || crg.reg_count == 0) continue;
    auto regs = map_registers(crg, 0);
    if (!regs) return;
    if (auto r = dev::jh7110_enable_sdio_clocks(*regs.value(), clock(), instance); !r)
      kprintf("rivet: %s: cannot enable its clocks: %s\n", device.name(), error_name(r.error()));
    return;
  }
}

}  // namespace

// cd-gpios (the VisionFive 2 wires card detect to a GPIO, not to the
// controller) is not read: there is no GPIO driver, so a card is assumed
// present and an empty slot shows up as a card that does not answer.
Result<void> probe_dw_mmc(dt::Device& device) {
  enable_jh7110_clocks(device);
  dev::Registers* regs = TRY(map_registers(device, 0));
  uint32_t fifo_depth = 0;
  device.read_u32("fifo-depth", fifo_depth);
  uint32_t max_hz = sd::Card::kDefaultSpeedHz;
  uint32_t tree_hz = 0;
  if (device.read_u32("max-frequency", tree_hz) && tree_hz > 0 && tree_hz < max_hz) max_hz = tree_hz;
  auto* host = TRY(knew<dev::DwMmcHost>(*regs, clock(), 0u, fifo_depth, device.name()));
  if (auto r = host->reset(); !r) {
    kdelete(host);
    return r.error();
  }
  auto r = sd::attach_card(*host, max_hz);
  // An empty slot (the eMMC position without a module) is not an error.
  if (!r && r.error() == Error::TimedOut) return Error::NoDevice;
  return r;
}

}  // namespace rivet::driver
#endif  // RIVET_HOST_TEST

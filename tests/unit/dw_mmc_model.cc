#include "tests/unit/dw_mmc_model.h"

#include <string.h>

namespace rivet::test {
namespace {

// Register offsets and bits, written down here independently of the driver
// so that a wrong constant in one is not hidden by the same one in the other.
enum : uint32_t {
  CTRL = 0x00, PWREN = 0x04, CLKDIV = 0x08, CLKSRC = 0x0c, CLKENA = 0x10, TMOUT = 0x14,
  CTYPE = 0x18, BLKSIZ = 0x1c, BYTCNT = 0x20, INTMASK = 0x24, CMDARG = 0x28, CMD = 0x2c,
  RESP0 = 0x30, RESP1 = 0x34, RESP2 = 0x38, RESP3 = 0x3c, MINTSTS = 0x40, RINTSTS = 0x44,
  STATUS = 0x48, FIFOTH = 0x4c, CDETECT = 0x50, WRTPRT = 0x54, TCBCNT = 0x5c, TBBCNT = 0x60,
  DEBNCE = 0x64, USRID = 0x68, VERID = 0x6c, HCON = 0x70, UHS_REG = 0x74, BMOD = 0x80,
  PLDMND = 0x84, DBADDR = 0x88, IDSTS = 0x8c, IDINTEN = 0x90, DSCADDR = 0x94, BUFADDR = 0x98,
  CARDTHRCTL = 0x100,
};
constexpr uint32_t CTRL_RESET = 1u << 0, CTRL_FIFO_RESET = 1u << 1, CTRL_DMA_RESET = 1u << 2;
constexpr uint32_t CTRL_RESETS = CTRL_RESET | CTRL_FIFO_RESET | CTRL_DMA_RESET;
constexpr uint32_t CTRL_INT_ENABLE = 1u << 4, CTRL_DMA_ENABLE = 1u << 5, CTRL_USE_IDMAC = 1u << 25;
constexpr uint32_t CMD_RESP_EXP = 1u << 6, CMD_RESP_LONG = 1u << 7, CMD_CHECK_CRC = 1u << 8;
constexpr uint32_t CMD_DATA_EXP = 1u << 9, CMD_WRITE = 1u << 10, CMD_AUTO_STOP = 1u << 12;
constexpr uint32_t CMD_WAIT_PRVDATA = 1u << 13, CMD_STOP_ABORT = 1u << 14, CMD_INIT = 1u << 15;
constexpr uint32_t CMD_UPDATE_CLOCK = 1u << 21, CMD_USE_HOLD = 1u << 29, CMD_START = 1u << 31;
constexpr uint32_t INT_CD = 1u << 2, INT_DTO = 1u << 3, INT_TXDR = 1u << 4, INT_RXDR = 1u << 5;
constexpr uint32_t INT_RCRC = 1u << 6, INT_DCRC = 1u << 7, INT_RTO = 1u << 8, INT_DRTO = 1u << 9;
constexpr uint32_t INT_HTO = 1u << 10;
constexpr uint32_t INT_FRUN = 1u << 11, INT_HLE = 1u << 12, INT_ACD = 1u << 14, INT_EBE = 1u << 15;
constexpr uint32_t BMOD_SWR = 1u << 0, BMOD_DE = 1u << 7;
constexpr uint32_t IDSTS_DU = 1u << 4;

constexpr uint32_t kCommandSteps = 3;       // steps from "taken" to "done"
constexpr uint32_t kResetSteps = 3;
constexpr uint32_t kEntriesPerStep = 4;     // how fast the card fills the FIFO
constexpr uint32_t kReadTimeoutSteps = 400; // DRTO after this many steps without data
constexpr uint32_t kHostTimeoutSteps = 5000; // HTO after the FIFO starved the card this long
constexpr uint32_t kBlockGapSteps = 3;      // card busy between written blocks
constexpr uint32_t kProgrammingSteps = 20;  // busy after the last written block
constexpr uint32_t kIdentificationMaxHz = 400'000;
constexpr uint32_t kDefaultSpeedMaxHz = 25'000'000;

// Card status (R1) bits.
constexpr uint32_t R1_OUT_OF_RANGE = 1u << 31, R1_ADDRESS_ERROR = 1u << 30;
constexpr uint32_t R1_ILLEGAL_COMMAND = 1u << 22, R1_READY_FOR_DATA = 1u << 8;
constexpr uint32_t R1_APP_CMD = 1u << 5;

void set_bits(uint32_t words[4], uint32_t high, uint32_t low, uint64_t value) {
  for (uint32_t bit = low; bit <= high; bit++) {
    uint32_t word = 3 - bit / 32;
    uint32_t mask = 1u << (bit % 32);
    bool set = bit - low < 64 && ((value >> (bit - low)) & 1);
    if (set) words[word] |= mask; else words[word] &= ~mask;
  }
}

// CRC7 (x^7 + x^3 + 1) of bits 127..8, placed in bits 7..1 with end bit 0.
void seal_crc7(uint32_t words[4]) {
  uint8_t crc = 0;
  for (int bit = 127; bit >= 8; bit--) {
    uint32_t in = (words[3 - bit / 32] >> (bit % 32)) & 1;
    uint32_t top = (crc >> 6) & 1;
    crc = static_cast<uint8_t>((crc << 1) & 0x7f);
    if (in ^ top) crc ^= 0x09;
  }
  set_bits(words, 7, 1, crc);
  set_bits(words, 0, 0, 1);
}

}  // namespace

DwMmcModel::DwMmcModel(const Config& config, Start start)
    : image(uint64_t{config.card_blocks} * 512), config_(config), verid_(config.verid) {
  for (size_t i = 0; i < image.size(); i++)
    image[i] = static_cast<uint8_t>((i * 131 + i / 512 * 7 + 1) & 0xff);
  // FIFOTH at reset: receive watermark depth - 1, transmit watermark 0.
  fifoth_ = (config_.fifo_depth - 1) << 16;
  if (start == Start::LeftByUBoot) {
    // U-Boot 2025.01 after loading from the card with its IDMAC path.
    ctrl_ = CTRL_USE_IDMAC | CTRL_DMA_ENABLE;
    bmod_ = BMOD_DE | (1u << 1);  // IDMAC on, fixed burst
    idsts_ = 0x103;               // transmit/receive done, normal summary
    pwren_ = 1;
    clkdiv_ = live_clkdiv_ = 1;   // ciu / 2
    clkena_ = live_clkena_ = 0x1'0001;  // enabled, low-power (stops when idle)
    clock_configured_ = true;
    ctype_ = 1;
    tmout_ = 0xffff'ffff;
    fifoth_ = (2u << 28) | ((config_.fifo_depth / 2 - 1) << 16) | (config_.fifo_depth / 2);
    rintsts_ = INT_CD | INT_DTO | INT_TXDR;
    // Words a DMA transfer left behind: read as data, they would shift it.
    for (uint64_t stale = 0; stale < 5; stale++) fifo_.push_back(0x5757'0000 + stale);
    state_ = CardState::Tran;
    card_needs_init_clocks_ = false;
    card_ready_ = true;
    card_ccs_ = config_.high_capacity;
    card_bus_4bit_ = true;
    rca_ = 0xaaaa;
  }
}

uint32_t DwMmcModel::card_clock_hz() const {
  if (!clock_running()) return 0;
  uint32_t divider = (live_clkdiv_ >> (8 * (live_clksrc_ & 3))) & 0xff;
  return divider ? config_.ciu_hz / (2 * divider) : config_.ciu_hz;
}

bool DwMmcModel::clock_running() const { return clock_configured_ && (live_clkena_ & 1); }

bool DwMmcModel::card_busy() const {
  return busy_forever_ || busy_steps_ > 0 || (transfer_.active && transfer_.gap_steps > 0);
}

bool DwMmcModel::dma_owns_fifo() const {
  return (ctrl_ & (CTRL_USE_IDMAC | CTRL_DMA_ENABLE)) || (bmod_ & BMOD_DE);
}

void DwMmcModel::power_cycle_card() {
  state_ = CardState::Idle;
  card_needs_init_clocks_ = true;
  app_command_ = false;
  card_bus_4bit_ = false;
  card_ready_ = false;
  acmd41_rounds_ = 0;
  rca_ = 0;
  busy_steps_ = 0;
  busy_forever_ = false;
}

// ---------------------------------------------------------------- registers

uint32_t DwMmcModel::read32(uint32_t offset) {
  step();
  uint32_t base = data_base();
  if (offset >= base && offset < base + 0x100) {
    uint32_t value = 0;
    fifo_read_access(offset, value);
    return value;
  }
  switch (offset) {
    case CTRL: return ctrl_;
    case PWREN: return pwren_;
    case CLKDIV: return clkdiv_;
    case CLKSRC: return clksrc_;
    case CLKENA: return clkena_;
    case TMOUT: return tmout_;
    case CTYPE: return ctype_;
    case BLKSIZ: return blksiz_;
    case BYTCNT: return bytcnt_;
    case INTMASK: return intmask_;
    case CMDARG: return cmdarg_;
    case CMD: return cmd_;
    case RESP0: return resp_[0];
    case RESP1: return resp_[1];
    case RESP2: return resp_[2];
    case RESP3: return resp_[3];
    case MINTSTS: return (ctrl_ & CTRL_INT_ENABLE) ? rintsts_ & intmask_ : 0;
    case RINTSTS: return rintsts_;
    case STATUS: return status_register();
    case FIFOTH: return fifoth_;
    case CDETECT: return config_.card_inserted ? 0 : 1;
    case WRTPRT: return 0;
    case TCBCNT: return transfer_.blocks_done * transfer_.block_size;
    case TBBCNT: return 0;
    case DEBNCE: return debnce_;
    case USRID: return usrid_;
    case VERID: return verid_;
    case HCON: {
      uint32_t width = config_.fifo_width_bytes == 2 ? 0 : config_.fifo_width_bytes == 4 ? 1 : 2;
      return (width << 7) | 1;  // one card, SD/MMC
    }
    case UHS_REG: return uhs_;
    case BMOD: return bmod_;
    case PLDMND: return 0;
    case DBADDR: return dbaddr_;
    case IDSTS: return idsts_;
    case IDINTEN: return idinten_;
    case DSCADDR: case BUFADDR: return 0;
    case CARDTHRCTL: return cardthrctl_;
  }
  stats.unknown_registers++;
  return 0;
}

void DwMmcModel::write32(uint32_t offset, uint32_t value) {
  step();
  uint32_t base = data_base();
  if (offset >= base && offset < base + 0x100) {
    fifo_write_access(offset, value);
    return;
  }
  switch (offset) {
    case CTRL: {
      uint32_t resets = value & CTRL_RESETS;
      ctrl_ = value;
      if (resets & CTRL_RESET) {
        // Aborts whatever command or transfer runs; the clock unit loses
        // the clock registers until the next update command.
        command_pending_ = false;
        cmd_ &= ~CMD_START;
        transfer_ = Transfer();
        clock_configured_ = false;
      }
      if (resets & (CTRL_RESET | CTRL_FIFO_RESET)) fifo_.clear();
      if (resets) reset_steps_ = kResetSteps;
      return;
    }
    case PWREN: {
      bool was_on = pwren_ & 1;
      pwren_ = value & 1;
      if (!was_on && (pwren_ & 1)) power_cycle_card();
      return;
    }
    case CLKDIV: clkdiv_ = value; return;
    case CLKSRC: clksrc_ = value; return;
    case CLKENA: clkena_ = value; return;
    case TMOUT: tmout_ = value; return;
    case CTYPE: ctype_ = value; return;
    case BLKSIZ: blksiz_ = value & 0xffff; return;
    case BYTCNT: bytcnt_ = value; return;
    case INTMASK: intmask_ = value; return;
    case CMDARG: cmdarg_ = value; return;
    case CMD:
      if (!(value & CMD_START)) {
        cmd_ = value;
        return;
      }
      if (command_pending_) {
        // The previous command has not been taken yet: refused.
        rintsts_ |= INT_HLE;
        stats.hardware_locked++;
        return;
      }
      cmd_ = value;
      command_pending_ = true;
      command_steps_ = kCommandSteps;
      counted_no_clock_ = false;
      return;
    case RINTSTS: rintsts_ &= ~value; return;
    case FIFOTH: fifoth_ = value; return;
    case DEBNCE: debnce_ = value; return;
    case USRID: usrid_ = value; return;
    case UHS_REG: uhs_ = value; return;
    case BMOD:
      bmod_ = value & ~BMOD_SWR;
      if (value & BMOD_SWR) {
        bmod_ |= BMOD_SWR;
        bmod_reset_pending_ = true;
      }
      return;
    case PLDMND: return;
    case DBADDR: dbaddr_ = value; return;
    case IDSTS: idsts_ &= ~value; return;
    case IDINTEN: idinten_ = value; return;
    case CARDTHRCTL: cardthrctl_ = value; return;
    case MINTSTS: case STATUS: case VERID: case HCON: case CDETECT: case WRTPRT:
    case RESP0: case RESP1: case RESP2: case RESP3: case TCBCNT: case TBBCNT:
      return;  // read-only
  }
  stats.unknown_registers++;
}

uint32_t DwMmcModel::status_register() const {
  uint32_t count = static_cast<uint32_t>(fifo_.size());
  uint32_t rx_watermark = (fifoth_ >> 16) & 0xfff;
  uint32_t tx_watermark = fifoth_ & 0xfff;
  uint32_t status = 0;
  if (count > rx_watermark) status |= 1u << 0;
  if (count <= tx_watermark) status |= 1u << 1;
  if (count == 0) status |= 1u << 2;
  if (count >= config_.fifo_depth) status |= 1u << 3;
  if (command_pending_) status |= 1u << 4;  // command FSM not idle
  if (config_.card_inserted) status |= 1u << 8;  // DAT3 high
  if (card_busy()) status |= 1u << 9;
  if (transfer_.active) status |= 1u << 10;
  status |= (response_index_ & 0x3f) << 11;
  status |= (count & 0x1fff) << 17;
  return status;
}

void DwMmcModel::fifo_read_access(uint32_t offset, uint32_t& value) {
  bool high_half = config_.fifo_width_bytes == 8 && (offset & 4);
  if (fifo_.empty()) {
    rintsts_ |= INT_FRUN;
    stats.fifo_overruns++;
    return;
  }
  uint64_t entry = fifo_.front();
  if (config_.fifo_width_bytes == 8) {
    value = high_half ? static_cast<uint32_t>(entry >> 32) : static_cast<uint32_t>(entry);
    if (high_half) fifo_.pop_front();
  } else {
    value = static_cast<uint32_t>(entry);
    fifo_.pop_front();
  }
}

void DwMmcModel::fifo_write_access(uint32_t offset, uint32_t value) {
  uint64_t entry;
  if (config_.fifo_width_bytes == 8) {
    if (!(offset & 4)) {
      staged_low_ = value;
      return;
    }
    entry = staged_low_ | (uint64_t{value} << 32);
  } else if (config_.fifo_width_bytes == 2) {
    entry = value & 0xffff;
  } else {
    entry = value;
  }
  if (fifo_.size() >= config_.fifo_depth) {
    rintsts_ |= INT_FRUN;
    stats.fifo_overruns++;
    return;
  }
  fifo_.push_back(entry);
}

// -------------------------------------------------------------------- time

void DwMmcModel::step() {
  if (reset_steps_ > 0 && --reset_steps_ == 0) ctrl_ &= ~CTRL_RESETS;
  if (bmod_reset_pending_) {
    bmod_reset_pending_ = false;
    bmod_ &= ~BMOD_SWR;
  }
  if (busy_steps_ > 0 && --busy_steps_ == 0 && state_ == CardState::Prg) state_ = CardState::Tran;
  advance_command();
  advance_data();
  if (transfer_.active && !transfer_.dma_owned) {
    uint32_t count = static_cast<uint32_t>(fifo_.size());
    if (!transfer_.write && count > ((fifoth_ >> 16) & 0xfff)) rintsts_ |= INT_RXDR;
    if (transfer_.write && count <= (fifoth_ & 0xfff)) rintsts_ |= INT_TXDR;
  }
}

void DwMmcModel::advance_command() {
  if (!command_pending_ || (ctrl_ & CTRL_RESETS)) return;
  if ((cmd_ & CMD_WAIT_PRVDATA) && (transfer_.active || card_busy())) return;
  if (!(cmd_ & CMD_UPDATE_CLOCK) && (!(pwren_ & 1) || !clock_running())) {
    // Nothing can be sent without a card clock: the command stays pending.
    if (!counted_no_clock_) stats.commands_without_clock++;
    counted_no_clock_ = true;
    return;
  }
  if (--command_steps_ > 0) return;
  command_pending_ = false;
  cmd_ &= ~CMD_START;
  if (cmd_ & CMD_UPDATE_CLOCK) {
    bool running = clock_running();
    uint32_t new_div = clkdiv_, new_src = clksrc_, new_ena = clkena_;
    if (running && (new_ena & 1) && (new_div != live_clkdiv_ || new_src != live_clksrc_))
      stats.glitchy_clock_updates++;
    live_clkdiv_ = new_div;
    live_clksrc_ = new_src;
    live_clkena_ = new_ena;
    clock_configured_ = true;
    stats.clock_updates++;
    return;  // no "command done" for clock updates
  }
  execute_card_command();
}

void DwMmcModel::execute_card_command() {
  uint32_t index = cmd_ & 0x3f;
  uint32_t hz = card_clock_hz();
  if (hz > stats.max_card_clock_hz) stats.max_card_clock_hz = hz;
  if (!(cmd_ & CMD_USE_HOLD)) stats.commands_without_hold++;
  bool identifying = state_ == CardState::Idle || state_ == CardState::Ready ||
                     state_ == CardState::Ident;
  if (identifying && hz > kIdentificationMaxHz) stats.fast_identification++;
  if (hz > kDefaultSpeedMaxHz) stats.overclocked++;
  for (uint32_t& r : resp_) r = 0xdead'beef;  // nothing valid until the response is in

  // A stop/abort command ends the controller's side of a running transfer.
  if ((cmd_ & CMD_STOP_ABORT) && transfer_.active) {
    transfer_ = Transfer();
    rintsts_ |= INT_DTO;
  }

  Response response;
  bool app = app_command_;
  app_command_ = false;
  bool heard = config_.card_inserted && !card_dead_;
  if (heard && card_needs_init_clocks_) {
    if (cmd_ & CMD_INIT) card_needs_init_clocks_ = false; else heard = false;
  }
  CardState before = state_;
  if (heard) {
    stats.commands.push_back(index | (app ? kAppCommand : 0));
    response = card_command(index, cmdarg_, app);
  }

  if (cmd_ & CMD_RESP_EXP) {
    if (!response.present) {
      // No response: the controller does not start the data path either.
      rintsts_ |= INT_RTO | INT_CD;
      return;
    } else {
      bool wrong_length = response.long_response != bool(cmd_ & CMD_RESP_LONG);
      bool bad_crc = (response.no_crc && (cmd_ & CMD_CHECK_CRC)) ||
                     int(index) == faults.response_crc_on_command;
      if (wrong_length || bad_crc) rintsts_ |= INT_RCRC;
      if (cmd_ & CMD_RESP_LONG) {
        // RESP3 holds bits 127..96.
        for (int i = 0; i < 4; i++) resp_[3 - i] = response.words[i];
      } else {
        resp_[0] = response.words[0];
      }
      response_index_ = index;
      rintsts_ |= INT_CD;
    }
  } else {
    rintsts_ |= INT_CD;
  }

  if (!(cmd_ & CMD_DATA_EXP)) return;
  Transfer t;
  t.active = true;
  t.write = cmd_ & CMD_WRITE;
  t.auto_stop = cmd_ & CMD_AUTO_STOP;
  t.block_size = blksiz_;
  t.blocks = blksiz_ ? bytcnt_ / blksiz_ : 0;
  t.dma_owned = dma_owns_fifo();
  if (t.dma_owned) {
    stats.dma_mode_data_commands++;
    idsts_ |= IDSTS_DU;  // no descriptor owned by the DMAC
  }
  // Where the card's data comes from, if the card took the command.
  bool card_took = state_ == CardState::Data || state_ == CardState::Rcv;
  if (card_took && before != state_) {
    t.source = (app && index == 51) ? Source::Scr : Source::Memory;
    t.card_single = t.source == Source::Scr || index == 17 || index == 24;
    // SDSC cards transfer CMD16's block length; only 512 is modelled, so
    // any other length shows as a block of the wrong size (CRC error).
    t.card_block_size = t.source == Source::Scr ? 8 : card_ccs_ ? 512 : block_length_;
    uint64_t lba = 0;
    address_ok(cmdarg_, &lba);
    t.next_lba = lba;
  } else {
    t.card_block_size = 0;  // the card sends nothing and accepts nothing
  }
  transfer_ = t;
}

bool DwMmcModel::address_ok(uint32_t argument, uint64_t* lba) {
  uint64_t block;
  if (card_ccs_) {
    block = argument;
  } else {
    if (argument % 512) return false;
    block = argument / 512;
  }
  *lba = block;
  return block < config_.card_blocks;
}

uint32_t DwMmcModel::card_status(bool app) {
  uint32_t status = pending_status_errors_ | (uint32_t(state_) << 9);
  // CardState's order is the SD spec's CURRENT_STATE numbering.
  if (state_ == CardState::Tran || state_ == CardState::Rcv) status |= R1_READY_FOR_DATA;
  if (app) status |= R1_APP_CMD;
  pending_status_errors_ = 0;
  return status;
}

DwMmcModel::Response DwMmcModel::card_command(uint32_t index, uint32_t argument, bool app) {
  Response r;
  auto r1 = [&](bool app_bit) {
    r.present = true;
    r.words[0] = card_status(app_bit);
  };
  auto illegal = [&] { pending_status_errors_ |= R1_ILLEGAL_COMMAND; };
  bool addressed = (argument >> 16) == rca_;

  if (app) {
    switch (index) {
      case 6:  // SET_BUS_WIDTH
        if (state_ != CardState::Tran) break;
        r1(true);
        card_bus_4bit_ = (argument & 3) == 2;
        return r;
      case 41:  // SD_SEND_OP_COND
        if (state_ != CardState::Idle) break;
        r.present = true;
        r.no_crc = true;
        if (argument & 0x00ff'ffff) {
          if (++acmd41_rounds_ > config_.acmd41_busy_rounds &&
              (!config_.high_capacity || (argument & (1u << 30)))) {
            card_ready_ = true;
            card_ccs_ = config_.high_capacity;
            state_ = CardState::Ready;
          }
        }
        r.words[0] = 0x00ff'8000 | (card_ready_ ? 0x8000'0000u : 0) |
                     (card_ready_ && card_ccs_ ? 1u << 30 : 0);
        return r;
      case 51:  // SEND_SCR: one 8-byte block
        if (state_ != CardState::Tran) break;
        r1(true);
        state_ = CardState::Data;
        return r;
      default:
        break;  // not an application command: handled as the normal one below
    }
    if (index == 6 || index == 41 || index == 51) {
      illegal();
      return r;
    }
  }

  switch (index) {
    case 0:
      power_cycle_card();
      block_length_ = 512;
      card_needs_init_clocks_ = false;
      return r;
    case 2:  // ALL_SEND_CID
      if (state_ != CardState::Ready) break;
      r.present = true;
      r.long_response = true;
      set_bits(r.words, 127, 120, 0x03);        // manufacturer
      set_bits(r.words, 119, 104, 0x5244);      // "RD"
      set_bits(r.words, 103, 64, 0x5249);       // product name (low part)
      set_bits(r.words, 55, 24, 0x1234'5678);   // serial
      seal_crc7(r.words);
      state_ = CardState::Ident;
      return r;
    case 3:  // SEND_RELATIVE_ADDR
      if (state_ != CardState::Ident && state_ != CardState::Stby) break;
      rca_ = 0xb368;
      {
        uint32_t status = card_status(false);
        r.present = true;
        r.words[0] = (rca_ << 16) | ((status >> 8) & 0xc000) | ((status >> 6) & 0x2000) |
                     (status & 0x1fff);
      }
      state_ = CardState::Stby;
      return r;
    case 7:  // SELECT/DESELECT_CARD
      if (addressed && state_ == CardState::Stby) {
        r1(false);
        state_ = CardState::Tran;
        return r;
      }
      if (!addressed && (state_ == CardState::Tran || state_ == CardState::Data)) {
        state_ = CardState::Stby;
        return r;  // deselect: no response
      }
      break;
    case 8:  // SEND_IF_COND
      if (state_ != CardState::Idle) break;
      if (((argument >> 8) & 0xf) != 1) return r;  // voltage not supported: silent
      r.present = true;
      r.words[0] = argument & 0xfff;
      return r;
    case 9:  // SEND_CSD
      if (state_ != CardState::Stby || !addressed) break;
      r.present = true;
      r.long_response = true;
      if (config_.high_capacity) {
        set_bits(r.words, 127, 126, 1);
        set_bits(r.words, 119, 112, 0x0e);
        set_bits(r.words, 103, 96, 0x32);
        set_bits(r.words, 95, 84, 0x5b5);
        set_bits(r.words, 83, 80, 9);
        set_bits(r.words, 69, 48, config_.card_blocks / 1024 - 1);
      } else {
        // capacity = (C_SIZE + 1) * 2^(C_SIZE_MULT + 2) blocks of 512 bytes
        set_bits(r.words, 127, 126, 0);
        set_bits(r.words, 103, 96, 0x32);
        set_bits(r.words, 95, 84, 0x5b5);
        set_bits(r.words, 83, 80, 9);
        set_bits(r.words, 73, 62, config_.card_blocks / 512 - 1);
        set_bits(r.words, 49, 47, 7);
      }
      set_bits(r.words, 25, 22, 9);
      seal_crc7(r.words);
      return r;
    case 12:  // STOP_TRANSMISSION
      if (state_ == CardState::Data) {
        r1(false);
        state_ = CardState::Tran;
        return r;
      }
      if (state_ == CardState::Rcv) {
        r1(false);
        state_ = CardState::Prg;
        busy_steps_ = kProgrammingSteps;
        busy_forever_ = faults.write_busy_forever;
        return r;
      }
      break;
    case 13:  // SEND_STATUS
      if (!addressed || state_ == CardState::Idle || state_ == CardState::Ready ||
          state_ == CardState::Ident)
        break;
      r1(false);
      return r;
    case 16:  // SET_BLOCKLEN
      if (state_ != CardState::Tran) break;
      r1(false);
      if (!card_ccs_) block_length_ = argument;
      return r;
    case 17: case 18: case 24: case 25: {
      if (state_ != CardState::Tran) break;
      uint64_t lba;
      if (!address_ok(argument, &lba)) {
        pending_status_errors_ |= card_ccs_ || argument % 512 == 0 ? R1_OUT_OF_RANGE
                                                                   : R1_ADDRESS_ERROR;
        r1(false);
        return r;  // stays in tran: no data
      }
      r1(false);
      state_ = (index == 17 || index == 18) ? CardState::Data : CardState::Rcv;
      return r;
    }
    case 55:  // APP_CMD
      if (state_ == CardState::Idle || addressed) {
        if (state_ == CardState::Ready || state_ == CardState::Ident) break;
        app_command_ = true;
        r1(true);
        return r;
      }
      break;
    default:
      break;
  }
  illegal();
  return r;  // not valid here: no response
}

// ------------------------------------------------------------------- data

void DwMmcModel::finish_transfer(bool ok_end) {
  if (ok_end) rintsts_ |= INT_DTO;
  bool auto_stop_now = ok_end && transfer_.auto_stop;
  transfer_.active = false;
  if (auto_stop_now) auto_stop();
}

// The controller sends CMD12 itself after the last block; its response goes
// to RESP1 and raises "auto command done".
void DwMmcModel::auto_stop() {
  stats.auto_stops++;
  if (!config_.card_inserted || card_dead_) {
    rintsts_ |= INT_RTO;
    return;
  }
  stats.commands.push_back(12);
  Response r = card_command(12, 0, false);
  if (!r.present) {
    rintsts_ |= INT_RTO;
    return;
  }
  resp_[1] = r.words[0];
  rintsts_ |= INT_ACD;
}

void DwMmcModel::advance_data() {
  Transfer& t = transfer_;
  if (!t.active || t.dma_owned || !clock_running()) return;
  bool card_gone = !config_.card_inserted || card_dead_ || t.card_block_size == 0 ||
                   state_ != (t.write ? CardState::Rcv : CardState::Data);
  bool width_ok = ((ctype_ & 1) != 0) == card_bus_4bit_;
  uint32_t entry_bytes = config_.fifo_width_bytes;

  if (t.write) {
    if (t.gap_steps > 0) {
      t.gap_steps--;
      return;
    }
    // The controller sends what the FIFO holds (the card clock stops while
    // it is empty); the card answers each whole block with a CRC status.
    for (uint32_t n = 0; n < kEntriesPerStep && !fifo_.empty() && t.block.size() < t.block_size;
         n++) {
      uint64_t entry = fifo_.front();
      fifo_.pop_front();
      for (uint32_t b = 0; b < entry_bytes; b++) t.block.push_back(static_cast<uint8_t>(entry >> (8 * b)));
    }
    if (t.block.size() < t.block_size) {
      // The card clock stops while the FIFO is empty; if the host does not
      // feed it for the data timeout: data starvation by host timeout.
      if (fifo_.empty() && ++t.stall_steps >= kHostTimeoutSteps) {
        rintsts_ |= INT_HTO;
        t.active = false;
      }
      return;
    }
    t.stall_steps = 0;
    std::vector<uint8_t> block;
    block.swap(t.block);
    if (card_gone) {
      rintsts_ |= INT_EBE;  // no CRC status from the card
      t.active = false;
      return;
    }
    if (!width_ok || t.block_size != t.card_block_size) {
      rintsts_ |= INT_DCRC;  // the card answers with a negative CRC status
      t.active = false;
      if (t.card_single) state_ = CardState::Tran;
      return;
    }
    memcpy(&image[t.next_lba * 512], block.data(), 512);
    t.next_lba++;
    t.blocks_done++;
    if (faults.card_dies_after_blocks > 0 && --faults.card_dies_after_blocks == 0) card_dead_ = true;
    if (t.card_single) {
      state_ = CardState::Prg;
      busy_steps_ = kProgrammingSteps;
      busy_forever_ = faults.write_busy_forever;
      t.card_block_size = 0;  // takes no further block
    }
    if (t.blocks_done == t.blocks) {
      finish_transfer(true);
      return;
    }
    if (t.next_lba >= config_.card_blocks) {
      rintsts_ |= INT_DCRC;
      t.active = false;
      return;
    }
    t.gap_steps = kBlockGapSteps;
    return;
  }

  // Read: the card sends a block, the controller moves it into the FIFO as
  // room allows (the card clock stops while the FIFO is full).
  if (t.block.empty()) {
    if (card_gone) {
      if (++t.stall_steps >= kReadTimeoutSteps) {
        rintsts_ |= INT_DRTO;
        t.active = false;
      }
      return;
    }
    if (t.source == Source::Scr) {
      t.block.assign(kScr, kScr + 8);
    } else {
      if (t.next_lba >= config_.card_blocks) {
        t.card_block_size = 0;  // past the end: the card stops sending
        return;
      }
      t.block.assign(image.begin() + t.next_lba * 512, image.begin() + (t.next_lba + 1) * 512);
    }
    t.pushed = 0;
  }
  if (fifo_.size() >= config_.fifo_depth) {
    // Full: the card clock stops until the host reads; too long is HTO.
    if (++t.stall_steps >= kHostTimeoutSteps) {
      rintsts_ |= INT_HTO;
      t.active = false;
    }
    return;
  }
  t.stall_steps = 0;
  for (uint32_t n = 0; n < kEntriesPerStep && fifo_.size() < config_.fifo_depth; n++) {
    uint64_t entry = 0;
    for (uint32_t b = 0; b < entry_bytes; b++) {
      uint32_t at = t.pushed + b;
      uint8_t byte = at < t.block.size() ? t.block[at] : 0;
      entry |= uint64_t{byte} << (8 * b);
    }
    fifo_.push_back(entry);
    t.pushed += entry_bytes;
    if (t.pushed < t.block_size) continue;
    // A whole block (as the controller counts it) is in.
    bool crc_fault = t.source == Source::Memory &&
                     int64_t(t.next_lba) == faults.data_crc_on_read_lba;
    bool bad = !width_ok || crc_fault || t.block_size != t.card_block_size;
    t.block.clear();
    t.next_lba++;
    t.blocks_done++;
    if (faults.card_dies_after_blocks > 0 && --faults.card_dies_after_blocks == 0) card_dead_ = true;
    bool card_done = t.card_single;
    if (card_done) state_ = CardState::Tran;
    if (bad) {
      rintsts_ |= INT_DCRC | INT_DTO;
      t.active = false;
      return;
    }
    if (t.blocks_done == t.blocks) {
      finish_transfer(true);
      return;
    }
    if (card_done) {
      t.card_block_size = 0;  // the card sent all it will; the controller waits on
      return;
    }
    return;
  }
}

}  // namespace rivet::test

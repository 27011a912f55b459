// A register-level model of the Synopsys DesignWare Mobile Storage Host
// ("snps,dw-mshc", as on the JH7110) with an SD card behind it, for host
// tests of kernel/dev/dw_mmc.cc. QEMU has no model of this controller, so
// this is the only place the driver runs before the board: it is strict on
// purpose and refuses what the hardware would refuse.
//
// Time is the number of register accesses: every read32/write32 first
// advances the model by one step (a command completes a few steps after it
// is taken, the card fills the FIFO a few entries per step, busy lasts a
// number of steps). A driver therefore has to poll for everything, as on
// the hardware.
//
// What it enforces (each a way a driver can be wrong on the board):
//  - CMD start bit handshake: a command written while one is pending is
//    refused with HLE (RINTSTS bit 12).
//  - Card clock: CLKDIV/CLKSRC/CLKENA reach the card only through an
//    update-clock-only command (CMD bits 31|21); after a controller reset
//    the clock unit has to be told again. A card command issued while the
//    card clock is off or the card unpowered (PWREN) never leaves: its
//    start bit stays set. Changing the divider while the clock runs counts
//    as a glitch.
//  - Internal DMA: with CTRL bit 25 (use IDMAC), CTRL bit 5 (DMA enable) or
//    BMOD bit 7 (IDMAC enable) set, a data command's data never passes
//    through the FIFO (the DMAC owns it; with no descriptors it stalls).
//  - The FIFO has HCON's width (16/32/64 bits) and the configured depth;
//    STATUS counts entries; reading it empty or writing it full raises FRUN.
//    A 64-bit entry is accessed as two 32-bit halves: low half at the data
//    address, high half at +4, the high-half access moves the FIFO on
//    (*inf*: on real hardware with a 64-bit host interface Linux uses one
//    64-bit access; whether two 32-bit accesses work there is unverified).
//  - Host starvation: the FIFO full during a read or empty during a write
//    for too long ends the transfer with HTO (RINTSTS bit 10).
//  - The first command after the card is powered must carry the
//    initialisation clocks (CMD bit 15), else the card does not answer.
//  - CTYPE must match the card's bus width (ACMD6), else data CRC errors.
//  - Responses: R3 has no valid CRC (checking it gives RCRC); asking for a
//    long response to a short one or vice versa gives RCRC.
//  - The card follows the SD state machine (idle, ready, ident, stby, tran,
//    data, rcv, prg, dis): a command not valid in the current state gets no
//    response (RTO). SDHC cards take block addresses, SDSC byte addresses.
//  - Identification above 400 kHz and data above 25 MHz are counted.
//
// Bit positions are those of Linux's dw_mmc.h and U-Boot's dwmmc.h. The
// defaults match the VisionFive 2's SD controller as Linux reports it
// (version 2.90a, 32-bit host data width, 32-entry FIFO). Reset values
// (TMOUT 0xffffff40, FIFOTH RX watermark depth - 1) and U-Boot's leftover
// register values (CLKDIV 1, FIFOTH burst 2 / depth/2 - 1 / depth/2, stale
// RINTSTS and IDSTS bits) are plausible, not read from a board (*inf*);
// that a controller reset makes the clock unit forget the clock registers
// follows Linux's dw_mci_reset(), which sends an update-clock command after
// one.
#pragma once

#include <stdint.h>

#include <deque>
#include <vector>

#include "kernel/dev/registers.h"

namespace rivet::test {

class DwMmcModel final : public dev::Registers {
 public:
  enum class Start {
    PowerOn,      // reset values, clocks off, card idle and never clocked
    LeftByUBoot,  // IDMAC selected, 4-bit, card selected in transfer state
  };
  struct Config {
    uint32_t fifo_depth = 32;         // entries
    uint32_t fifo_width_bytes = 4;    // 2, 4 or 8 (HCON[9:7] = 0, 1, 2)
    uint32_t verid = 0x5342'290a;     // >= 2.40a: data FIFO at 0x200
    uint32_t ciu_hz = 50'000'000;     // card-input clock
    uint32_t card_blocks = 4096;      // card size in 512-byte blocks
    bool high_capacity = true;        // SDHC (block addresses) or SDSC (byte addresses)
    bool card_inserted = true;
    uint32_t acmd41_busy_rounds = 2;  // ACMD41 answers "still busy" this often
  };
  struct Faults {
    int64_t data_crc_on_read_lba = -1;     // reading this block gives a data CRC error
    int response_crc_on_command = -1;      // this command's response has a bad CRC
    int64_t card_dies_after_blocks = -1;   // after this many more blocks the card goes silent
    bool write_busy_forever = false;       // the card never leaves programming
  };
  // What the driver made the model do; tests assert on these.
  struct Stats {
    uint32_t clock_updates = 0;
    uint32_t glitchy_clock_updates = 0;   // divider/source changed while the clock ran
    uint32_t hardware_locked = 0;         // HLE raised
    uint32_t commands_without_clock = 0;  // issued with the card clock off / card unpowered
    uint32_t commands_without_hold = 0;   // CMD bit 29 missing
    uint32_t dma_mode_data_commands = 0;  // data commands while the DMAC owns the FIFO
    uint32_t fast_identification = 0;     // commands to an identifying card above 400 kHz
    uint32_t overclocked = 0;             // card clock above 25 MHz while in use
    uint32_t fifo_overruns = 0;           // FIFO read empty / written full
    uint32_t unknown_registers = 0;       // accesses to offsets the model does not know
    uint32_t auto_stops = 0;
    uint32_t max_card_clock_hz = 0;       // fastest clock a card command ran at
    std::vector<uint32_t> commands;       // card commands: index, | kAppCommand for ACMDs
  };
  static constexpr uint32_t kAppCommand = 0x100;

  DwMmcModel(const Config& config, Start start);

  uint32_t read32(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;

  Faults faults;
  Stats stats;
  std::vector<uint8_t> image;  // the card's contents

  uint32_t card_clock_hz() const;  // what the card is clocked at now (0 = stopped)
  uint32_t card_rca() const { return rca_; }
  bool card_in_transfer_state() const { return state_ == CardState::Tran; }
  bool card_bus_4bit() const { return card_bus_4bit_; }
  // The 8-byte SCR the card returns for ACMD51.
  static constexpr uint8_t kScr[8] = {0x02, 0x35, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00};

 private:
  enum class CardState { Idle, Ready, Ident, Stby, Tran, Data, Rcv, Prg, Dis };
  enum class Source { Memory, Scr };
  struct Response {
    bool present = false;
    bool long_response = false;
    bool no_crc = false;  // R3
    uint32_t words[4] = {};  // short: words[0]; long: words[0] = bits 127..96
  };
  struct Transfer {
    bool active = false;
    bool write = false;
    bool auto_stop = false;
    bool dma_owned = false;
    Source source = Source::Memory;
    uint32_t block_size = 0;
    uint32_t blocks = 0;
    uint32_t blocks_done = 0;
    uint64_t next_lba = 0;
    uint32_t card_block_size = 512;  // 0: the card sends/accepts nothing (more)
    bool card_single = false;        // CMD17/CMD24/ACMD51: the card stops after one block
    std::vector<uint8_t> block;  // a read block being pushed into the FIFO
    uint32_t pushed = 0;         // bytes of `block` already in the FIFO
    uint32_t stall_steps = 0;
    uint32_t gap_steps = 0;      // card busy between written blocks
  };

  void step();
  void advance_command();
  void advance_data();
  void execute_card_command();
  Response card_command(uint32_t index, uint32_t argument, bool app);
  uint32_t card_status(bool app);
  void finish_transfer(bool ok_end);
  void auto_stop();
  void stop_card_transfer();
  bool clock_running() const;
  bool card_busy() const;
  bool dma_owns_fifo() const;
  uint32_t status_register() const;
  uint32_t data_base() const { return (verid_ & 0xffff) >= 0x240a ? 0x200u : 0x100u; }
  void fifo_read_access(uint32_t offset, uint32_t& value);
  void fifo_write_access(uint32_t offset, uint32_t value);
  bool address_ok(uint32_t argument, uint64_t* lba);
  void power_cycle_card();

  Config config_;
  uint32_t verid_;
  // Registers.
  uint32_t ctrl_ = 0, pwren_ = 0, clkdiv_ = 0, clksrc_ = 0, clkena_ = 0;
  uint32_t tmout_ = 0xffff'ff40, ctype_ = 0, blksiz_ = 0x200, bytcnt_ = 0x200, intmask_ = 0;
  uint32_t cmdarg_ = 0, cmd_ = 0, resp_[4] = {}, rintsts_ = 0, fifoth_ = 0;
  uint32_t debnce_ = 0x00ff'ffff, uhs_ = 0, bmod_ = 0, idsts_ = 0, idinten_ = 0;
  uint32_t dbaddr_ = 0, cardthrctl_ = 0, usrid_ = 0;
  // Internal state.
  uint32_t reset_steps_ = 0;     // CTRL reset bits clear when this reaches 0
  bool bmod_reset_pending_ = false;
  bool command_pending_ = false;
  uint32_t command_steps_ = 0;
  bool counted_no_clock_ = false;
  uint32_t response_index_ = 0;
  // The clock unit's copy of the clock registers (taken by update commands).
  bool clock_configured_ = false;
  uint32_t live_clkdiv_ = 0, live_clksrc_ = 0, live_clkena_ = 0;
  std::deque<uint64_t> fifo_;
  uint32_t staged_low_ = 0;
  Transfer transfer_;
  // The card.
  CardState state_ = CardState::Idle;
  bool card_needs_init_clocks_ = true;
  bool card_dead_ = false;
  bool app_command_ = false;
  bool card_bus_4bit_ = false;
  bool card_ready_ = false;       // power-up finished (OCR busy bit)
  bool card_ccs_ = false;
  uint32_t acmd41_rounds_ = 0;
  uint32_t rca_ = 0;
  uint32_t block_length_ = 512;
  uint32_t pending_status_errors_ = 0;  // reported with the next R1
  uint32_t busy_steps_ = 0;
  bool busy_forever_ = false;
};

}  // namespace rivet::test

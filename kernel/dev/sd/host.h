// The interface between the SD card protocol (sd::Card, written once) and a
// host controller: the SPI-mode host over any SPI bus (spi_host.h), or a
// native SD bus controller such as the DesignWare MMC (dw_mmc).
//
// The card layer decides *what* to send (initialisation, addressing, which
// command for a run of blocks); a host knows *how*: framing, CRC, tokens,
// FIFOs, timeouts of its own waits.
//
// Pure: no kernel dependencies.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/dev/clock.h"
#include "kernel/lib/result.h"

namespace rivet::sd {

// What a command's response looks like on the wire.
enum class ResponseKind : uint8_t {
  None,  // no response (CMD0 on the native bus)
  R1,    // native: 32-bit card status. SPI: the R1 byte.
  R1b,   // R1, then the card signals busy; the host waits until it is not
         // (native: DAT0 high / "data busy" clears; SPI: MISO reads 0xFF).
  R2,    // native: 128-bit CID or CSD. SPI: R2 (R1 + one status byte, CMD13).
  R3,    // native: OCR, no CRC. SPI: R1 + 32-bit OCR (CMD58).
  R6,    // native: published RCA in [31:16] plus status bits.
  R7,    // native: interface condition (CMD8). SPI: R1 + 32 bits (CMD8).
};

// A command's data phase.
struct Data {
  void* buffer = nullptr;   // blocks * block_size bytes, unless `segments`
  uint32_t block_size = 512;  // 512 for sectors; 8 (SCR), 16 (SPI CSD/CID), 64 (SD status)
  uint32_t blocks = 1;
  bool write = false;
  // Scatter/gather: when set, the data lives in separate buffers of
  // `segment_bytes` each (a multiple of block_size), e.g. the pages of a
  // read-ahead; `buffer` is then unused.
  void* const* segments = nullptr;
  uint32_t segment_bytes = 0;

  // Where block `i` of the transfer lives. Hosts move data block by block
  // through this, so they need not care whether it is scattered.
  uint8_t* block(uint32_t i) const {
    uint64_t offset = uint64_t{i} * block_size;
    if (!segments) return static_cast<uint8_t*>(buffer) + offset;
    return static_cast<uint8_t*>(segments[offset / segment_bytes]) + offset % segment_bytes;
  }
};

struct Command {
  uint8_t index = 0;        // 0..63. An application command (ACMDn) is sent
                            // by the card layer as CMD55 followed by CMDn.
  uint32_t argument = 0;
  ResponseKind response = ResponseKind::R1;
  Data* data = nullptr;     // nullptr: no data phase
  // Multi-block transfers (CMD18, CMD25) are open-ended on the wire: after
  // the last block the *host* ends them: a native host sends CMD12 (auto-stop
  // or by hand) and waits for busy; an SPI host sends CMD12 after a read and
  // the stop-transmission token after a write, then waits for busy.
};

struct Reply {
  // Native: R1/R1b/R3/R6/R7 in words[0]. R2: the 128 bits with words[0] =
  // bits 127..96 and words[3] = bits 31..0 (bit 0 undefined: the end bit).
  // SPI: words[0] = the 32 bits that follow R1 in R3/R7, or the second byte
  // of R2 in its low 8 bits.
  uint32_t words[4] = {};
  uint8_t r1 = 0;           // SPI only: the R1 byte
};

// Errors a host reports, which the card layer relies on:
//   Error::TimedOut  the card did not answer (no response, no data token,
//                    busy for too long) -- also what CMD8 to a v1 card gives
//                    on the native bus;
//   Error::Io        it answered wrongly: CRC error (command or data),
//                    data error token, FIFO overrun/underrun, write not
//                    accepted by the card;
//   Error::NoDevice  no card in the slot (card detect says so).
// A host never reports success for a write the card did not accept.
class Host {
 public:
  virtual bool spi() const = 0;          // the card speaks the SPI-mode protocol
  virtual const char* name() const = 0;  // "sifive-spi@10050000"
  // Sends one command and runs its data phase, if any.
  virtual Result<Reply> command(const Command& cmd) = 0;
  // The fastest card clock not above `hz`.
  virtual Result<void> set_clock(uint32_t hz) = 0;
  // 1 or 4 data lines; SPI hosts accept only 1.
  virtual Result<void> set_bus_width(uint32_t lines) = 0;
  virtual bool supports_bus_width(uint32_t lines) const = 0;
  // Largest `blocks` one multi-block command may carry.
  virtual uint32_t max_blocks() const = 0;
  // Card detect: false only when the slot knows it is empty.
  virtual bool card_present() { return true; }
  // The clock every wait uses (deadlines, pause()).
  virtual dev::Clock& clock() = 0;
  // The card clock set_clock() actually chose, in Hz, for the card's log
  // line; 0 if the host cannot tell (the card layer then reports the rate
  // it asked for).
  virtual uint32_t clock_hz() const { return 0; }

 protected:
  ~Host() = default;
};

}  // namespace rivet::sd

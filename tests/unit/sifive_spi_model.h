// A register-level model of the SiFive SPI controller as QEMU 7.2 implements
// it (hw/ssi/sifive_spi.c), for testing the driver in kernel/dev/sifive_spi.cc
// on the host. It is stricter than QEMU: whatever QEMU would only log, or
// silently get wrong, is recorded so a test can fail on it.
//
// Modelled as QEMU does it:
//   - 32-bit registers at the documented offsets; reserved offsets read 0
//     and ignore writes; RXDATA and IP are read-only.
//   - 8-entry TX and RX FIFOs. A TXDATA write moves the byte at once (with
//     `ticks_per_byte` > 0 the model instead shifts one byte every that many
//     register accesses, as silicon does in its own time). A received byte
//     is dropped when the RX FIFO is full; fmt bit 3 (transmit only) keeps
//     received bytes out of the RX FIFO.
//   - Chip select: on a csmode or csid write, each line whose csdef bit is
//     set becomes asserted unless csmode is AUTO: AUTO deasserts, HOLD and
//     OFF assert. csdef writes alone change no line. The device sees bytes
//     only while its line is asserted; otherwise the controller reads 0x00.
//   - IP: TX watermark pending while the TX FIFO holds fewer than txmark
//     entries, RX watermark while the RX FIFO holds more than rxmark.
//
// Also recorded, for what silicon would do (QEMU ignores these): the
// format and mode of each frame, and whether silicon would have selected the
// card during it (the line driven to the opposite of its csdef level in AUTO
// and HOLD; left at the csdef level in OFF).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "kernel/dev/registers.h"

namespace rivet::test {

// A device on the bus, behind chip select 0.
class SpiDevice {
 public:
  virtual ~SpiDevice() = default;
  virtual void select(bool selected) {}
  // One byte each way; called only while the device is selected.
  virtual uint8_t exchange(uint8_t mosi) = 0;
};

// Answers each byte with the one it received before it (a shift register),
// and kFirstReply for the first byte after it is selected. Records every
// byte it received.
class EchoDevice final : public SpiDevice {
 public:
  static constexpr uint8_t kFirstReply = 0xa5;
  void select(bool selected) override;
  uint8_t exchange(uint8_t mosi) override;
  std::vector<uint8_t> received;
  size_t selections = 0;

 private:
  bool fresh_ = true;
  uint8_t last_ = 0;
};

class SifiveSpiModel final : public dev::Registers {
 public:
  static constexpr size_t kFifoDepth = 8;
  static constexpr uint32_t kRegisterBytes = 0x78;

  struct Options {
    uint32_t num_cs = 1;          // QEMU's "num-cs" property (sifive_u: 1)
    uint32_t ticks_per_byte = 0;  // 0: QEMU timing, a byte moves on its TXDATA write
  };

  // Every byte that crossed the bus.
  struct Frame {
    uint8_t mosi = 0;
    uint8_t miso = 0;
    bool selected = false;          // QEMU's line 0 was asserted
    bool silicon_selected = false;  // silicon would have driven line 0 low
    uint32_t fmt = 0;
    uint32_t sckmode = 0;
    uint32_t sckdiv = 0;
  };

  // A stretch of frames with QEMU's line 0 asserted: [first, end).
  struct Span {
    size_t first = 0;
    size_t end = 0;
    bool open = true;
  };

  SifiveSpiModel(SpiDevice& device, Options options);
  explicit SifiveSpiModel(SpiDevice& device) : SifiveSpiModel(device, Options{}) {}

  uint32_t read32(uint32_t offset) override;
  void write32(uint32_t offset, uint32_t value) override;

  // Faults: TXDATA always reads full (and drops writes), RXDATA always
  // reads empty; the FIFOs freeze.
  bool stuck_tx_full = false;
  bool stuck_rx_empty = false;
  // Bytes already in the RX FIFO, as firmware may leave them.
  void preload_rx(const std::vector<uint8_t>& bytes);

  // Observations.
  const std::vector<Frame>& frames() const { return frames_; }
  const std::vector<Span>& spans() const { return spans_; }
  bool selected() const { return line_asserted_[0]; }
  size_t rx_dropped() const { return rx_dropped_; }
  size_t tx_lost() const { return tx_lost_; }        // TXDATA writes while full
  bool off_written() const { return off_written_; }  // csmode OFF ever written
  size_t accesses() const { return accesses_; }
  // Accesses QEMU would log as guest errors, and other misuse.
  const std::vector<std::string>& violations() const { return violations_; }
  // The stored value of a plain register (not TXDATA/RXDATA).
  uint32_t peek(uint32_t offset) const { return regs_[offset / 4]; }
  size_t rx_count() const { return rx_.size(); }

 private:
  void tick();
  void shift_one();
  void update_chip_select();
  void update_pending();
  bool check_offset(uint32_t offset, bool write);
  void violation(const std::string& what);

  SpiDevice& device_;
  Options options_;
  uint32_t regs_[kRegisterBytes / 4] = {};
  std::vector<uint8_t> tx_;
  std::vector<uint8_t> rx_;
  std::vector<bool> line_asserted_;
  std::vector<Frame> frames_;
  std::vector<Span> spans_;
  std::vector<std::string> violations_;
  size_t rx_dropped_ = 0;
  size_t tx_lost_ = 0;
  size_t accesses_ = 0;
  bool off_written_ = false;
};

}  // namespace rivet::test

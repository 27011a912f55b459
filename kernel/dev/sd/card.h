// An SD memory card as a block device: the SD protocol written once, over
// any sd::Host (the SPI-mode host, a native SD bus controller).
//
// init() identifies the card (SD Physical Layer Simplified Spec 4.2 for the
// native bus, 7.2 for SPI mode), reads its CSD and CID and brings it to the
// transfer state at up to the clock it is given. After that, sectors map to
// single-block commands (CMD17/CMD24) and runs to multi-block commands
// (CMD18/CMD25), split at host.max_blocks().
//
// Addressing is the subtle part: an SDSC card (capacity from a version 1
// CSD, at most 2 GiB in practice, 4 GiB in theory) is addressed in BYTES, an
// SDHC/SDXC card (OCR CCS bit set, version 2 CSD) in 512-byte BLOCKS.
//
// Failure policy: every wait has a deadline, so every call returns. A failed
// transfer returns its error. The next call then re-identifies the card once;
// if that fails, or finds a different card, the Card is gone and every call
// fails at once with Error::NoDevice until init() is called again.
//
// Not thread-safe: the kernel serialises all calls on one Card (one request
// at a time per card). No heap, no logging: info() returns what the kernel's
// log line needs.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/block/block_device.h"
#include "kernel/dev/sd/host.h"
#include "kernel/lib/result.h"

namespace rivet::sd {

enum class CardKind : uint8_t {
  Sdsc,  // standard capacity: byte addresses
  Sdhc,  // high capacity, up to 32 GiB: block addresses
  Sdxc,  // extended capacity, above 32 GiB: block addresses
};

// "SDSC", "SDHC", "SDXC".
const char* card_kind_name(CardKind kind);

struct CardInfo {
  CardKind kind = CardKind::Sdsc;
  bool block_addressed = false;  // OCR CCS: SDHC/SDXC
  bool version2 = false;         // answered CMD8: Physical Layer 2.00 or later
  uint64_t sectors = 0;          // capacity in 512-byte sectors
  // From the CID register.
  uint8_t manufacturer_id = 0;   // MID
  char oem_id[3] = {};           // OID: two ASCII characters
  char product[6] = {};          // PNM: five ASCII characters
  uint8_t revision = 0;          // PRV, BCD: 0x10 is 1.0
  uint32_t serial = 0;           // PSN
  uint16_t year = 0;             // MDT
  uint8_t month = 0;
  // The bus as it runs now.
  uint32_t bus_width = 1;        // data lines
  uint32_t clock_hz = 0;
};

// One line for the kernel log, e.g. `SDHC 14.8 GiB "SD16G" 4-bit 25 MHz`.
// Returns the length the full text has (like snprintf); `buffer` is always
// NUL-terminated when `size` > 0.
size_t describe(const CardInfo& info, char* buffer, size_t size);

class Card final : public block::BlockDevice {
 public:
  // Identification runs at 400 kHz (spec: 100..400 kHz).
  static constexpr uint32_t kIdentificationHz = 400'000;
  // Default speed, the fastest without switching functions (CMD6).
  static constexpr uint32_t kDefaultSpeedHz = 25'000'000;
  // How long a card may take to leave the idle state (ACMD41): 1 s.
  static constexpr uint64_t kPowerUpTimeoutUs = 1'000'000;
  // How long a card may stay busy programming (native CMD13 polling).
  static constexpr uint64_t kProgramTimeoutUs = 500'000;

  // `name` is the block device's name ("mmcblk0"); it must outlive the Card.
  Card(Host& host, const char* name) : host_(host), name_(name) {}

  // Identifies the card and prepares it for transfers, with the card clock
  // at most `max_hz` (and at most 25 MHz and what the CSD allows). May be
  // called again: after a card change, or to revive a Card that is gone.
  // Errors: NoDevice (nothing answers / slot empty), TimedOut (the card
  // never finished powering up), Io or NotSupported (it answered wrongly or
  // is not an SD memory card we can drive), Malformed (contradictory
  // registers).
  Result<void> init(uint32_t max_hz = kDefaultSpeedHz);

  bool ready() const { return state_ == State::Ready; }
  const CardInfo& info() const { return info_; }

  // block::BlockDevice. Requests outside the card are refused with
  // Error::Range before anything is sent to it.
  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override;
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override;
  // A run of pages is one multi-block command (CMD18 / CMD25) scattered
  // over the pages by the host; split only where it exceeds
  // pages_per_command(). Refused whole (Range, Invalid for a null page)
  // before anything reaches the card.
  Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) override;
  Result<void> write_pages(uint64_t sector, const void* const* pages, uint32_t count) override;
  // Whole pages one multi-block command carries (host.max_blocks() / 8);
  // 0 when the host cannot carry a page in one command.
  uint32_t pages_per_command() const;
  // Sectors one command carries (host.max_blocks(), at least 1).
  uint32_t blocks_per_command() const { return max_run(); }
  Result<void> flush() override;
  uint64_t sector_count() const override { return info_.sectors; }
  const char* name() const override { return name_; }

 private:
  enum class State : uint8_t { Uninitialized, Ready, NeedsRecovery, Gone };

  Result<void> identify(uint32_t max_hz);
  Result<void> go_idle();
  Result<bool> send_interface_condition();
  Result<void> enable_crc();
  Result<uint32_t> wait_power_up(bool version2);
  Result<uint32_t> read_ocr_spi(uint32_t ocr_from_acmd41, bool version2);
  Result<void> read_registers_native(uint8_t cid[16], uint8_t csd[16]);
  Result<void> read_registers_spi(uint8_t cid[16], uint8_t csd[16]);
  Result<void> select_bus_width();
  Result<void> set_transfer_clock(uint32_t max_hz, const uint8_t csd[16]);
  Result<Reply> app_command(uint8_t index, uint32_t argument, ResponseKind response);
  Result<Reply> checked(const Command& cmd);

  Result<void> check_request(uint64_t sector, uint64_t count, const void* buffer) const;
  Result<void> ensure_ready();
  Result<void> note(Result<void> result);
  uint32_t max_run() const;
  Result<void> transfer_run(uint64_t sector, Data& data);
  Result<void> transfer_pages(uint64_t sector, void* const* pages, uint32_t count, bool write);
  Result<void> wait_programmed();

  Host& host_;
  const char* name_;
  CardInfo info_;
  State state_ = State::Uninitialized;
  uint32_t max_hz_ = kDefaultSpeedHz;
  uint32_t rca_ = 0;     // native bus: the card's relative address
  uint8_t cid_[16] = {}; // to recognise the same card when recovering
};

}  // namespace rivet::sd

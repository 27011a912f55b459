#include "kernel/dev/sd/card.h"

#include "kernel/dev/sd/commands.h"
#include "kernel/dev/sd/spi_host.h"
#include "kernel/lib/format.h"

namespace rivet::sd {

namespace {

using block::kPageBytes;
using block::kSectorSize;
using block::kSectorsPerPage;

using namespace cmd;  // the command indices (commands.h)

// CMD8 argument: supply voltage 2.7-3.6 V (VHS = 1) and a check pattern the
// card echoes.
constexpr uint32_t kIfCondArgument = 0x1AA;
// OCR bits (spec 5.1).
constexpr uint32_t kOcrPowerUpDone = 1u << 31;  // native: the card left "busy"
constexpr uint32_t kOcrCcs = 1u << 30;          // card capacity status; HCS in ACMD41
constexpr uint32_t kOcrVoltageWindow = 0x00FF8000;  // 2.7-3.6 V
constexpr uint64_t kPowerUpPollUs = 1000;
constexpr int kGoIdleAttempts = 4;

// Native card status (R1, spec 4.10.1): the bits that say this command
// failed. ILLEGAL_COMMAND and COM_CRC_ERROR are left out: the card reports
// them in the response to the *next* command (e.g. after CMD8 to a v1 card).
constexpr uint32_t kStatusOutOfRange = 1u << 31;
constexpr uint32_t kStatusAddressError = 1u << 30;
constexpr uint32_t kStatusBlockLenError = 1u << 29;
constexpr uint32_t kStatusWpViolation = 1u << 26;
constexpr uint32_t kStatusCardEccFailed = 1u << 21;
constexpr uint32_t kStatusCcError = 1u << 20;
constexpr uint32_t kStatusError = 1u << 19;
constexpr uint32_t kStatusErrors = kStatusOutOfRange | kStatusAddressError | kStatusBlockLenError |
                                   kStatusWpViolation | kStatusCardEccFailed | kStatusCcError | kStatusError;
constexpr uint32_t kStatusReadyForData = 1u << 8;
constexpr uint32_t kStatusAppCmd = 1u << 5;
constexpr uint32_t kStateTransfer = 4;  // CURRENT_STATE, bits 12:9

// SPI R2's second byte (spec 7.3.2.3): error, CC error, card ECC failed,
// WP violation, out of range.
constexpr uint32_t kSpiStatusErrors = 0xBC;

// SDXC starts above 32 GiB.
constexpr uint64_t kSdhcMaxSectors = (32ull << 30) / kSectorSize;

// ---- register fields ----------------------------------------------------------
// CID and CSD are 128-bit registers, handled as 16 bytes big-endian (bit 127
// is the top bit of byte 0) whichever bus delivered them.

uint32_t field(const uint8_t reg[16], unsigned high, unsigned low) {
  uint32_t value = 0;
  for (unsigned bit = high + 1; bit-- > low;) value = value << 1 | ((reg[15 - bit / 8] >> (bit % 8)) & 1);
  return value;
}

// Native R2: words[0] holds bits 127..96.
void words_to_register(const Reply& reply, uint8_t reg[16]) {
  for (int i = 0; i < 16; ++i) reg[i] = static_cast<uint8_t>(reply.words[i / 4] >> (24 - 8 * (i % 4)));
}

// Capacity in sectors from the CSD (spec 5.3.2, 5.3.3).
Result<uint64_t> csd_sectors(const uint8_t csd[16]) {
  switch (field(csd, 127, 126)) {
    case 0: {
      // Version 1: (C_SIZE + 1) * 2^(C_SIZE_MULT + 2) blocks of 2^READ_BL_LEN
      // bytes, READ_BL_LEN 9..11.
      uint32_t read_bl_len = field(csd, 83, 80);
      uint32_t c_size = field(csd, 73, 62);
      uint32_t c_size_mult = field(csd, 49, 47);
      if (read_bl_len < 9 || read_bl_len > 11) return Error::Malformed;
      uint64_t bytes = (uint64_t{c_size} + 1) << (c_size_mult + 2 + read_bl_len);
      return bytes / kSectorSize;
    }
    case 1:
      // Version 2: (C_SIZE + 1) * 512 KiB.
      return (uint64_t{field(csd, 69, 48)} + 1) * 1024;
    default:
      return Error::NotSupported;  // version 3 (SDUC) and reserved
  }
}

// TRAN_SPEED (CSD bits 103:96): the card's fastest default-mode clock, or 0
// if the field is not one the spec defines.
uint32_t csd_max_clock_hz(const uint8_t csd[16]) {
  static constexpr uint32_t kTenths[16] = {0, 10, 12, 13, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70, 80};
  static constexpr uint32_t kUnitHz[4] = {100'000, 1'000'000, 10'000'000, 100'000'000};
  uint32_t value = field(csd, 103, 96);
  if ((value & 7) > 3) return 0;
  return kTenths[(value >> 3) & 15] * (kUnitHz[value & 7] / 10);
}

// CID text fields are ASCII by the spec; anything else would end up in the
// kernel log as is.
char printable(uint8_t c) { return c >= 0x20 && c < 0x7F ? static_cast<char>(c) : '?'; }

void parse_cid(const uint8_t cid[16], CardInfo& info) {
  info.manufacturer_id = static_cast<uint8_t>(field(cid, 127, 120));
  info.oem_id[0] = printable(cid[1]);
  info.oem_id[1] = printable(cid[2]);
  for (int i = 0; i < 5; ++i) info.product[i] = printable(cid[3 + i]);
  info.revision = static_cast<uint8_t>(field(cid, 63, 56));
  info.serial = field(cid, 55, 24);
  info.year = static_cast<uint16_t>(2000 + field(cid, 19, 12));
  info.month = static_cast<uint8_t>(field(cid, 11, 8));
}

bool same_register(const uint8_t a[16], const uint8_t b[16]) {
  for (int i = 0; i < 16; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

Command make_command(uint8_t index, uint32_t argument, ResponseKind response, Data* data = nullptr) {
  Command cmd;
  cmd.index = index;
  cmd.argument = argument;
  cmd.response = response;
  cmd.data = data;
  return cmd;
}

}  // namespace

const char* card_kind_name(CardKind kind) {
  switch (kind) {
    case CardKind::Sdsc: return "SDSC";
    case CardKind::Sdhc: return "SDHC";
    case CardKind::Sdxc: return "SDXC";
  }
  return "SD";
}

size_t describe(const CardInfo& info, char* buffer, size_t size) {
  // Capacity in tenths of GiB (or whole MiB below 1 GiB), clock in tenths
  // of MHz (or kHz below 1 MHz): integers only, the kernel has no floats.
  uint64_t bytes = info.sectors * kSectorSize;
  char capacity[24];
  if (bytes >= (1ull << 30)) {
    uint64_t tenths = bytes * 10 >> 30;
    snformat(capacity, sizeof capacity, "%llu.%llu GiB", static_cast<unsigned long long>(tenths / 10),
             static_cast<unsigned long long>(tenths % 10));
  } else {
    snformat(capacity, sizeof capacity, "%llu MiB", static_cast<unsigned long long>(bytes >> 20));
  }
  char clock[24];
  if (info.clock_hz >= 1'000'000) {
    uint32_t tenths = info.clock_hz / 100'000;
    if (tenths % 10)
      snformat(clock, sizeof clock, "%u.%u MHz", tenths / 10, tenths % 10);
    else
      snformat(clock, sizeof clock, "%u MHz", tenths / 10);
  } else {
    snformat(clock, sizeof clock, "%u kHz", info.clock_hz / 1000);
  }
  return snformat(buffer, size, "%s %s \"%s\" %u-bit %s", card_kind_name(info.kind), capacity, info.product,
                  info.bus_width, clock);
}

// ---- identification -------------------------------------------------------------

Result<void> Card::init(uint32_t max_hz) {
  max_hz_ = max_hz;
  state_ = State::Uninitialized;
  Result<void> result = identify(max_hz);
  state_ = result.ok() ? State::Ready : State::Gone;
  return result;
}

Result<void> Card::identify(uint32_t max_hz) {
  info_ = CardInfo{};
  rca_ = 0;
  if (!host_.card_present()) return Error::NoDevice;
  const bool spi = host_.spi();
  TRY(host_.set_bus_width(1));
  TRY(host_.set_clock(kIdentificationHz));

  TRY(go_idle());
  bool version2 = TRY(send_interface_condition());
  if (spi) TRY(enable_crc());
  uint32_t ocr = TRY(wait_power_up(version2));
  if (spi) ocr = TRY(read_ocr_spi(ocr, version2));
  // CCS is only defined for cards that know CMD8; a v1 card is SDSC.
  bool block_addressed = version2 && (ocr & kOcrCcs);

  uint8_t cid[16];
  uint8_t csd[16];
  TRY(spi ? read_registers_spi(cid, csd) : read_registers_native(cid, csd));
  uint64_t sectors = TRY(csd_sectors(csd));
  // The CSD version and the addressing mode must agree: a version 2 CSD on
  // a byte-addressed card (or the reverse) would put every access at the
  // wrong place.
  if (block_addressed != (field(csd, 127, 126) == 1)) return Error::Malformed;
  if (sectors == 0) return Error::Malformed;
  // SDSC cards may default to another block length; SDHC/SDXC fix it at 512.
  if (!block_addressed) TRY(checked(make_command(kSetBlockLen, kSectorSize, ResponseKind::R1)));

  if (!spi) TRY(select_bus_width());
  TRY(set_transfer_clock(max_hz, csd));

  info_.block_addressed = block_addressed;
  info_.version2 = version2;
  info_.sectors = sectors;
  info_.kind = !block_addressed ? CardKind::Sdsc : sectors > kSdhcMaxSectors ? CardKind::Sdxc : CardKind::Sdhc;
  parse_cid(cid, info_);
  for (int i = 0; i < 16; ++i) cid_[i] = cid[i];
  return {};
}

// CMD0. In SPI mode (chip select held low) it also selects SPI mode, and
// R1 must say "idle". A card that was in use (e.g. by the boot loader) may
// answer the first CMD0 with the state it was in (QEMU's card answers 0x00),
// and one that was mid-transfer may miss it entirely: ask again.
Result<void> Card::go_idle() {
  if (!host_.spi()) {
    TRY(host_.command(make_command(kGoIdleState, 0, ResponseKind::None)));
    return {};
  }
  bool answered = false;
  for (int attempt = 0; attempt < kGoIdleAttempts; ++attempt) {
    Result<Reply> reply = host_.command(make_command(kGoIdleState, 0, ResponseKind::R1));
    if (!reply.ok()) {
      if (reply.error() != Error::TimedOut) return reply.error();
      continue;
    }
    answered = true;
    if (reply->r1 == r1::kIdle) return {};
  }
  // Silence on every attempt: there is no card (SPI has no card detect).
  return answered ? Error::Io : Error::NoDevice;
}

// CMD8: cards of Physical Layer 2.00 or later answer it, older ones call
// it illegal (SPI) or stay silent (native bus). Returns whether it answered.
Result<bool> Card::send_interface_condition() {
  Result<Reply> reply = host_.command(make_command(kSendIfCond, kIfCondArgument, ResponseKind::R7));
  if (host_.spi()) {
    if (!reply.ok()) return reply.error();
    if (reply->r1 & r1::kIllegalCommand) return false;
    if (reply->r1 & r1::kErrors) return Error::Io;
  } else if (!reply.ok()) {
    if (reply.error() == Error::TimedOut) return false;
    return reply.error();
  }
  // The echo: voltage accepted and the check pattern back unchanged.
  if ((reply->words[0] & 0xFFF) != kIfCondArgument) return Error::NotSupported;
  return true;
}

// CMD59: SPI mode starts with CRC checking off; turning it on makes the
// card refuse a command garbled on the wire instead of executing it.
Result<void> Card::enable_crc() {
  Reply reply = TRY(host_.command(make_command(kCrcOnOff, 1, ResponseKind::R1)));
  if (reply.r1 & r1::kIllegalCommand) return {};  // a card without it: we still send correct CRCs
  return (reply.r1 & r1::kErrors) ? Error::Io : Result<void>{};
}

Result<Reply> Card::app_command(uint8_t index, uint32_t argument, ResponseKind response) {
  Reply prefix = TRY(host_.command(make_command(kAppCmd, rca_ << 16, ResponseKind::R1)));
  if (host_.spi()) {
    // An MMC card, for one, does not know CMD55.
    if (prefix.r1 & r1::kIllegalCommand) return Error::NotSupported;
    if (prefix.r1 & r1::kErrors) return Error::Io;
  } else if (!(prefix.words[0] & kStatusAppCmd)) {
    return Error::Io;
  }
  return host_.command(make_command(index, argument, response));
}

// ACMD41 until the card leaves the idle state (it powers up in the
// background; up to 1 s). HCS tells it that we can address blocks. On the
// native bus the reply is the OCR; in SPI mode only R1, the OCR follows from
// CMD58.
Result<uint32_t> Card::wait_power_up(bool version2) {
  const bool spi = host_.spi();
  uint32_t argument = version2 ? kOcrCcs : 0;
  if (!spi) argument |= kOcrVoltageWindow;
  dev::Clock& clock = host_.clock();
  uint64_t deadline = clock.now_us() + kPowerUpTimeoutUs;
  for (bool first = true;; first = false) {
    Result<Reply> reply = app_command(kSdSendOpCond, argument, spi ? ResponseKind::R1 : ResponseKind::R3);
    if (!reply.ok()) {
      // The native bus has no other sign of an empty slot than silence here.
      if (first && !spi && reply.error() == Error::TimedOut) return Error::NoDevice;
      return reply.error();
    }
    if (spi) {
      if (reply->r1 & r1::kErrors) return Error::Io;
      if (!(reply->r1 & r1::kIdle)) return 0u;
    } else if (reply->words[0] & kOcrPowerUpDone) {
      if (!(reply->words[0] & kOcrVoltageWindow)) return Error::NotSupported;
      return reply->words[0];
    }
    if (clock.now_us() >= deadline) return Error::TimedOut;
    clock.delay_us(kPowerUpPollUs);
  }
}

// CMD58 after power-up: the CCS bit is valid now. A v1 card is SDSC, so it
// need not be asked.
Result<uint32_t> Card::read_ocr_spi(uint32_t ocr_from_acmd41, bool version2) {
  if (!version2) return ocr_from_acmd41;
  Reply reply = TRY(host_.command(make_command(kReadOcr, 0, ResponseKind::R3)));
  if (reply.r1 & r1::kErrors) return Error::Io;
  return reply.words[0];
}

// Native bus: CID (CMD2), a relative address (CMD3), CSD (CMD9), then
// select the card (CMD7) into the transfer state.
Result<void> Card::read_registers_native(uint8_t cid[16], uint8_t csd[16]) {
  words_to_register(TRY(host_.command(make_command(kAllSendCid, 0, ResponseKind::R2))), cid);
  // RCA 0 is reserved for "no card"; a card that offers it is asked again.
  for (int attempt = 0; attempt < 3 && rca_ == 0; ++attempt) {
    Reply reply = TRY(host_.command(make_command(kSendRelativeAddr, 0, ResponseKind::R6)));
    rca_ = reply.words[0] >> 16;
  }
  if (rca_ == 0) return Error::Io;
  words_to_register(TRY(host_.command(make_command(kSendCsd, rca_ << 16, ResponseKind::R2))), csd);
  TRY(checked(make_command(kSelectCard, rca_ << 16, ResponseKind::R1b)));
  return {};
}

// SPI mode: CSD and CID arrive as 16-byte data blocks (with CRC16).
Result<void> Card::read_registers_spi(uint8_t cid[16], uint8_t csd[16]) {
  Data data;
  data.block_size = 16;
  data.buffer = csd;
  TRY(checked(make_command(kSendCsd, 0, ResponseKind::R1, &data)));
  data.buffer = cid;
  TRY(checked(make_command(kSendCid, 0, ResponseKind::R1, &data)));
  return {};
}

// Every SD memory card supports 4 data lines (spec 3.6.2); use them when the
// host has them.
Result<void> Card::select_bus_width() {
  info_.bus_width = 1;
  if (!host_.supports_bus_width(4)) return {};
  Reply reply = TRY(app_command(kSetBusWidth, 2, ResponseKind::R1));
  if (reply.words[0] & kStatusErrors) return Error::Io;
  TRY(host_.set_bus_width(4));
  info_.bus_width = 4;
  return {};
}

Result<void> Card::set_transfer_clock(uint32_t max_hz, const uint8_t csd[16]) {
  uint32_t hz = max_hz < kDefaultSpeedHz ? max_hz : kDefaultSpeedHz;
  uint32_t card_max = csd_max_clock_hz(csd);
  if (card_max != 0 && card_max < hz) hz = card_max;
  if (hz == 0) hz = kIdentificationHz;
  TRY(host_.set_clock(hz));
  info_.clock_hz = host_.clock_hz() ? host_.clock_hz() : hz;
  return {};
}

// Runs a command and turns the card's own complaint into an error: any R1
// bit in SPI mode (after identification even "idle" means the card was
// reset under us), the error bits of the card status on the native bus.
Result<Reply> Card::checked(const Command& cmd) {
  Reply reply = TRY(host_.command(cmd));
  if (host_.spi()) {
    if (reply.r1 != 0) return Error::Io;
  } else if (cmd.response == ResponseKind::R1 || cmd.response == ResponseKind::R1b) {
    if (reply.words[0] & kStatusErrors) return Error::Io;
  }
  return reply;
}

// ---- transfers --------------------------------------------------------------------

// Validate before acting: a request outside the card never reaches it.
Result<void> Card::check_request(uint64_t sector, uint64_t count, const void* buffer) const {
  // No card identified yet (or init() failed): there is no capacity to
  // check against.
  if (state_ == State::Uninitialized || info_.sectors == 0) return Error::NoDevice;
  if (count == 0) return {};
  if (!buffer) return Error::Invalid;
  if (count > info_.sectors || sector > info_.sectors - count) return Error::Range;
  return {};
}

// After a failure the card may be anywhere in its state machine (or gone):
// identify it again, once. Only the same card (CID and capacity) is taken
// back; writing another card's sectors would be worse than failing.
Result<void> Card::ensure_ready() {
  switch (state_) {
    case State::Ready:
      if (host_.card_present()) return {};
      state_ = State::Gone;
      return Error::NoDevice;
    case State::NeedsRecovery: {
      CardInfo before = info_;
      uint8_t cid_before[16];
      for (int i = 0; i < 16; ++i) cid_before[i] = cid_[i];
      Result<void> result = identify(max_hz_);
      if (result.ok() && same_register(cid_before, cid_) && info_.sectors == before.sectors) {
        state_ = State::Ready;
        return {};
      }
      info_ = before;
      for (int i = 0; i < 16; ++i) cid_[i] = cid_before[i];
      state_ = State::Gone;
      return Error::NoDevice;
    }
    default:
      return Error::NoDevice;
  }
}

Result<void> Card::note(Result<void> result) {
  if (!result.ok() && result.error() != Error::Range && result.error() != Error::Invalid)
    state_ = State::NeedsRecovery;
  return result;
}

uint32_t Card::max_run() const {
  uint32_t blocks = host_.max_blocks();
  return blocks ? blocks : 1;
}

// One command for `data.blocks` sectors from `sector`.
Result<void> Card::transfer_run(uint64_t sector, Data& data) {
  // SDSC: byte address; SDHC/SDXC: block address. Both fit 32 bits for
  // every sector of a card whose CSD is valid; check anyway.
  uint64_t address = info_.block_addressed ? sector : sector * kSectorSize;
  if (address > 0xFFFFFFFFull) return Error::Range;
  bool multi = data.blocks > 1;
  uint8_t index = data.write ? (multi ? kWriteMultiple : kWriteSingle) : (multi ? kReadMultiple : kReadSingle);
  TRY(checked(make_command(index, static_cast<uint32_t>(address), ResponseKind::R1, &data)));
  if (data.write) TRY(wait_programmed());
  return {};
}

// After a write: the host waited for the card's busy signal; CMD13 then
// tells whether programming went wrong (write protect, ECC, internal
// error), so a failed write is not reported as done. On the native bus the
// card may still be programming: wait for it to return to "transfer".
Result<void> Card::wait_programmed() {
  if (host_.spi()) {
    Reply reply = TRY(host_.command(make_command(kSendStatus, 0, ResponseKind::R2)));
    if (reply.r1 != 0 || (reply.words[0] & kSpiStatusErrors)) return Error::Io;
    return {};
  }
  dev::Clock& clock = host_.clock();
  uint64_t deadline = clock.now_us() + kProgramTimeoutUs;
  for (;;) {
    Reply reply = TRY(host_.command(make_command(kSendStatus, rca_ << 16, ResponseKind::R1)));
    uint32_t status = reply.words[0];
    if (status & kStatusErrors) return Error::Io;
    if ((status & kStatusReadyForData) && ((status >> 9) & 0xF) == kStateTransfer) return {};
    if (clock.now_us() >= deadline) return Error::TimedOut;
    clock.pause();
  }
}

Result<void> Card::read(uint64_t sector, void* buffer, uint32_t count) {
  TRY(check_request(sector, count, buffer));
  if (count == 0) return {};
  TRY(ensure_ready());
  auto* bytes = static_cast<uint8_t*>(buffer);
  const uint32_t run = max_run();
  for (uint32_t done = 0; done < count;) {
    Data data;
    data.buffer = bytes + uint64_t{done} * kSectorSize;
    data.blocks = count - done < run ? count - done : run;
    TRY(note(transfer_run(sector + done, data)));
    done += data.blocks;
  }
  return {};
}

Result<void> Card::write(uint64_t sector, const void* buffer, uint32_t count) {
  TRY(check_request(sector, count, buffer));
  if (count == 0) return {};
  TRY(ensure_ready());
  // The host only reads from the buffer of a write.
  auto* bytes = static_cast<uint8_t*>(const_cast<void*>(buffer));
  const uint32_t run = max_run();
  for (uint32_t done = 0; done < count;) {
    Data data;
    data.buffer = bytes + uint64_t{done} * kSectorSize;
    data.blocks = count - done < run ? count - done : run;
    data.write = true;
    TRY(note(transfer_run(sector + done, data)));
    done += data.blocks;
  }
  return {};
}

uint32_t Card::pages_per_command() const { return max_run() / kSectorsPerPage; }

Result<void> Card::read_pages(uint64_t sector, void* const* pages, uint32_t count) {
  return transfer_pages(sector, pages, count, false);
}

Result<void> Card::write_pages(uint64_t sector, const void* const* pages, uint32_t count) {
  // The host only reads from the pages of a write.
  return transfer_pages(sector, const_cast<void* const*>(pages), count, true);
}

// A run of pages as multi-block commands (CMD18/CMD25) scattered over the
// pages by the host, split only at host.max_blocks(). Failures are handled
// as in write(): a write stops at the first failed command (the host has
// stopped the transmission; the card's state is checked by the next call).
Result<void> Card::transfer_pages(uint64_t sector, void* const* pages, uint32_t count, bool write) {
  TRY(check_request(sector, uint64_t{count} * kSectorsPerPage, pages));
  if (count == 0) return {};
  for (uint32_t i = 0; i < count; ++i)
    if (!pages[i]) return Error::Invalid;
  TRY(ensure_ready());
  const uint32_t pages_per_run = pages_per_command();
  // A host that cannot carry one page per command gets page-sized
  // transfers, which read() and write() split further.
  if (pages_per_run == 0) {
    if (!write) return BlockDevice::read_pages(sector, pages, count);
    for (uint32_t i = 0; i < count; i++) TRY(this->write(sector + uint64_t{i} * kSectorsPerPage, pages[i], kSectorsPerPage));
    return {};
  }
  for (uint32_t done = 0; done < count;) {
    uint32_t n = count - done < pages_per_run ? count - done : pages_per_run;
    Data data;
    data.segments = pages + done;
    data.segment_bytes = kPageBytes;
    data.blocks = n * kSectorsPerPage;
    data.write = write;
    TRY(note(transfer_run(sector + uint64_t{done} * kSectorsPerPage, data)));
    done += n;
  }
  return {};
}

// Every write already waited until the card had programmed it, and the card
// runs without a volatile cache (we never enable the SD 6.0 cache).
Result<void> Card::flush() {
  return state_ == State::Gone ? Error::NoDevice : Result<void>{};
}

}  // namespace rivet::sd

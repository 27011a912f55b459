#include "kernel/dev/sd/spi_host.h"

#include "kernel/dev/sd/commands.h"
#include "kernel/dev/sd/crc.h"

namespace rivet::sd {

namespace {

// Tokens of the SPI data phase (spec 7.3.3).
constexpr uint8_t kStartBlock = 0xFE;       // single-block read/write, every read block
constexpr uint8_t kStartMultiWrite = 0xFC;  // each block of CMD25
constexpr uint8_t kStopTran = 0xFD;         // ends CMD25
// Data response token xxx0sss1: sss = 010 accepted, 101 CRC error, 110
// write error.
constexpr uint8_t kDataResponseMask = 0x1F;
constexpr uint8_t kDataAccepted = 0x05;

using namespace cmd;  // the command indices (commands.h)

// Clocks with chip select released before CMD0: the spec asks for >= 74.
constexpr size_t kPowerUpIdleBytes = 10;

// Polling loops give the hart away every so many bytes: a card busy for
// 100 ms would otherwise hold it in a spin.
constexpr uint32_t kPollsPerPause = 64;

// Chip select held for one command with its response and data phase.
class ChipSelect {
 public:
  explicit ChipSelect(SpiBus& bus) : bus_(bus) { bus_.begin(); }
  ~ChipSelect() { bus_.end(); }
  ChipSelect(const ChipSelect&) = delete;
  ChipSelect& operator=(const ChipSelect&) = delete;

 private:
  SpiBus& bus_;
};

}  // namespace

Result<uint8_t> SpiHost::exchange(uint8_t out) {
  uint8_t in = 0xFF;
  TRY(bus_.transfer(&out, &in, 1));
  return in;
}

// A card still busy from the previous command (a write it is programming)
// holds MISO low; it only listens again once it lets go.
Result<void> SpiHost::wait_ready_for_command() {
  uint8_t in = TRY(exchange());
  if (in == 0xFF) return {};
  return wait_not_busy();
}

Result<void> SpiHost::send_frame(uint8_t index, uint32_t argument) {
  uint8_t frame[6] = {
      static_cast<uint8_t>(0x40 | index),     static_cast<uint8_t>(argument >> 24),
      static_cast<uint8_t>(argument >> 16),   static_cast<uint8_t>(argument >> 8),
      static_cast<uint8_t>(argument),         0,
  };
  frame[5] = crc7_frame_byte(frame, 5);
  return bus_.transfer(frame, nullptr, sizeof frame);
}

// R1 and the data-response token both arrive within a few bytes, as the
// first byte that is not the idle level 0xFF (R1: bit 7 clear).
Result<uint8_t> SpiHost::wait_response_byte() {
  for (int i = 0; i < kResponseBytes; ++i) {
    uint8_t in = TRY(exchange());
    if (in != 0xFF) return in;
  }
  return Error::TimedOut;
}

// R1 is the first byte with bit 7 clear, after 0..8 bytes of 0xFF (Ncr).
Result<uint8_t> SpiHost::wait_r1() {
  for (int i = 0; i < kResponseBytes; ++i) {
    uint8_t in = TRY(exchange());
    if (!(in & 0x80)) return in;
  }
  return Error::TimedOut;
}

// The card holds MISO low while it is busy and releases it (0xFF) when done.
Result<void> SpiHost::wait_not_busy() {
  dev::Clock& clock = bus_.clock();
  uint64_t deadline = clock.now_us() + kBusyTimeoutUs;
  for (uint32_t polls = 1;; ++polls) {
    if (TRY(exchange()) == 0xFF) return {};
    if (clock.now_us() >= deadline) return Error::TimedOut;
    if (polls % kPollsPerPause == 0) clock.pause();
  }
}

Result<Reply> SpiHost::command(const Command& cmd) {
  if (cmd.index > 63) return Error::Invalid;
  if (cmd.data) {
    const Data& data = *cmd.data;
    if (data.blocks == 0 || data.block_size == 0) return Error::Invalid;
    // Data::block() needs whole blocks per segment.
    if (data.segments && (data.segment_bytes == 0 || data.segment_bytes % data.block_size)) return Error::Invalid;
  }
  if (cmd.index == kGoIdleState) TRY(bus_.idle_clocks(kPowerUpIdleBytes));

  ChipSelect selected(bus_);
  if (cmd.index == kGoIdleState) {
    // CMD0 is how we resynchronise a card in any state: do not wait for it.
    TRY(exchange());
  } else {
    TRY(wait_ready_for_command());
  }
  TRY(send_frame(cmd.index, cmd.argument));
  // CMD12 sent on its own: the byte clocked in right after its frame is a
  // stuff byte, not the response.
  if (cmd.index == kStopTransmission) TRY(exchange());

  uint8_t r1_byte = TRY(wait_r1());
  Reply reply;
  reply.r1 = r1_byte;
  TRY(read_trailer(cmd, reply));

  if (!cmd.data) return reply;
  // With any bit set in R1 the card refused the command (or has been reset
  // and is idle): no data phase follows, so the command failed.
  if (r1_byte != 0) return Error::Io;
  TRY(cmd.data->write ? write_data(cmd) : read_data(cmd));
  return reply;
}

// The bytes after R1 (spec 7.3.2): R2 one status byte, R3/R7 32 bits
// big-endian; R1b the busy signal.
Result<void> SpiHost::read_trailer(const Command& cmd, Reply& reply) {
  switch (cmd.response) {
    case ResponseKind::R1b:
      return wait_not_busy();
    case ResponseKind::R2:
      reply.words[0] = TRY(exchange());
      return {};
    case ResponseKind::R3:
    case ResponseKind::R7: {
      uint8_t bytes[4];
      TRY(bus_.transfer(nullptr, bytes, sizeof bytes));
      reply.words[0] = uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
      return {};
    }
    default:
      return {};
  }
}

Result<void> SpiHost::read_data(const Command& cmd) {
  const Data& data = *cmd.data;
  Result<void> result;
  for (uint32_t i = 0; i < data.blocks && result.ok(); ++i) result = read_block(data.block(i), data.block_size);
  // A multi-block read streams until stopped, also after an error: stop it
  // so the card listens to the next command. Its own failure matters only
  // if the blocks arrived.
  if (cmd.index == kReadMultiple) {
    Result<void> stopped = stop_transmission();
    if (result.ok()) result = stopped;
  }
  return result;
}

Result<void> SpiHost::read_block(uint8_t* block, uint32_t size) {
  dev::Clock& clock = bus_.clock();
  uint64_t deadline = clock.now_us() + kReadTimeoutUs;
  uint8_t token = 0xFF;
  for (uint32_t polls = 1;; ++polls) {
    token = TRY(exchange());
    if (token != 0xFF) break;
    if (clock.now_us() >= deadline) return Error::TimedOut;
    if (polls % kPollsPerPause == 0) clock.pause();
  }
  // Anything but the start token is a data error token (0000 xxxx: error,
  // CC error, ECC failed, out of range) or noise: the block is lost.
  if (token != kStartBlock) return Error::Io;
  TRY(bus_.transfer(nullptr, block, size));
  uint8_t crc[2];
  TRY(bus_.transfer(nullptr, crc, sizeof crc));
  uint16_t received = static_cast<uint16_t>(crc[0] << 8 | crc[1]);
  if (received != crc16(block, size)) return Error::Io;
  return {};
}

// CMD12 during a multi-block read: the card keeps sending data while the
// frame goes out, then one stuff byte, then R1, then possibly busy.
Result<void> SpiHost::stop_transmission() {
  TRY(send_frame(kStopTransmission, 0));
  TRY(exchange());  // the stuff byte
  uint8_t in = TRY(wait_r1());
  TRY(wait_not_busy());
  return (in & r1::kErrors) ? Error::Io : Result<void>{};
}

Result<void> SpiHost::write_data(const Command& cmd) {
  const Data& data = *cmd.data;
  bool multi = cmd.index == kWriteMultiple;
  uint8_t token = multi ? kStartMultiWrite : kStartBlock;
  Result<void> result;
  for (uint32_t i = 0; i < data.blocks && result.ok(); ++i) result = write_block(token, data.block(i), data.block_size);
  if (!multi) return result;
  if (result.ok()) {
    // Stop token, one byte before the card turns busy, then the busy wait
    // while it programs what it still buffers.
    TRY(exchange(kStopTran));
    TRY(exchange());
    return wait_not_busy();
  }
  // After a rejected block the spec wants CMD12 to end the transfer. A card
  // that stopped answering (TimedOut) is left alone: the next CMD0 resets it.
  if (result.error() == Error::Io) (void)stop_transmission();
  return result;
}

Result<void> SpiHost::write_block(uint8_t token, const uint8_t* block, uint32_t size) {
  // One byte gap (Nwr), the token, the block, its CRC16.
  TRY(exchange());
  TRY(exchange(token));
  TRY(bus_.transfer(block, nullptr, size));
  uint16_t crc = crc16(block, size);
  uint8_t crc_bytes[2] = {static_cast<uint8_t>(crc >> 8), static_cast<uint8_t>(crc)};
  TRY(bus_.transfer(crc_bytes, nullptr, sizeof crc_bytes));
  // Only an explicit "accepted" counts. Silence is TimedOut, a CRC or write
  // error token (0x0B, 0x0D) or noise is Io: a write is never assumed done.
  uint8_t response = TRY(wait_response_byte());
  if ((response & kDataResponseMask) != kDataAccepted) return Error::Io;
  return wait_not_busy();
}

Result<void> SpiHost::set_clock(uint32_t hz) {
  clock_hz_ = TRY(bus_.set_clock(hz));
  return {};
}

Result<void> SpiHost::set_bus_width(uint32_t lines) {
  return lines == 1 ? Result<void>{} : Error::NotSupported;
}

}  // namespace rivet::sd

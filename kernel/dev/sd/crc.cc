#include "kernel/dev/sd/crc.h"

namespace rivet::sd {

namespace {

// A 256-entry table for CRC16 (512 bytes, built at compile time): data
// blocks are checksummed byte by byte on every transfer, so the loop is hot.
// CRC7 runs over 5 or 15 bytes per command and stays bitwise.
struct Crc16Table {
  uint16_t entries[256];
};

constexpr Crc16Table make_crc16_table() {
  Crc16Table table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint16_t c = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) c = static_cast<uint16_t>((c & 0x8000) ? (c << 1) ^ 0x1021 : c << 1);
    table.entries[i] = c;
  }
  return table;
}

constexpr Crc16Table kCrc16Table = make_crc16_table();

}  // namespace

uint8_t crc7(const uint8_t* data, size_t size) {
  uint8_t crc = 0;  // 7 bits, in bits 6..0
  for (size_t i = 0; i < size; ++i) {
    for (int bit = 7; bit >= 0; --bit) {
      // Shift in one message bit: if it differs from the bit leaving the
      // register, the generator's low terms (x^3 + 1) are added.
      uint8_t feedback = static_cast<uint8_t>(((data[i] >> bit) ^ (crc >> 6)) & 1);
      crc = static_cast<uint8_t>((crc << 1) & 0x7F);
      if (feedback) crc ^= 0x09;
    }
  }
  return crc;
}

uint16_t crc16(const uint8_t* data, size_t size, uint16_t crc) {
  for (size_t i = 0; i < size; ++i)
    crc = static_cast<uint16_t>((crc << 8) ^ kCrc16Table.entries[((crc >> 8) ^ data[i]) & 0xFF]);
  return crc;
}

}  // namespace rivet::sd

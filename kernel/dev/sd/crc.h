// The two checksums of the SD bus (SD Physical Layer Simplified Spec, 4.5):
// CRC7 protects every command frame (and the CID and CSD registers), CRC16
// protects every data block. Both are computed MSB first, initial value 0.
//
// Pure: no kernel dependencies; the host tests' simulated card uses the same
// functions as the drivers, so the known-answer tests in sd_test pin them.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace rivet::sd {

// CRC7, generator x^7 + x^3 + 1. Returns the 7-bit value; on the wire it
// sits in bits 7..1 of a frame's last byte, with the end bit 1 below it
// (see crc7_frame_byte).
uint8_t crc7(const uint8_t* data, size_t size);

// The last byte of a command frame or register: CRC7 of `data`, end bit set.
inline uint8_t crc7_frame_byte(const uint8_t* data, size_t size) {
  return static_cast<uint8_t>(crc7(data, size) << 1 | 1);
}

// CRC16-CCITT, generator x^16 + x^12 + x^5 + 1 (0x1021), initial value 0,
// no final XOR ("XMODEM"). Sent big-endian after each data block. To
// checksum in pieces, pass the previous return value as `crc`.
uint16_t crc16(const uint8_t* data, size_t size, uint16_t crc = 0);

}  // namespace rivet::sd

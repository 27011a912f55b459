// GUID Partition Table (UEFI specification, chapter 5): reading and writing.
//
// Pure logic: compiled into the kernel, which finds its root and swap
// partitions by type GUID, and into the host image builder (rivet-mkimage),
// so both sides agree on every byte. No heap, no libc: the disk is reached
// through a sector callback and the parsed table lives in caller storage.
//
// On-disk layout written by build_gpt (N = disk size in sectors):
//   LBA 0            protective MBR (one partition of type 0xEE)
//   LBA 1            primary header
//   LBA 2..33        primary entry array (128 entries of 128 bytes)
//   LBA 34..N-34     usable space for partitions
//   LBA N-33..N-2    backup entry array
//   LBA N-1          backup header
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/block/sector.h"
#include "kernel/lib/result.h"

namespace rivet::block {

// kSectorSize (512) comes from kernel/block/sector.h.

// CRC-32 as GPT (and zlib, Ethernet) use it: reflected polynomial 0xEDB88320,
// initial value and final XOR 0xFFFFFFFF. To checksum data in pieces, pass
// the previous return value as `crc`.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

// A GUID as GPT stores it: the first three fields little-endian, the last
// eight bytes in order ("mixed-endian"). Text form: 36 characters,
// "0FC63DAF-8483-4772-8E79-3D69D8477DE4".
struct Guid {
  static constexpr size_t kTextLength = 36;

  uint8_t bytes[16] = {};

  // Parses the text form (either case); exactly 36 characters, NUL-terminated.
  static Result<Guid> parse(const char* text);
  // For compile-time constants; an ill-formed literal does not compile.
  static consteval Guid literal(const char (&text)[kTextLength + 1]);

  // Writes the upper-case text form and a terminating NUL.
  void format(char (&out)[kTextLength + 1]) const;

  bool is_zero() const;
  bool operator==(const Guid&) const = default;

  // The parser behind both parse() and literal(); false if malformed.
  static constexpr bool parse_into(const char* text, Guid* out);
};

// Guid's compile-time parser, defined here so the constants below can use it.

namespace detail {
// Where the i-th byte of the text form sits on disk: fields 1-3 are reversed.
inline constexpr uint8_t kGuidDiskPosition[16] = {3, 2, 1, 0, 5, 4, 7, 6,
                                                  8, 9, 10, 11, 12, 13, 14, 15};
// Deliberately not constexpr: calling it from a consteval function is a
// compile error, which is how a malformed GUID literal is reported.
void malformed_guid_literal();
}  // namespace detail

constexpr bool Guid::parse_into(const char* text, Guid* out) {
  Guid g;
  size_t pos = 0;
  for (int byte = 0; byte < 16; ++byte) {
    if (pos == 8 || pos == 13 || pos == 18 || pos == 23) {
      if (text[pos] != '-') return false;
      ++pos;
    }
    uint8_t value = 0;
    for (int nibble = 0; nibble < 2; ++nibble, ++pos) {
      char c = text[pos];
      uint8_t digit;
      if (c >= '0' && c <= '9') digit = static_cast<uint8_t>(c - '0');
      else if (c >= 'a' && c <= 'f') digit = static_cast<uint8_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') digit = static_cast<uint8_t>(c - 'A' + 10);
      else return false;  // also stops at a NUL of a short string
      value = static_cast<uint8_t>(value << 4 | digit);
    }
    g.bytes[detail::kGuidDiskPosition[byte]] = value;
  }
  if (text[pos] != '\0') return false;
  *out = g;
  return true;
}

consteval Guid Guid::literal(const char (&text)[kTextLength + 1]) {
  Guid g;
  if (!parse_into(text, &g)) detail::malformed_guid_literal();
  return g;
}

// Partition types Rivet knows by name.
namespace guid {
inline constexpr Guid kEfiSystem = Guid::literal("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
inline constexpr Guid kBasicData = Guid::literal("EBD0A0A2-B9E5-4433-87C0-68B6B72699C7");
inline constexpr Guid kLinuxFilesystem = Guid::literal("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
inline constexpr Guid kLinuxSwap = Guid::literal("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F");
inline constexpr Guid kXbootldr = Guid::literal("BC13C2FF-59E6-4262-A352-B275FD6F7172");
// The SiFive names. The VisionFive 2 boot ROM looks for its SPL by the
// "HiFive BBL" GUID, where SiFive boards keep U-Boot's ITB instead.
inline constexpr Guid kHifiveFsbl = Guid::literal("5B193300-FC78-40CD-8002-E86C45580B47");
inline constexpr Guid kHifiveBbl = Guid::literal("2E54B353-1271-4842-806F-E436D6AF6985");
}  // namespace guid

// Partition attribute bits.
inline constexpr uint64_t kAttrRequired = 1ull << 0;
inline constexpr uint64_t kAttrNoBlockIo = 1ull << 1;
// U-Boot's standard boot scans only partitions carrying this bit.
inline constexpr uint64_t kAttrLegacyBiosBootable = 1ull << 2;

// The layout build_gpt writes.
inline constexpr uint32_t kEntrySize = 128;
inline constexpr uint32_t kEntryCount = 128;
inline constexpr uint64_t kEntryArraySectors = kEntryCount * kEntrySize / kSectorSize;  // 32
inline constexpr uint64_t kFirstUsableLba = 2 + kEntryArraySectors;                        // 34
// Smallest disk build_gpt accepts: both tables and one usable sector.
inline constexpr uint64_t kMinDiskSectors = 2 * (1 + kEntryArraySectors) + 2;            // 68

// Limits the parser enforces before reading an entry array, so a corrupt
// header cannot make it read megabytes. (The spec allows more; no tool writes
// more than 128 entries of 128 bytes by default.)
inline constexpr uint32_t kMaxEntryCount = 1024;
inline constexpr uint32_t kMaxEntrySize = 1024;
// How many used entries a parsed Table holds.
inline constexpr size_t kMaxPartitions = 128;
// A partition name is 36 UTF-16 code units on disk.
inline constexpr size_t kNameLength = 36;

struct Partition {
  uint32_t index = 0;        // slot in the entry array, 0-based; number() is 1-based
  Guid type;
  Guid unique;
  uint64_t first_lba = 0;    // inclusive
  uint64_t last_lba = 0;     // inclusive
  uint64_t attributes = 0;
  char name[kNameLength + 1] = {};  // ASCII; other code units read as '?'

  uint32_t number() const { return index + 1; }  // as Linux and sgdisk count
  uint64_t sectors() const { return last_lba - first_lba + 1; }
  bool bootable() const { return (attributes & kAttrLegacyBiosBootable) != 0; }
};

// The parsed table: the header that validated plus the used entries, in
// entry-array order. About 13 KiB: keep it in static or allocated memory,
// not on a kernel stack.
struct Table {
  Guid disk_guid;
  uint64_t header_lba = 0;   // 1, or the last sector if the primary was bad
  uint64_t first_usable_lba = 0;
  uint64_t last_usable_lba = 0;
  bool used_backup = false;  // the primary header or its entries failed validation
  size_t count = 0;
  Partition partitions[kMaxPartitions];

  // The `nth` (0-based) partition of the given type, in entry order.
  Result<const Partition*> find_by_type(const Guid& type, size_t nth = 0) const;
};

// Reads one 512-byte sector; any error is passed through.
struct SectorReader {
  void* context = nullptr;
  Result<void> (*read)(void* context, uint64_t lba, void* buffer) = nullptr;
};

// Writes one 512-byte sector.
struct SectorWriter {
  void* context = nullptr;
  Result<void> (*write)(void* context, uint64_t lba, const void* buffer) = nullptr;
};

// Reads the partition table of a disk of `disk_sectors` sectors into `*table`.
// Uses the primary header and entries if they validate, else the backup
// header in the last sector and its entries. Errors: Malformed if neither
// copy is valid or the entries are inconsistent (outside the usable range,
// overlapping, first > last); TooBig if more than kMaxPartitions entries are
// used; whatever the reader returns.
Result<void> read_gpt(const SectorReader& disk, uint64_t disk_sectors, Table* table);

// Checks a set of partitions for build_gpt: index < kEntryCount and unique,
// non-zero type, first <= last, inside the usable range of a disk of
// `disk_sectors`, no two overlapping, ASCII names. Error::Invalid otherwise.
Result<void> check_layout(uint64_t disk_sectors, const Partition* partitions, size_t count);

// Writes a protective MBR and both GPT copies (the layout at the top of this
// file), with every CRC set, for the given partitions (each in the slot its
// `index` names). Validates first: on error nothing has been written.
Result<void> build_gpt(const SectorWriter& disk, uint64_t disk_sectors, const Guid& disk_guid,
                       const Partition* partitions, size_t count);

}  // namespace rivet::block

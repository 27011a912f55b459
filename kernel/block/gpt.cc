#include "kernel/block/gpt.h"

namespace rivet::block {

namespace {

// ---- little-endian fields ----------------------------------------------------
// GPT is little-endian on every machine; going through bytes also keeps the
// code free of unaligned loads.

uint16_t load16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

uint32_t load32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

uint64_t load64(const uint8_t* p) {
  return static_cast<uint64_t>(load32(p)) | static_cast<uint64_t>(load32(p + 4)) << 32;
}

void store16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

void store32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

void store64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// ---- CRC-32 -------------------------------------------------------------------

struct CrcTable {
  uint32_t entries[256];
};

constexpr CrcTable make_crc_table() {
  CrcTable table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    table.entries[i] = c;
  }
  return table;
}

constexpr CrcTable kCrcTable = make_crc_table();

// ---- on-disk structures (UEFI spec, tables 5-5 and 5-6) ---------------------

constexpr uint8_t kSignature[8] = {'E', 'F', 'I', ' ', 'P', 'A', 'R', 'T'};
constexpr uint32_t kRevision = 0x00010000;  // 1.0
constexpr uint32_t kHeaderSize = 92;

namespace header {
constexpr size_t kSignatureOffset = 0;
constexpr size_t kRevision = 8;
constexpr size_t kHeaderSize = 12;
constexpr size_t kHeaderCrc = 16;
constexpr size_t kMyLba = 24;
constexpr size_t kAlternateLba = 32;
constexpr size_t kFirstUsableLba = 40;
constexpr size_t kLastUsableLba = 48;
constexpr size_t kDiskGuid = 56;
constexpr size_t kEntryLba = 72;
constexpr size_t kEntryCount = 80;
constexpr size_t kEntrySize = 84;
constexpr size_t kEntriesCrc = 88;
}  // namespace header

namespace entry {
constexpr size_t kTypeGuid = 0;
constexpr size_t kUniqueGuid = 16;
constexpr size_t kFirstLba = 32;
constexpr size_t kLastLba = 40;
constexpr size_t kAttributes = 48;
constexpr size_t kName = 56;  // 36 UTF-16LE code units
}  // namespace entry

// Protective MBR: one partition record of type 0xEE covering the disk.
constexpr size_t kMbrPartitionRecord = 446;
constexpr uint8_t kMbrTypeGpt = 0xEE;

// What the parser keeps from a header that validated.
struct Header {
  uint64_t my_lba;
  uint64_t first_usable;
  uint64_t last_usable;
  uint64_t entry_lba;
  uint32_t entry_count;
  uint32_t entry_size;
  uint32_t entries_crc;
  Guid disk_guid;
};

Guid load_guid(const uint8_t* p) {
  Guid g;
  __builtin_memcpy(g.bytes, p, sizeof g.bytes);
  return g;
}

uint64_t sectors_for_bytes(uint64_t bytes) { return (bytes + kSectorSize - 1) / kSectorSize; }

bool ranges_overlap(uint64_t first_a, uint64_t last_a, uint64_t first_b, uint64_t last_b) {
  return first_a <= last_b && first_b <= last_a;
}

// Validates the header in `sector`, which was read from `lba`. Checks every
// field the parser later relies on, so that nothing afterwards reads outside
// the disk or more than kMaxEntryCount * kMaxEntrySize bytes.
Result<Header> check_header(const uint8_t* sector, uint64_t lba, uint64_t disk_sectors) {
  if (__builtin_memcmp(sector + header::kSignatureOffset, kSignature, sizeof kSignature) != 0)
    return Error::Malformed;
  // Only the major revision matters: a 1.x header has the 1.0 layout.
  if (load32(sector + header::kRevision) >> 16 != kRevision >> 16) return Error::Malformed;
  uint32_t header_size = load32(sector + header::kHeaderSize);
  if (header_size < kHeaderSize || header_size > kSectorSize) return Error::Malformed;

  uint8_t copy[kSectorSize];
  __builtin_memcpy(copy, sector, header_size);
  store32(copy + header::kHeaderCrc, 0);
  if (crc32(copy, header_size) != load32(sector + header::kHeaderCrc)) return Error::Malformed;

  Header h;
  h.my_lba = load64(sector + header::kMyLba);
  h.first_usable = load64(sector + header::kFirstUsableLba);
  h.last_usable = load64(sector + header::kLastUsableLba);
  h.entry_lba = load64(sector + header::kEntryLba);
  h.entry_count = load32(sector + header::kEntryCount);
  h.entry_size = load32(sector + header::kEntrySize);
  h.entries_crc = load32(sector + header::kEntriesCrc);
  h.disk_guid = load_guid(sector + header::kDiskGuid);

  if (h.my_lba != lba) return Error::Malformed;
  // The usable range excludes the MBR, the primary header and the last
  // sector (the backup header of a disk that has not grown since).
  if (h.first_usable < 2 || h.first_usable > h.last_usable || h.last_usable > disk_sectors - 2)
    return Error::Malformed;
  if (h.entry_size < kEntrySize || h.entry_size % kEntrySize != 0 || h.entry_size > kMaxEntrySize)
    return Error::Malformed;
  if (h.entry_count > kMaxEntryCount) return Error::Malformed;

  // The entry array: inside the disk, clear of the MBR, of this header and
  // of the usable range. Both factors are bounded, so the product is small.
  uint64_t array_sectors =
      sectors_for_bytes(static_cast<uint64_t>(h.entry_count) * h.entry_size);
  if (array_sectors > 0) {
    if (h.entry_lba < 1 || h.entry_lba >= disk_sectors || array_sectors > disk_sectors - h.entry_lba)
      return Error::Malformed;
    uint64_t array_last = h.entry_lba + array_sectors - 1;
    if (ranges_overlap(h.entry_lba, array_last, h.my_lba, h.my_lba)) return Error::Malformed;
    if (ranges_overlap(h.entry_lba, array_last, h.first_usable, h.last_usable))
      return Error::Malformed;
  }
  return h;
}

void decode_name(const uint8_t* utf16, char (&name)[kNameLength + 1]) {
  size_t i = 0;
  for (; i < kNameLength; ++i) {
    uint16_t c = load16(utf16 + 2 * i);
    if (c == 0) break;
    name[i] = (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  name[i] = '\0';
}

// Adds the entry in slot `index` to the table if it is in use.
Result<void> add_entry(const uint8_t* raw, uint32_t index, const Header& h, Table* table) {
  Guid type = load_guid(raw + entry::kTypeGuid);
  if (type.is_zero()) return {};  // unused slot
  if (table->count == kMaxPartitions) return Error::TooBig;

  Partition& p = table->partitions[table->count];
  p.index = index;
  p.type = type;
  p.unique = load_guid(raw + entry::kUniqueGuid);
  p.first_lba = load64(raw + entry::kFirstLba);
  p.last_lba = load64(raw + entry::kLastLba);
  p.attributes = load64(raw + entry::kAttributes);
  decode_name(raw + entry::kName, p.name);
  if (p.first_lba > p.last_lba || p.first_lba < h.first_usable || p.last_lba > h.last_usable)
    return Error::Malformed;
  ++table->count;
  return {};
}

// Streams the entry array through the CRC and the table. Entries may
// straddle sectors when the entry size is not a divisor of 512; only the
// first 128 bytes of each entry are meaningful to this revision.
Result<void> read_entries(const SectorReader& disk, const Header& h, Table* table) {
  uint8_t sector[kSectorSize];
  uint8_t raw[kEntrySize];
  uint64_t total = static_cast<uint64_t>(h.entry_count) * h.entry_size;
  uint64_t offset = 0;
  uint32_t crc = 0;
  // The first inconsistency found; reported only if the CRC matches, since
  // with a bad CRC the entries are garbage and Malformed says it best.
  Error entry_error = Error::None;

  for (uint64_t lba = h.entry_lba; offset < total; ++lba) {
    TRY(disk.read(disk.context, lba, sector));
    size_t n = total - offset < kSectorSize ? static_cast<size_t>(total - offset) : kSectorSize;
    crc = crc32(sector, n, crc);
    size_t i = 0;
    while (i < n) {
      uint64_t position = offset + i;
      uint32_t in_entry = static_cast<uint32_t>(position % h.entry_size);
      size_t left_in_sector = n - i;
      if (in_entry < kEntrySize) {
        size_t take = kEntrySize - in_entry;
        if (take > left_in_sector) take = left_in_sector;
        __builtin_memcpy(raw + in_entry, sector + i, take);
        i += take;
        if (in_entry + take == kEntrySize && entry_error == Error::None) {
          auto added = add_entry(raw, static_cast<uint32_t>(position / h.entry_size), h, table);
          if (!added.ok()) entry_error = added.error();
        }
      } else {
        size_t skip = h.entry_size - in_entry;
        i += skip < left_in_sector ? skip : left_in_sector;
      }
    }
    offset += n;
  }

  if (crc != h.entries_crc) return Error::Malformed;
  if (entry_error != Error::None) return entry_error;
  for (size_t a = 0; a < table->count; ++a) {
    for (size_t b = a + 1; b < table->count; ++b) {
      const Partition& pa = table->partitions[a];
      const Partition& pb = table->partitions[b];
      if (ranges_overlap(pa.first_lba, pa.last_lba, pb.first_lba, pb.last_lba))
        return Error::Malformed;
    }
  }
  return {};
}

// Reads and validates one copy of the table (header at `lba`).
Result<void> read_copy(const SectorReader& disk, uint64_t disk_sectors, uint64_t lba,
                       Table* table) {
  uint8_t sector[kSectorSize];
  TRY(disk.read(disk.context, lba, sector));
  Header h = TRY(check_header(sector, lba, disk_sectors));
  table->count = 0;
  TRY(read_entries(disk, h, table));
  table->disk_guid = h.disk_guid;
  table->header_lba = lba;
  table->first_usable_lba = h.first_usable;
  table->last_usable_lba = h.last_usable;
  return {};
}

// ---- building ---------------------------------------------------------------

void encode_entry(const Partition& p, uint8_t* raw) {
  __builtin_memcpy(raw + entry::kTypeGuid, p.type.bytes, 16);
  __builtin_memcpy(raw + entry::kUniqueGuid, p.unique.bytes, 16);
  store64(raw + entry::kFirstLba, p.first_lba);
  store64(raw + entry::kLastLba, p.last_lba);
  store64(raw + entry::kAttributes, p.attributes);
  for (size_t i = 0; i < kNameLength && p.name[i] != '\0'; ++i)
    store16(raw + entry::kName + 2 * i, static_cast<uint8_t>(p.name[i]));
}

// Sector `k` (0-based) of the entry array: entries 4k .. 4k+3.
void fill_entry_sector(uint64_t k, const Partition* partitions, size_t count, uint8_t* sector) {
  constexpr uint32_t kPerSector = kSectorSize / kEntrySize;
  __builtin_memset(sector, 0, kSectorSize);
  for (size_t i = 0; i < count; ++i) {
    uint32_t index = partitions[i].index;
    if (index / kPerSector == k) encode_entry(partitions[i], sector + (index % kPerSector) * kEntrySize);
  }
}

void fill_header(uint8_t* sector, uint64_t my_lba, uint64_t alternate_lba, uint64_t entry_lba,
                 uint64_t disk_sectors, const Guid& disk_guid, uint32_t entries_crc) {
  __builtin_memset(sector, 0, kSectorSize);
  __builtin_memcpy(sector + header::kSignatureOffset, kSignature, sizeof kSignature);
  store32(sector + header::kRevision, kRevision);
  store32(sector + header::kHeaderSize, kHeaderSize);
  store64(sector + header::kMyLba, my_lba);
  store64(sector + header::kAlternateLba, alternate_lba);
  store64(sector + header::kFirstUsableLba, kFirstUsableLba);
  store64(sector + header::kLastUsableLba, disk_sectors - 2 - kEntryArraySectors);
  __builtin_memcpy(sector + header::kDiskGuid, disk_guid.bytes, 16);
  store64(sector + header::kEntryLba, entry_lba);
  store32(sector + header::kEntryCount, kEntryCount);
  store32(sector + header::kEntrySize, kEntrySize);
  store32(sector + header::kEntriesCrc, entries_crc);
  store32(sector + header::kHeaderCrc, crc32(sector, kHeaderSize));
}

void fill_protective_mbr(uint8_t* sector, uint64_t disk_sectors) {
  __builtin_memset(sector, 0, kSectorSize);
  uint8_t* record = sector + kMbrPartitionRecord;
  record[0] = 0x00;  // not active
  record[1] = 0x00;  // starting CHS 0/0/2, i.e. LBA 1
  record[2] = 0x02;
  record[3] = 0x00;
  record[4] = kMbrTypeGpt;
  record[5] = 0xFF;  // ending CHS: "not representable", as the spec allows
  record[6] = 0xFF;
  record[7] = 0xFF;
  store32(record + 8, 1);
  uint64_t size = disk_sectors - 1;
  store32(record + 12, size > 0xFFFFFFFFu ? 0xFFFFFFFFu : static_cast<uint32_t>(size));
  sector[510] = 0x55;
  sector[511] = 0xAA;
}

Result<void> write_entry_array(const SectorWriter& disk, uint64_t lba, const Partition* partitions,
                               size_t count) {
  uint8_t sector[kSectorSize];
  for (uint64_t k = 0; k < kEntryArraySectors; ++k) {
    fill_entry_sector(k, partitions, count, sector);
    TRY(disk.write(disk.context, lba + k, sector));
  }
  return {};
}

}  // namespace

// ---- public interface ---------------------------------------------------------

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint32_t c = ~crc;
  for (size_t i = 0; i < size; ++i) c = kCrcTable.entries[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return ~c;
}

Result<Guid> Guid::parse(const char* text) {
  Guid g;
  if (text == nullptr || !parse_into(text, &g)) return Error::Invalid;
  return g;
}

void Guid::format(char (&out)[kTextLength + 1]) const {
  constexpr char kHex[] = "0123456789ABCDEF";
  size_t pos = 0;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out[pos++] = '-';
    uint8_t b = bytes[detail::kGuidDiskPosition[i]];
    out[pos++] = kHex[b >> 4];
    out[pos++] = kHex[b & 0xF];
  }
  out[pos] = '\0';
}

bool Guid::is_zero() const {
  for (uint8_t b : bytes)
    if (b != 0) return false;
  return true;
}

Result<const Partition*> Table::find_by_type(const Guid& type, size_t nth) const {
  for (size_t i = 0; i < count; ++i) {
    if (partitions[i].type == type) {
      if (nth == 0) return &partitions[i];
      --nth;
    }
  }
  return Error::NotFound;
}

Result<void> read_gpt(const SectorReader& disk, uint64_t disk_sectors, Table* table) {
  table->count = 0;
  if (disk_sectors < 3) return Error::Malformed;
  auto primary = read_copy(disk, disk_sectors, 1, table);
  if (primary.ok()) {
    table->used_backup = false;
    return {};
  }
  auto backup = read_copy(disk, disk_sectors, disk_sectors - 1, table);
  if (backup.ok()) {
    table->used_backup = true;
    return {};
  }
  table->count = 0;
  // A specific failure of the primary (I/O, too many partitions) says more
  // than the backup's; a corrupt primary says less than whatever the backup hit.
  return primary.error() != Error::Malformed ? primary.error() : backup.error();
}

Result<void> check_layout(uint64_t disk_sectors, const Partition* partitions, size_t count) {
  if (disk_sectors < kMinDiskSectors) return Error::Invalid;
  if (count > kEntryCount) return Error::Invalid;
  uint64_t last_usable = disk_sectors - 2 - kEntryArraySectors;
  for (size_t i = 0; i < count; ++i) {
    const Partition& p = partitions[i];
    if (p.index >= kEntryCount || p.type.is_zero()) return Error::Invalid;
    if (p.first_lba > p.last_lba || p.first_lba < kFirstUsableLba || p.last_lba > last_usable)
      return Error::Invalid;
    bool terminated = false;
    for (char c : p.name) {
      if (c == '\0') {
        terminated = true;
        break;
      }
      if (c < 0x20 || c > 0x7e) return Error::Invalid;
    }
    if (!terminated) return Error::Invalid;
    for (size_t j = 0; j < i; ++j) {
      const Partition& q = partitions[j];
      if (q.index == p.index) return Error::Invalid;
      if (ranges_overlap(p.first_lba, p.last_lba, q.first_lba, q.last_lba)) return Error::Invalid;
    }
  }
  return {};
}

Result<void> build_gpt(const SectorWriter& disk, uint64_t disk_sectors, const Guid& disk_guid,
                       const Partition* partitions, size_t count) {
  TRY(check_layout(disk_sectors, partitions, count));

  uint8_t sector[kSectorSize];
  uint32_t entries_crc = 0;
  for (uint64_t k = 0; k < kEntryArraySectors; ++k) {
    fill_entry_sector(k, partitions, count, sector);
    entries_crc = crc32(sector, kSectorSize, entries_crc);
  }

  uint64_t backup_header = disk_sectors - 1;
  uint64_t backup_entries = backup_header - kEntryArraySectors;

  // Entry arrays before the headers that vouch for them, so that a write
  // interrupted half-way leaves headers that fail validation rather than
  // headers that describe garbage.
  fill_protective_mbr(sector, disk_sectors);
  TRY(disk.write(disk.context, 0, sector));
  TRY(write_entry_array(disk, 2, partitions, count));
  TRY(write_entry_array(disk, backup_entries, partitions, count));
  fill_header(sector, 1, backup_header, 2, disk_sectors, disk_guid, entries_crc);
  TRY(disk.write(disk.context, 1, sector));
  fill_header(sector, backup_header, 1, backup_entries, disk_sectors, disk_guid, entries_crc);
  TRY(disk.write(disk.context, backup_header, sector));
  return {};
}

}  // namespace rivet::block

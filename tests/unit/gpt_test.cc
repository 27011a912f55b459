// Tests of the GPT reader and writer in kernel/block/gpt.cc, on in-memory
// disks and, as an outside opinion, on disks made and checked by sgdisk.
#include "kernel/block/gpt.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace rivet::block {
namespace {

// ---- helpers -------------------------------------------------------------------

// A disk in memory that counts how many sectors were read.
struct MemoryDisk {
  explicit MemoryDisk(uint64_t sectors) : bytes(sectors * kSectorSize, 0) {}

  uint64_t sectors() const { return bytes.size() / kSectorSize; }
  uint8_t* sector(uint64_t lba) { return bytes.data() + lba * kSectorSize; }

  SectorReader reader() {
    return {this, [](void* ctx, uint64_t lba, void* buf) -> Result<void> {
              auto* disk = static_cast<MemoryDisk*>(ctx);
              ++disk->reads;
              if (lba >= disk->sectors()) return Error::Io;
              memcpy(buf, disk->sector(lba), kSectorSize);
              return {};
            }};
  }

  SectorWriter writer() {
    return {this, [](void* ctx, uint64_t lba, const void* buf) -> Result<void> {
              auto* disk = static_cast<MemoryDisk*>(ctx);
              if (lba >= disk->sectors()) return Error::Io;
              memcpy(disk->sector(lba), buf, kSectorSize);
              return {};
            }};
  }

  std::vector<uint8_t> bytes;
  uint64_t reads = 0;
};

uint32_t get32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24; }
uint64_t get64(const uint8_t* p) { return get32(p) | uint64_t(get32(p + 4)) << 32; }
void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> 8 * i);
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> 8 * i);
}

Guid guid(const char* text) {
  auto g = Guid::parse(text);
  EXPECT_TRUE(g.ok()) << text;
  return g.ok() ? *g : Guid{};
}

std::string text(const Guid& g) {
  char out[Guid::kTextLength + 1];
  g.format(out);
  return out;
}

Partition part(uint32_t index, const Guid& type, const char* unique, uint64_t first, uint64_t last,
               uint64_t attributes, const char* name) {
  Partition p;
  p.index = index;
  p.type = type;
  p.unique = guid(unique);
  p.first_lba = first;
  p.last_lba = last;
  p.attributes = attributes;
  snprintf(p.name, sizeof p.name, "%s", name);
  return p;
}

const Guid kDiskGuid = Guid::literal("5E7A6B2C-1D3F-4A5B-8C9D-0E1F2A3B4C5D");

// Three partitions as a board image has them, with a hole in the slots.
std::vector<Partition> sample_partitions() {
  return {
      part(0, guid::kEfiSystem, "11111111-2222-4333-8444-555555555555", 16384, 24575,
           kAttrLegacyBiosBootable, "boot"),
      part(1, guid::kLinuxFilesystem, "AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE", 24576, 32767, 0,
           "root"),
      part(5, guid::kLinuxSwap, "01234567-89AB-4CDE-8F01-23456789ABCD", 32768, 36000,
           0x8000000000000000ull, "swap"),
  };
}

constexpr uint64_t kSampleSectors = 40960;  // 20 MiB

MemoryDisk sample_disk() {
  MemoryDisk disk(kSampleSectors);
  auto parts = sample_partitions();
  EXPECT_TRUE(build_gpt(disk.writer(), disk.sectors(), kDiskGuid, parts.data(), parts.size()).ok());
  return disk;
}

void expect_same(const Partition& a, const Partition& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(text(a.type), text(b.type));
  EXPECT_EQ(text(a.unique), text(b.unique));
  EXPECT_EQ(a.first_lba, b.first_lba);
  EXPECT_EQ(a.last_lba, b.last_lba);
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_STREQ(a.name, b.name);
}

void expect_sample(const Table& table) {
  auto parts = sample_partitions();
  ASSERT_EQ(table.count, parts.size());
  for (size_t i = 0; i < parts.size(); ++i) expect_same(table.partitions[i], parts[i]);
  EXPECT_EQ(text(table.disk_guid), text(kDiskGuid));
}

// Header offsets used to corrupt or hand-craft tables.
constexpr size_t kHdrSize = 12, kHdrCrc = 16, kHdrMyLba = 24, kHdrFirstUsable = 40,
                 kHdrLastUsable = 48, kHdrEntryLba = 72, kHdrEntryCount = 80,
                 kHdrEntrySize = 84, kHdrEntriesCrc = 88;

// Recomputes the entries CRC and header CRC of the header at `lba`, so a
// deliberately inconsistent table still passes the checksums.
void reseal(MemoryDisk& disk, uint64_t lba) {
  uint8_t* h = disk.sector(lba);
  uint64_t entry_lba = get64(h + kHdrEntryLba);
  uint64_t bytes = uint64_t(get32(h + kHdrEntryCount)) * get32(h + kHdrEntrySize);
  if (entry_lba < disk.sectors() && bytes <= (disk.sectors() - entry_lba) * kSectorSize)
    put32(h + kHdrEntriesCrc, crc32(disk.sector(entry_lba), bytes));
  uint32_t size = get32(h + kHdrSize);
  if (size > kSectorSize) size = kSectorSize;
  put32(h + kHdrCrc, 0);
  put32(h + kHdrCrc, crc32(h, size));
}

// Applies `edit` to the header at `lba` and reseals it.
void edit_header(MemoryDisk& disk, uint64_t lba, const std::function<void(uint8_t*)>& edit) {
  edit(disk.sector(lba));
  reseal(disk, lba);
}

// Applies `edit` to entry `index` of both entry arrays and reseals both headers.
void edit_entry(MemoryDisk& disk, uint32_t index, const std::function<void(uint8_t*)>& edit) {
  for (uint64_t lba : {uint64_t{1}, disk.sectors() - 1}) {
    uint64_t entry_lba = get64(disk.sector(lba) + kHdrEntryLba);
    edit(disk.sector(entry_lba) + index * kEntrySize);
    reseal(disk, lba);
  }
}

// Runs a shell command; returns its exit status (-1 if it did not exit).
int run(const std::string& command) {
  int status = system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string find_sgdisk() {
  std::string path = getenv("PATH") ? getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/local/sbin";  // not always on a user's PATH
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string candidate = path.substr(start, end - start) + "/sgdisk";
    if (end > start && access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// A temporary directory removed with everything in it.
struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/rivet-gpt-test-XXXXXX";
    path = mkdtemp(pattern) ? pattern : "";
  }
  ~TempDir() {
    if (!path.empty()) run("rm -rf '" + path + "'");
  }
  std::string path;
};

MemoryDisk load_file(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return MemoryDisk(0);
  MemoryDisk disk(st.st_size / kSectorSize);
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(disk.bytes.data()), disk.bytes.size());
  return disk;
}

std::string capture(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

// ---- CRC-32 and GUIDs ---------------------------------------------------------

TEST(Crc32, KnownVectors) {
  // Proves crc32 is the IEEE CRC-32 GPT uses, whole and in pieces.
  EXPECT_EQ(crc32("123456789", 9), 0xCBF43926u);
  EXPECT_EQ(crc32("", 0), 0u);
  EXPECT_EQ(crc32("a", 1), 0xE8B7BE43u);
  const char* fox = "The quick brown fox jumps over the lazy dog";
  EXPECT_EQ(crc32(fox, strlen(fox)), 0x414FA339u);
  EXPECT_EQ(crc32(fox + 10, strlen(fox) - 10, crc32(fox, 10)), 0x414FA339u);
}

TEST(Guid, TextRoundTripAndDiskByteOrder) {
  // Proves GUID text parses into GPT's mixed-endian bytes and formats back unchanged.
  Guid g = guid("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
  const uint8_t expected[16] = {0xAF, 0x3D, 0xC6, 0x0F, 0x83, 0x84, 0x72, 0x47,
                                0x8E, 0x79, 0x3D, 0x69, 0xD8, 0x47, 0x7D, 0xE4};
  EXPECT_EQ(memcmp(g.bytes, expected, 16), 0);
  EXPECT_EQ(text(g), "0FC63DAF-8483-4772-8E79-3D69D8477DE4");
  EXPECT_EQ(g, guid::kLinuxFilesystem);
  EXPECT_EQ(guid("c12a7328-f81f-11d2-ba4b-00a0c93ec93b"), guid::kEfiSystem);
  EXPECT_TRUE(Guid{}.is_zero());
  EXPECT_FALSE(g.is_zero());
}

TEST(Guid, MalformedTextRejected) {
  // Proves the GUID parser rejects every wrong length, separator and digit.
  for (const char* bad : {"", "0FC63DAF-8483-4772-8E79-3D69D8477DE", "0FC63DAF-8483-4772-8E79-3D69D8477DE4F",
                          "0FC63DAF+8483-4772-8E79-3D69D8477DE4", "0FC63DAF-8483-4772-8E793-D69D8477DE4",
                          "0FC63DAG-8483-4772-8E79-3D69D8477DE4", "{0FC63DAF-8483-4772-8E79-3D69D8477DE4}"}) {
    auto r = Guid::parse(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error(), Error::Invalid);
    }
  }
  EXPECT_FALSE(Guid::parse(nullptr).ok());
}

// ---- building and reading ----------------------------------------------------

TEST(Gpt, BuildThenReadRoundTrip) {
  // Proves a table written by build_gpt reads back with every field intact from the primary copy.
  MemoryDisk disk = sample_disk();
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  expect_sample(table);
  EXPECT_FALSE(table.used_backup);
  EXPECT_EQ(table.header_lba, 1u);
  EXPECT_EQ(table.first_usable_lba, 34u);
  EXPECT_EQ(table.last_usable_lba, kSampleSectors - 34);
  EXPECT_EQ(table.partitions[1].number(), 2u);
  EXPECT_EQ(table.partitions[2].number(), 6u);
  EXPECT_TRUE(table.partitions[0].bootable());
  EXPECT_EQ(table.partitions[0].sectors(), 8192u);
}

TEST(Gpt, WrittenLayoutMatchesSpec) {
  // Proves the protective MBR and both headers sit where the UEFI spec puts them.
  MemoryDisk disk = sample_disk();
  const uint8_t* mbr = disk.sector(0);
  EXPECT_EQ(mbr[510], 0x55);
  EXPECT_EQ(mbr[511], 0xAA);
  EXPECT_EQ(mbr[446 + 4], 0xEE);
  EXPECT_EQ(get32(mbr + 446 + 8), 1u);
  EXPECT_EQ(get32(mbr + 446 + 12), kSampleSectors - 1);
  const uint8_t* primary = disk.sector(1);
  const uint8_t* backup = disk.sector(kSampleSectors - 1);
  EXPECT_EQ(memcmp(primary, "EFI PART", 8), 0);
  EXPECT_EQ(get64(primary + kHdrMyLba), 1u);
  EXPECT_EQ(get64(primary + 32), kSampleSectors - 1);
  EXPECT_EQ(get64(primary + kHdrEntryLba), 2u);
  EXPECT_EQ(get64(backup + kHdrMyLba), kSampleSectors - 1);
  EXPECT_EQ(get64(backup + 32), 1u);
  EXPECT_EQ(get64(backup + kHdrEntryLba), kSampleSectors - 33);
  EXPECT_EQ(memcmp(disk.sector(2), disk.sector(kSampleSectors - 33), 32 * kSectorSize), 0);
}

TEST(Gpt, FindByType) {
  // Proves find_by_type returns the n-th partition of a type and NotFound past the last.
  MemoryDisk disk = sample_disk();
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  auto root = table.find_by_type(guid::kLinuxFilesystem);
  ASSERT_TRUE(root.ok());
  EXPECT_STREQ((*root)->name, "root");
  auto swap = table.find_by_type(guid::kLinuxSwap);
  ASSERT_TRUE(swap.ok());
  EXPECT_EQ((*swap)->first_lba, 32768u);
  auto second_root = table.find_by_type(guid::kLinuxFilesystem, 1);
  ASSERT_FALSE(second_root.ok());
  EXPECT_EQ(second_root.error(), Error::NotFound);
  EXPECT_FALSE(table.find_by_type(guid::kXbootldr).ok());
}

TEST(Gpt, CorruptPrimaryHeaderFallsBackToBackup) {
  // Proves a primary header with a bad CRC is ignored in favour of the backup at the last sector.
  MemoryDisk disk = sample_disk();
  disk.sector(1)[60] ^= 0x01;  // a disk-GUID bit: the header CRC no longer matches
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  EXPECT_TRUE(table.used_backup);
  EXPECT_EQ(table.header_lba, kSampleSectors - 1);
  expect_sample(table);
}

TEST(Gpt, WipedPrimaryFallsBackToBackup) {
  // Proves a disk whose first 34 sectors were zeroed still reads from its backup table.
  MemoryDisk disk = sample_disk();
  memset(disk.sector(0), 0, 34 * kSectorSize);
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  EXPECT_TRUE(table.used_backup);
  expect_sample(table);
}

TEST(Gpt, BadPrimaryEntryCrcFallsBackToBackup) {
  // Proves a primary entry array that fails its CRC is not trusted and the backup copy is used.
  MemoryDisk disk = sample_disk();
  disk.sector(2)[32] ^= 0x10;  // first_lba of partition 1 in the primary array
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  EXPECT_TRUE(table.used_backup);
  expect_sample(table);
}

TEST(Gpt, BothCopiesCorruptIsMalformed) {
  // Proves that with both headers corrupt the reader fails with Malformed and an empty table.
  MemoryDisk disk = sample_disk();
  disk.sector(1)[0] = 'X';
  disk.sector(kSampleSectors - 1)[20 + 4] ^= 0x80;  // my_lba, under the CRC
  Table table;
  auto r = read_gpt(disk.reader(), disk.sectors(), &table);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::Malformed);
  EXPECT_EQ(table.count, 0u);
}

TEST(Gpt, BothEntryArraysCorruptIsMalformed) {
  // Proves bad entry CRCs in both copies are detected even though both headers are intact.
  MemoryDisk disk = sample_disk();
  disk.sector(2)[100] ^= 1;
  disk.sector(kSampleSectors - 33)[100] ^= 1;
  Table table;
  auto r = read_gpt(disk.reader(), disk.sectors(), &table);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::Malformed);
}

TEST(Gpt, EmptyDiskIsMalformed) {
  // Proves a disk without any GPT is reported as Malformed, including disks too small to hold one.
  MemoryDisk disk(1000);
  Table table;
  EXPECT_EQ(read_gpt(disk.reader(), disk.sectors(), &table).error(), Error::Malformed);
  MemoryDisk tiny(2);
  EXPECT_EQ(read_gpt(tiny.reader(), tiny.sectors(), &table).error(), Error::Malformed);
}

TEST(Gpt, ReaderErrorsPropagate) {
  // Proves an I/O error from the sector callback reaches the caller instead of being called corruption.
  MemoryDisk disk = sample_disk();
  SectorReader failing{&disk, [](void*, uint64_t, void*) -> Result<void> { return Error::Io; }};
  Table table;
  EXPECT_EQ(read_gpt(failing, disk.sectors(), &table).error(), Error::Io);
}

TEST(Gpt, OverlappingPartitionsRejected) {
  // Proves overlapping partitions are refused by the builder and, with valid CRCs, by the reader.
  auto parts = sample_partitions();
  parts[1].first_lba = parts[0].last_lba;  // shares one sector with "boot"
  MemoryDisk disk(kSampleSectors);
  EXPECT_EQ(build_gpt(disk.writer(), disk.sectors(), kDiskGuid, parts.data(), parts.size()).error(),
            Error::Invalid);
  EXPECT_EQ(disk.reads, 0u);
  std::vector<uint8_t> zeros(disk.bytes.size(), 0);
  EXPECT_EQ(disk.bytes, zeros) << "build_gpt wrote despite an invalid layout";

  MemoryDisk sealed = sample_disk();
  edit_entry(sealed, 1, [](uint8_t* e) { put64(e + 32, 24575); });
  Table table;
  EXPECT_EQ(read_gpt(sealed.reader(), sealed.sectors(), &table).error(), Error::Malformed);

  // A partition inside another, in the opposite entry order.
  MemoryDisk nested = sample_disk();
  edit_entry(nested, 0, [](uint8_t* e) {
    put64(e + 32, 30000);
    put64(e + 40, 30010);
  });
  EXPECT_EQ(read_gpt(nested.reader(), nested.sectors(), &table).error(), Error::Malformed);
}

TEST(Gpt, PartitionsOutsideUsableRangeRejected) {
  // Proves partitions reaching into the tables, or ending before they start, are refused both ways.
  struct Case {
    uint64_t first, last;
  };
  for (Case c : {Case{33, 100}, Case{1000, kSampleSectors - 33}, Case{2000, 1999},
                 Case{0, 10}, Case{kSampleSectors, kSampleSectors + 10}}) {
    std::vector<Partition> parts = {sample_partitions()[2]};  // alone: no overlap to find
    parts[0].first_lba = c.first;
    parts[0].last_lba = c.last;
    MemoryDisk disk(kSampleSectors);
    EXPECT_EQ(build_gpt(disk.writer(), disk.sectors(), kDiskGuid, parts.data(), parts.size()).error(),
              Error::Invalid)
        << c.first << ".." << c.last;

    MemoryDisk sealed = sample_disk();
    edit_entry(sealed, 5, [c](uint8_t* e) {
      put64(e + 32, c.first);
      put64(e + 40, c.last);
    });
    Table table;
    EXPECT_EQ(read_gpt(sealed.reader(), sealed.sectors(), &table).error(), Error::Malformed)
        << c.first << ".." << c.last;
  }
}

TEST(Gpt, AbsurdEntryGeometryRejectedWithoutLargeReads) {
  // Proves huge or odd entry counts, sizes and array positions fail after reading only the two headers.
  struct Case {
    const char* what;
    std::function<void(uint8_t*)> edit;
  };
  const Case cases[] = {
      {"count 2^32-1", [](uint8_t* h) { put32(h + kHdrEntryCount, 0xFFFFFFFF); }},
      {"count 1025", [](uint8_t* h) { put32(h + kHdrEntryCount, 1025); }},
      {"size 2^31", [](uint8_t* h) { put32(h + kHdrEntrySize, 0x80000000); }},
      {"size 2048", [](uint8_t* h) { put32(h + kHdrEntrySize, 2048); }},
      {"size 100", [](uint8_t* h) { put32(h + kHdrEntrySize, 100); }},
      {"size 0", [](uint8_t* h) { put32(h + kHdrEntrySize, 0); }},
      {"array past end", [](uint8_t* h) { put64(h + kHdrEntryLba, kSampleSectors - 10); }},
      {"array at 2^64-1", [](uint8_t* h) { put64(h + kHdrEntryLba, ~0ull); }},
      {"array in usable range", [](uint8_t* h) { put64(h + kHdrEntryLba, 5000); }},
      {"array over the header", [](uint8_t* h) { put64(h + kHdrEntryLba, get64(h + kHdrMyLba)); }},
      {"usable past end", [](uint8_t* h) { put64(h + kHdrLastUsable, kSampleSectors); }},
      {"usable inverted", [](uint8_t* h) { put64(h + kHdrFirstUsable, get64(h + kHdrLastUsable) + 1); }},
      {"usable over MBR", [](uint8_t* h) { put64(h + kHdrFirstUsable, 0); }},
      {"header size 91", [](uint8_t* h) { put32(h + kHdrSize, 91); }},
      {"header size 513", [](uint8_t* h) { put32(h + kHdrSize, 513); }},
      {"revision 2.0", [](uint8_t* h) { put32(h + 8, 0x00020000); }},
      {"my_lba wrong", [](uint8_t* h) { put64(h + kHdrMyLba, get64(h + kHdrMyLba) + 1); }},
  };
  for (const Case& c : cases) {
    MemoryDisk disk = sample_disk();
    edit_header(disk, 1, c.edit);
    edit_header(disk, kSampleSectors - 1, c.edit);
    disk.reads = 0;
    Table table;
    auto r = read_gpt(disk.reader(), disk.sectors(), &table);
    ASSERT_FALSE(r.ok()) << c.what;
    EXPECT_EQ(r.error(), Error::Malformed) << c.what;
    EXPECT_EQ(disk.reads, 2u) << c.what;
  }
}

TEST(Gpt, LargestAcceptedGeometryIsBounded) {
  // Proves the biggest entry array the reader accepts (1024 x 1024 bytes) costs at most 2048 sector reads.
  MemoryDisk disk = sample_disk();
  // Stretch the primary array to 1024 entries of 1 KiB: sectors 2..2049.
  edit_header(disk, 1, [](uint8_t* h) {
    put32(h + kHdrEntryCount, 1024);
    put32(h + kHdrEntrySize, 1024);
    put64(h + kHdrFirstUsable, 2 + 2048);
  });
  disk.reads = 0;
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  EXPECT_FALSE(table.used_backup);
  // Slots are now 1 KiB apart: slot 0 is still "boot", the rest are zero.
  ASSERT_EQ(table.count, 1u);
  EXPECT_STREQ(table.partitions[0].name, "boot");
  EXPECT_LE(disk.reads, 1u + 2048u);
}

TEST(Gpt, EntriesStraddlingSectors) {
  // Proves 384-byte entries, which cross sector boundaries, are assembled correctly.
  MemoryDisk disk(4096);
  uint8_t* h = disk.sector(1);
  memcpy(h, "EFI PART", 8);
  put32(h + 8, 0x00010000);
  put32(h + kHdrSize, 92);
  put64(h + kHdrMyLba, 1);
  put64(h + 32, 4095);
  put64(h + kHdrFirstUsable, 64);
  put64(h + kHdrLastUsable, 4000);
  memcpy(h + 56, kDiskGuid.bytes, 16);
  put64(h + kHdrEntryLba, 2);
  put32(h + kHdrEntryCount, 8);
  put32(h + kHdrEntrySize, 384);  // 8 x 384 = 6 sectors
  for (uint32_t i = 0; i < 8; ++i) {
    uint8_t* e = disk.sector(2) + i * 384;
    memcpy(e, guid::kLinuxFilesystem.bytes, 16);
    e[16] = uint8_t(i + 1);
    put64(e + 32, 100 + i * 100);
    put64(e + 40, 100 + i * 100 + 99);
    put64(e + 48, i);
    e[56] = uint8_t('a' + i);
    e[58] = 0xE9;  // U+00E9, not ASCII
    memset(e + 128, 0xCC, 256);  // bytes past the 128 this revision defines
  }
  reseal(disk, 1);
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  ASSERT_EQ(table.count, 8u);
  for (uint32_t i = 0; i < 8; ++i) {
    const Partition& p = table.partitions[i];
    EXPECT_EQ(p.index, i);
    EXPECT_EQ(p.unique.bytes[0], i + 1);
    EXPECT_EQ(p.first_lba, 100 + i * 100);
    EXPECT_EQ(p.last_lba, 199 + i * 100);
    EXPECT_EQ(p.attributes, i);
    EXPECT_EQ(std::string(p.name), std::string(1, char('a' + i)) + "?");
  }
}

TEST(Gpt, TooManyUsedEntries) {
  // Proves a valid table with more used entries than a Table holds fails with TooBig, not a overflow.
  MemoryDisk disk(8192);
  uint8_t* h = disk.sector(1);
  memcpy(h, "EFI PART", 8);
  put32(h + 8, 0x00010000);
  put32(h + kHdrSize, 92);
  put64(h + kHdrMyLba, 1);
  put64(h + kHdrFirstUsable, 100);
  put64(h + kHdrLastUsable, 8000);
  put64(h + kHdrEntryLba, 2);
  put32(h + kHdrEntryCount, kMaxPartitions + 1);
  put32(h + kHdrEntrySize, 128);
  for (uint32_t i = 0; i <= kMaxPartitions; ++i) {
    uint8_t* e = disk.sector(2) + i * 128;
    memcpy(e, guid::kLinuxFilesystem.bytes, 16);
    put64(e + 32, 100 + i * 10);
    put64(e + 40, 109 + i * 10);
  }
  reseal(disk, 1);
  Table table;
  EXPECT_EQ(read_gpt(disk.reader(), disk.sectors(), &table).error(), Error::TooBig);
}

TEST(Gpt, BuilderRejectsBadInput) {
  // Proves build_gpt refuses duplicate or out-of-range slots, zero types, bad names and tiny disks.
  auto check = [](std::vector<Partition> parts, uint64_t sectors, const char* what) {
    MemoryDisk disk(sectors);
    EXPECT_EQ(build_gpt(disk.writer(), sectors, kDiskGuid, parts.data(), parts.size()).error(),
              Error::Invalid)
        << what;
  };
  auto parts = sample_partitions();
  parts[1].index = 0;
  check(parts, kSampleSectors, "duplicate slot");
  parts = sample_partitions();
  parts[1].index = kEntryCount;
  check(parts, kSampleSectors, "slot 128");
  parts = sample_partitions();
  parts[1].type = Guid{};
  check(parts, kSampleSectors, "zero type");
  parts = sample_partitions();
  parts[1].name[0] = '\x80';
  check(parts, kSampleSectors, "non-ASCII name");
  parts = sample_partitions();
  memset(parts[1].name, 'x', sizeof parts[1].name);
  check(parts, kSampleSectors, "unterminated name");
  check({}, kMinDiskSectors - 1, "disk too small");

  MemoryDisk smallest(kMinDiskSectors);
  Partition only = part(0, guid::kLinuxFilesystem, "11111111-2222-4333-8444-555555555555",
                        kFirstUsableLba, kFirstUsableLba, 0, "one");
  ASSERT_TRUE(build_gpt(smallest.writer(), kMinDiskSectors, kDiskGuid, &only, 1).ok());
  Table table;
  ASSERT_TRUE(read_gpt(smallest.reader(), kMinDiskSectors, &table).ok());
  ASSERT_EQ(table.count, 1u);
  EXPECT_STREQ(table.partitions[0].name, "one");
}

TEST(Gpt, FullLengthNameRoundTrips) {
  // Proves a 36-character name, which fills the entry with no terminator, survives write and read.
  auto parts = sample_partitions();
  snprintf(parts[0].name, sizeof parts[0].name, "%s", "abcdefghijklmnopqrstuvwxyz0123456789");
  MemoryDisk disk(kSampleSectors);
  ASSERT_TRUE(build_gpt(disk.writer(), disk.sectors(), kDiskGuid, parts.data(), parts.size()).ok());
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  EXPECT_STREQ(table.partitions[0].name, "abcdefghijklmnopqrstuvwxyz0123456789");
}

// ---- sgdisk, as an outside opinion -----------------------------------------

TEST(GptSgdisk, ReadsTableMadeBySgdisk) {
  // Proves the reader understands a disk partitioned by sgdisk, GUIDs, attributes and names included.
  std::string sgdisk = find_sgdisk();
  if (sgdisk.empty()) GTEST_SKIP() << "sgdisk (package gdisk) not installed";
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  std::string img = dir.path + "/disk.img";
  ASSERT_EQ(run("truncate -s 64M '" + img + "'"), 0);
  std::string cmd = sgdisk + " -U 5E7A6B2C-1D3F-4A5B-8C9D-0E1F2A3B4C5D" +
                    " -n 1:16384:+32M -t 1:EF00 -c 1:boot -A 1:set:2" +
                    " -u 1:11111111-2222-4333-8444-555555555555" +
                    " -n 3:0:+8M -t 3:8200 -c 3:swap" +
                    " -u 3:01234567-89AB-4CDE-8F01-23456789ABCD" +
                    " -n 2:0:0 -t 2:8300 -c 2:root" +
                    " -u 2:AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE '" + img + "' >/dev/null";
  ASSERT_EQ(run(cmd), 0) << cmd;

  MemoryDisk disk = load_file(img);
  ASSERT_EQ(disk.sectors(), 131072u);
  Table table;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &table).ok());
  EXPECT_FALSE(table.used_backup);
  EXPECT_EQ(text(table.disk_guid), "5E7A6B2C-1D3F-4A5B-8C9D-0E1F2A3B4C5D");
  ASSERT_EQ(table.count, 3u);

  const Partition& boot = table.partitions[0];
  EXPECT_EQ(boot.number(), 1u);
  EXPECT_EQ(boot.type, guid::kEfiSystem);
  EXPECT_EQ(text(boot.unique), "11111111-2222-4333-8444-555555555555");
  EXPECT_EQ(boot.first_lba, 16384u);
  EXPECT_EQ(boot.last_lba, 16384u + 65536 - 1);
  EXPECT_EQ(boot.attributes, kAttrLegacyBiosBootable);
  EXPECT_STREQ(boot.name, "boot");

  const Partition& root = table.partitions[1];
  EXPECT_EQ(root.number(), 2u);
  EXPECT_EQ(root.type, guid::kLinuxFilesystem);
  EXPECT_STREQ(root.name, "root");
  EXPECT_EQ(root.last_lba, table.last_usable_lba);

  const Partition& swap = table.partitions[2];
  EXPECT_EQ(swap.number(), 3u);
  EXPECT_EQ(swap.type, guid::kLinuxSwap);
  EXPECT_EQ(text(swap.unique), "01234567-89AB-4CDE-8F01-23456789ABCD");
  EXPECT_EQ(swap.sectors(), 16384u);
  EXPECT_STREQ(swap.name, "swap");

  // And sgdisk's backup copy agrees.
  disk.sector(1)[0] = 0;
  Table from_backup;
  ASSERT_TRUE(read_gpt(disk.reader(), disk.sectors(), &from_backup).ok());
  EXPECT_TRUE(from_backup.used_backup);
  ASSERT_EQ(from_backup.count, 3u);
  for (size_t i = 0; i < 3; ++i) expect_same(from_backup.partitions[i], table.partitions[i]);
}

TEST(GptSgdisk, SgdiskAcceptsTableWeBuild) {
  // Proves sgdisk verifies a table from build_gpt without complaint and reads back the same fields.
  std::string sgdisk = find_sgdisk();
  if (sgdisk.empty()) GTEST_SKIP() << "sgdisk (package gdisk) not installed";
  TempDir dir;
  ASSERT_FALSE(dir.path.empty());
  std::string img = dir.path + "/disk.img";
  MemoryDisk disk = sample_disk();
  {
    std::ofstream out(img, std::ios::binary);
    out.write(reinterpret_cast<const char*>(disk.bytes.data()), disk.bytes.size());
  }
  std::string verify = capture(sgdisk + " -v '" + img + "' 2>&1");
  EXPECT_NE(verify.find("No problems found"), std::string::npos) << verify;

  std::string info = capture(sgdisk + " -i 1 '" + img + "' 2>&1");
  EXPECT_NE(info.find("C12A7328-F81F-11D2-BA4B-00A0C93EC93B"), std::string::npos) << info;
  EXPECT_NE(info.find("11111111-2222-4333-8444-555555555555"), std::string::npos) << info;
  EXPECT_NE(info.find("First sector: 16384"), std::string::npos) << info;
  EXPECT_NE(info.find("Last sector: 24575"), std::string::npos) << info;
  EXPECT_NE(info.find("Attribute flags: 0000000000000004"), std::string::npos) << info;
  EXPECT_NE(info.find("Partition name: 'boot'"), std::string::npos) << info;

  std::string swap = capture(sgdisk + " -i 6 '" + img + "' 2>&1");
  EXPECT_NE(swap.find("0657FD6D-A4AB-43C4-84E5-0933C84B4F4F"), std::string::npos) << swap;
  EXPECT_NE(swap.find("Attribute flags: 8000000000000000"), std::string::npos) << swap;

  std::string disk_info = capture(sgdisk + " -p '" + img + "' 2>&1");
  EXPECT_NE(disk_info.find("5E7A6B2C-1D3F-4A5B-8C9D-0E1F2A3B4C5D"), std::string::npos) << disk_info;
}

}  // namespace
}  // namespace rivet::block

// Tests of the RAM disk (kernel/block/ram_disk.cc): bounds, partial last
// sectors, page reads and writes, the GPT reader and writer
// (kernel/block/gpt.cc) working on one, and a partition (partition.cc)
// forwarding page runs to it. The disk's memory is a heap block of exactly its length,
// so AddressSanitizer catches any byte touched past the end.
#include "kernel/block/ram_disk.h"

#include <gtest/gtest.h>
#include <string.h>

#include <memory>
#include <vector>

#include "kernel/block/gpt.h"
#include "kernel/block/partition.h"
#include "kernel/fs/format.h"
#include "kernel/mm/kmalloc.h"

// partition.cc's sector buffer for the partition table reader.
namespace rivet {
void* kmalloc(size_t size) { return aligned_alloc(16, (size + 15) & ~size_t{15}); }
void kfree(void* p) { free(p); }
}  // namespace rivet

namespace rivet::block {
namespace {

constexpr Guid kRootType = Guid::literal(fs::kRootPartitionTypeText);

// Memory of exactly `bytes` bytes with a known pattern.
std::unique_ptr<uint8_t[]> memory(size_t bytes) {
  auto m = std::make_unique<uint8_t[]>(bytes);
  for (size_t i = 0; i < bytes; i++) m[i] = static_cast<uint8_t>(i * 7 + i / 512);
  return m;
}

// init() refuses no memory and less than one sector; the disk is named ram0.
TEST(RamDisk, InitRefusesLessThanOneSector) {
  auto m = memory(kSectorSize);
  EXPECT_EQ(RamDisk(nullptr, 4096).init().error(), Error::Invalid);
  EXPECT_EQ(RamDisk(m.get(), 0).init().error(), Error::Invalid);
  EXPECT_EQ(RamDisk(m.get(), kSectorSize - 1).init().error(), Error::Invalid);
  RamDisk one(m.get(), kSectorSize);
  ASSERT_TRUE(one.init().ok());
  EXPECT_EQ(one.sector_count(), 1u);
  EXPECT_STREQ(one.name(), "ram0");
}

// Before init() succeeds the disk has no sectors: nothing can be read.
TEST(RamDisk, UninitialisedDiskIsEmpty) {
  auto m = memory(4096);
  RamDisk disk(m.get(), 4096);
  uint8_t buf[kSectorSize];
  EXPECT_EQ(disk.sector_count(), 0u);
  EXPECT_EQ(disk.read(0, buf, 1).error(), Error::Range);
}

// A length that is not a multiple of 512 exposes only the whole sectors;
// the partial tail is never read or written.
TEST(RamDisk, PartialLastSectorIsNotExposed) {
  constexpr size_t kBytes = 3 * kSectorSize + 100;
  auto m = memory(kBytes);
  std::vector<uint8_t> tail(m.get() + 3 * kSectorSize, m.get() + kBytes);
  RamDisk disk(m.get(), kBytes);
  ASSERT_TRUE(disk.init().ok());
  EXPECT_EQ(disk.sector_count(), 3u);
  std::vector<uint8_t> buf(2 * kSectorSize, 0xee);
  EXPECT_EQ(disk.read(3, buf.data(), 1).error(), Error::Range);
  EXPECT_EQ(disk.write(2, buf.data(), 2).error(), Error::Range);
  ASSERT_TRUE(disk.write(2, buf.data(), 1).ok());
  EXPECT_TRUE(std::equal(tail.begin(), tail.end(), m.get() + 3 * kSectorSize)) << "the tail was written";
}

// Reads and writes move exactly the sectors asked for.
TEST(RamDisk, ReadWriteRoundTrip) {
  constexpr size_t kSectors = 64;
  auto m = memory(kSectors * kSectorSize);
  RamDisk disk(m.get(), kSectors * kSectorSize);
  ASSERT_TRUE(disk.init().ok());
  std::vector<uint8_t> buf(5 * kSectorSize);
  ASSERT_TRUE(disk.read(10, buf.data(), 5).ok());
  EXPECT_EQ(memcmp(buf.data(), m.get() + 10 * kSectorSize, buf.size()), 0);
  std::vector<uint8_t> data(3 * kSectorSize);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i ^ 0x5a);
  ASSERT_TRUE(disk.write(61, data.data(), 3).ok());  // the last three sectors
  EXPECT_EQ(memcmp(m.get() + 61 * kSectorSize, data.data(), data.size()), 0);
  std::vector<uint8_t> back(3 * kSectorSize);
  ASSERT_TRUE(disk.read(61, back.data(), 3).ok());
  EXPECT_EQ(back, data);
  // Zero sectors inside the disk, even at its end, is a no-op.
  EXPECT_TRUE(disk.read(kSectors, nullptr, 0).ok());
  EXPECT_TRUE(disk.flush().ok());
}

// Every out-of-range request fails with Range before copying a byte, also
// when sector + count would wrap; a null buffer is Invalid.
TEST(RamDisk, BoundsAreChecked) {
  constexpr size_t kSectors = 8;
  auto m = memory(kSectors * kSectorSize);
  std::vector<uint8_t> before(m.get(), m.get() + kSectors * kSectorSize);
  RamDisk disk(m.get(), kSectors * kSectorSize);
  ASSERT_TRUE(disk.init().ok());
  std::vector<uint8_t> buf(kSectorSize * 2, 0xcc);
  struct Case {
    uint64_t sector;
    uint32_t count;
  } cases[] = {{8, 1}, {7, 2}, {9, 0}, {0, 9}, {1, UINT32_MAX}, {UINT64_MAX, 1}, {UINT64_MAX / kSectorSize + 1, 1},
               {UINT64_MAX - 1, 2}};
  for (auto c : cases) {
    SCOPED_TRACE(testing::Message() << "sector " << c.sector << " count " << c.count);
    EXPECT_EQ(disk.read(c.sector, buf.data(), c.count).error(), Error::Range);
    EXPECT_EQ(disk.write(c.sector, buf.data(), c.count).error(), Error::Range);
  }
  EXPECT_TRUE(std::all_of(buf.begin(), buf.end(), [](uint8_t b) { return b == 0xcc; }));
  EXPECT_EQ(memcmp(before.data(), m.get(), before.size()), 0);
  EXPECT_EQ(disk.read(0, nullptr, 1).error(), Error::Invalid);
  EXPECT_EQ(disk.write(0, nullptr, 1).error(), Error::Invalid);
}

// read_pages fills separate page buffers from consecutive sectors, checks
// the range and every page pointer before copying anything.
TEST(RamDisk, ReadPages) {
  constexpr size_t kPages = 6;
  auto m = memory(kPages * kPageBytes + 300);
  RamDisk disk(m.get(), kPages * kPageBytes + 300);
  ASSERT_TRUE(disk.init().ok());
  std::vector<std::vector<uint8_t>> pages(3, std::vector<uint8_t>(kPageBytes, 0));
  void* ptrs[3] = {pages[0].data(), pages[1].data(), pages[2].data()};
  ASSERT_TRUE(disk.read_pages(8, ptrs, 3).ok());  // sector 8 = page 1
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(memcmp(pages[i].data(), m.get() + (i + 1) * kPageBytes, kPageBytes), 0);
  // The last page ends exactly at the last whole sector.
  ASSERT_TRUE(disk.read_pages((kPages - 1) * kSectorsPerPage, ptrs, 1).ok());
  EXPECT_EQ(disk.read_pages((kPages - 1) * kSectorsPerPage + 1, ptrs, 1).error(), Error::Range);
  EXPECT_EQ(disk.read_pages((kPages - 2) * kSectorsPerPage, ptrs, 3).error(), Error::Range);
  // A null page among good ones: nothing copied.
  std::vector<uint8_t> fresh(kPageBytes, 0xab);
  void* bad[2] = {fresh.data(), nullptr};
  EXPECT_EQ(disk.read_pages(0, bad, 2).error(), Error::Invalid);
  EXPECT_TRUE(std::all_of(fresh.begin(), fresh.end(), [](uint8_t b) { return b == 0xab; }));
  EXPECT_EQ(disk.read_pages(0, nullptr, 1).error(), Error::Invalid);
}

// Page-sized buffers, each a separate heap block (so not adjacent), filled
// with a pattern that tells pages apart.
std::vector<std::vector<uint8_t>> page_buffers(size_t count, uint8_t seed) {
  std::vector<std::vector<uint8_t>> pages(count, std::vector<uint8_t>(kPageBytes));
  for (size_t p = 0; p < count; p++)
    for (size_t i = 0; i < kPageBytes; i++) pages[p][i] = static_cast<uint8_t>(seed + p * 31 + i * 3 + i / 512);
  return pages;
}

// write_pages copies separate page buffers to consecutive sectors in one
// request (IoStats: one write request with all the sectors), touches
// nothing around the run, and checks the range and every pointer before
// writing anything.
TEST(RamDisk, WritePages) {
  constexpr size_t kPages = 8;
  const size_t bytes = kPages * kPageBytes + 300;
  auto m = memory(bytes);
  std::vector<uint8_t> before(m.get(), m.get() + bytes);
  RamDisk disk(m.get(), bytes);
  ASSERT_TRUE(disk.init().ok());
  auto pages = page_buffers(5, 0x40);
  const void* ptrs[5];
  for (size_t i = 0; i < 5; i++) ptrs[i] = pages[i].data();

  ASSERT_TRUE(disk.write_pages(2 * kSectorsPerPage, ptrs, 5).ok());  // pages 2..6
  EXPECT_EQ(disk.stats().write_requests, 1u);
  EXPECT_EQ(disk.stats().write_sectors, 5u * kSectorsPerPage);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(memcmp(m.get() + (i + 2) * kPageBytes, pages[i].data(), kPageBytes), 0);
  EXPECT_EQ(memcmp(m.get(), before.data(), 2 * kPageBytes), 0);
  EXPECT_EQ(memcmp(m.get() + 7 * kPageBytes, before.data() + 7 * kPageBytes, bytes - 7 * kPageBytes), 0);

  // And back through read_pages, also one request.
  auto back = page_buffers(5, 0);
  void* back_ptrs[5];
  for (size_t i = 0; i < 5; i++) back_ptrs[i] = back[i].data();
  ASSERT_TRUE(disk.read_pages(2 * kSectorsPerPage, back_ptrs, 5).ok());
  EXPECT_EQ(back, pages);
  EXPECT_EQ(disk.stats().read_requests, 1u);

  // Refused requests change neither the disk nor the counters: past the
  // end (the partial last sector is not part of the disk), a null page
  // among good ones, no page array.
  std::vector<uint8_t> now(m.get(), m.get() + bytes);
  EXPECT_EQ(disk.write_pages((kPages - 1) * kSectorsPerPage + 1, ptrs, 1).error(), Error::Range);
  EXPECT_EQ(disk.write_pages((kPages - 2) * kSectorsPerPage, ptrs, 3).error(), Error::Range);
  EXPECT_EQ(disk.write_pages(~uint64_t{0} - 3, ptrs, 1).error(), Error::Range);
  const void* bad[3] = {ptrs[0], ptrs[1], nullptr};
  EXPECT_EQ(disk.write_pages(0, bad, 3).error(), Error::Invalid);
  EXPECT_EQ(disk.write_pages(0, nullptr, 1).error(), Error::Invalid);
  EXPECT_EQ(memcmp(m.get(), now.data(), bytes), 0);
  EXPECT_EQ(disk.stats().write_requests, 1u);
  // The last whole page, and an empty run, are fine.
  ASSERT_TRUE(disk.write_pages((kPages - 1) * kSectorsPerPage, ptrs, 1).ok());
  EXPECT_EQ(memcmp(m.get() + (kPages - 1) * kPageBytes, pages[0].data(), kPageBytes), 0);
  EXPECT_TRUE(disk.write_pages(0, ptrs, 0).ok());
  EXPECT_EQ(disk.stats().write_requests, 2u);
}

// A partition forwards runs of pages to its disk at its offset, as one
// request there, and refuses (never truncates) a run that crosses its end.
TEST(RamDisk, PartitionForwardsPageRuns) {
  constexpr size_t kPages = 16;
  auto m = memory(kPages * kPageBytes);
  RamDisk disk(m.get(), kPages * kPageBytes);
  ASSERT_TRUE(disk.init().ok());
  // Pages 4..9 of the disk, starting at sector 32.
  PartitionDevice part(&disk, 4 * kSectorsPerPage, 6 * kSectorsPerPage, "ram0p1");
  EXPECT_EQ(part.sector_count(), 6u * kSectorsPerPage);
  auto pages = page_buffers(6, 0x11);
  const void* ptrs[6];
  for (size_t i = 0; i < 6; i++) ptrs[i] = pages[i].data();

  ASSERT_TRUE(part.write_pages(kSectorsPerPage, ptrs, 5).ok());  // the partition's pages 1..5
  EXPECT_EQ(disk.stats().write_requests, 1u);
  EXPECT_EQ(disk.stats().write_sectors, 5u * kSectorsPerPage);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(memcmp(m.get() + (i + 5) * kPageBytes, pages[i].data(), kPageBytes), 0);
  auto back = page_buffers(5, 0);
  void* back_ptrs[5];
  for (size_t i = 0; i < 5; i++) back_ptrs[i] = back[i].data();
  ASSERT_TRUE(part.read_pages(kSectorsPerPage, back_ptrs, 5).ok());
  EXPECT_EQ(disk.stats().read_requests, 1u);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(back[i], pages[i]);

  // Crossing the partition's end, though the disk goes on: refused whole.
  std::vector<uint8_t> now(m.get(), m.get() + kPages * kPageBytes);
  EXPECT_EQ(part.write_pages(2 * kSectorsPerPage, ptrs, 5).error(), Error::Invalid);
  EXPECT_EQ(part.write_pages(kSectorsPerPage + 1, ptrs, 5).error(), Error::Invalid);
  EXPECT_EQ(part.write_pages(6 * kSectorsPerPage, ptrs, 1).error(), Error::Invalid);
  EXPECT_EQ(part.write_pages(~uint64_t{0}, ptrs, 1).error(), Error::Invalid);
  EXPECT_EQ(part.read_pages(2 * kSectorsPerPage, back_ptrs, 5).error(), Error::Invalid);
  EXPECT_EQ(memcmp(m.get(), now.data(), now.size()), 0);
  EXPECT_EQ(disk.stats().write_requests, 1u);
  EXPECT_EQ(disk.stats().read_requests, 1u);
}

// A GPT written onto a RAM disk by the project's builder reads back through
// the RAM disk, and finds the Rivet root partition; also when the image
// length is not a multiple of 512.
TEST(RamDisk, GptOnRamDisk) {
  for (size_t extra : {size_t{0}, size_t{200}}) {
    SCOPED_TRACE(extra);
    constexpr uint64_t kSectors = 4096;  // 2 MiB
    size_t bytes = kSectors * kSectorSize + extra;
    auto m = std::make_unique<uint8_t[]>(bytes);
    memset(m.get(), 0, bytes);
    RamDisk disk(m.get(), bytes);
    ASSERT_TRUE(disk.init().ok());
    ASSERT_EQ(disk.sector_count(), kSectors);

    Partition parts[2];
    parts[0].index = 0;
    parts[0].type = guid::kLinuxSwap;
    parts[0].unique = Guid::literal("11111111-2222-4333-8444-555555555555");
    parts[0].first_lba = 2048;
    parts[0].last_lba = 2559;
    parts[1].index = 1;
    parts[1].type = kRootType;
    parts[1].unique = Guid::literal("AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE");
    parts[1].first_lba = 2560;
    parts[1].last_lba = kSectors - 34;
    memcpy(parts[1].name, "rivet-root", 11);
    SectorWriter writer{&disk, [](void* ctx, uint64_t lba, const void* buf) {
                          return static_cast<RamDisk*>(ctx)->write(lba, buf, 1);
                        }};
    ASSERT_TRUE(build_gpt(writer, disk.sector_count(), Guid::literal("0D15C0DE-0000-4000-8000-000000000001"), parts, 2)
                    .ok());

    auto table = std::make_unique<Table>();
    SectorReader reader{&disk, [](void* ctx, uint64_t lba, void* buf) {
                          return static_cast<RamDisk*>(ctx)->read(lba, buf, 1);
                        }};
    ASSERT_TRUE(read_gpt(reader, disk.sector_count(), table.get()).ok());
    EXPECT_FALSE(table->used_backup);
    ASSERT_EQ(table->count, 2u);
    auto root = table->find_by_type(kRootType);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(root.value()->number(), 2u);
    EXPECT_EQ(root.value()->unique, parts[1].unique);
    EXPECT_EQ(root.value()->first_lba, 2560u);
    EXPECT_STREQ(root.value()->name, "rivet-root");

    // The backup copy sits in the last whole sector and works on its own.
    memset(m.get() + kSectorSize, 0, kSectorSize);
    ASSERT_TRUE(read_gpt(reader, disk.sector_count(), table.get()).ok());
    EXPECT_TRUE(table->used_backup);
    EXPECT_TRUE(table->find_by_type(kRootType).ok());
  }
}

}  // namespace
}  // namespace rivet::block

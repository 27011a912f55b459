#include "kernel/block/partition.h"

#include "kernel/lib/format.h"

#include "kernel/mm/kmalloc.h"

namespace rivet::block {
namespace {

constexpr size_t kMaxDisks = 8;
BlockDevice* g_disks[kMaxDisks];
size_t g_count = 0;

struct SectorBuffer {
  BlockDevice* disk;
  uint8_t* sector;  // kmalloc'd: DMA-able
};

Result<void> read_sector(void* context, uint64_t lba, void* buffer) {
  auto* s = static_cast<SectorBuffer*>(context);
  TRY(s->disk->read(lba, s->sector, 1));
  __builtin_memcpy(buffer, s->sector, kSectorSize);
  return {};
}

}  // namespace

void register_disk(BlockDevice* disk) {
  if (g_count < kMaxDisks) g_disks[g_count++] = disk;
}
size_t disk_count() { return g_count; }
BlockDevice* disk(size_t index) { return index < g_count ? g_disks[index] : nullptr; }

PartitionDevice::PartitionDevice(BlockDevice* disk, uint64_t first_sector, uint64_t sectors, const char* name)
    : disk_(disk), first_(first_sector), sectors_(sectors) {
  snformat(name_, sizeof name_, "%s", name);
}

Result<void> PartitionDevice::read(uint64_t sector, void* buffer, uint32_t count) {
  if (sector >= sectors_ || count > sectors_ - sector) return Error::Invalid;
  return disk_->read(first_ + sector, buffer, count);
}

Result<void> PartitionDevice::read_pages(uint64_t sector, void* const* pages, uint32_t count) {
  uint64_t n = uint64_t{count} * kSectorsPerPage;
  if (sector >= sectors_ || n > sectors_ - sector) return Error::Invalid;
  return disk_->read_pages(first_ + sector, pages, count);
}

Result<void> PartitionDevice::write(uint64_t sector, const void* buffer, uint32_t count) {
  if (sector >= sectors_ || count > sectors_ - sector) return Error::Invalid;
  return disk_->write(first_ + sector, buffer, count);
}

Result<void> PartitionDevice::write_pages(uint64_t sector, const void* const* pages, uint32_t count) {
  uint64_t n = uint64_t{count} * kSectorsPerPage;
  if (sector >= sectors_ || n > sectors_ - sector) return Error::Invalid;
  return disk_->write_pages(first_ + sector, pages, count);
}

Result<void> read_partition_table(BlockDevice* disk, Table* table) {
  auto* sector = static_cast<uint8_t*>(kmalloc(kSectorSize));
  if (!sector) return Error::NoMemory;
  SectorBuffer buffer{disk, sector};
  Result<void> r = read_gpt(SectorReader{&buffer, read_sector}, disk->sector_count(), table);
  kfree(sector);
  return r;
}

}  // namespace rivet::block

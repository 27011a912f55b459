#include "kernel/block/partition.h"

#include "kernel/block/root.h"
#include "kernel/lib/format.h"
#include "kernel/lib/log.h"
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

Result<PartitionDevice*> find_partition(const Guid& type, const char* what) {
  // The table is large (128 entries); keep it off the kernel stack.
  auto* table = static_cast<Table*>(kmalloc(sizeof(Table)));
  auto* sector = static_cast<uint8_t*>(kmalloc(kSectorSize));
  if (!table || !sector) {
    kfree(table);
    kfree(sector);
    return Error::NoMemory;
  }
  Result<PartitionDevice*> found = Error::NotFound;
  for (size_t i = 0; i < g_count && !found; i++) {
    SectorBuffer buffer{g_disks[i], sector};
    auto r = read_gpt(SectorReader{&buffer, read_sector}, g_disks[i]->sector_count(), table);
    if (!r) {
      kprintf("rivet: disk %s: no usable GPT (%s)\n", g_disks[i]->name(), error_name(r.error()));
      continue;
    }
    if (table->used_backup) kprintf("rivet: disk %s: primary GPT damaged, using the backup\n", g_disks[i]->name());
    auto p = table->find_by_type(type);
    if (!p) continue;
    char name[24];
    // vda1, but mmcblk0p1: named as Linux names them, so root= agrees.
    if (auto named = partition_name(g_disks[i]->name(), p.value()->number(), name, sizeof name); !named) {
      kprintf("rivet: disk %s: cannot name partition %u (%s)\n", g_disks[i]->name(), p.value()->number(),
              error_name(named.error()));
      continue;
    }
    auto made = knew<PartitionDevice>(g_disks[i], p.value()->first_lba, p.value()->sectors(), name);
    if (!made) {
      found = made.error();
      break;
    }
    kprintf("rivet: %s is %s (%lu MiB at sector %lu)\n", what, name, p.value()->sectors() >> 11,
            p.value()->first_lba);
    found = made.value();
  }
  kfree(table);
  kfree(sector);
  return found;
}

}  // namespace rivet::block

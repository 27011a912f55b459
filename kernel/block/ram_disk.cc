#include "kernel/block/ram_disk.h"

namespace rivet::block {

RamDisk::RamDisk(void* base, uint64_t bytes) : base_(static_cast<uint8_t*>(base)), bytes_(bytes) {}

Result<void> RamDisk::init() {
  if (!base_ || bytes_ < kSectorSize) return Error::Invalid;
  sectors_ = bytes_ / kSectorSize;
  return {};
}

Result<uint64_t> RamDisk::locate(uint64_t sector, uint64_t count) const {
  // Written so that no sum can wrap: sector <= sectors_ first.
  if (sector > sectors_ || count > sectors_ - sector) return Error::Range;
  return sector * kSectorSize;
}

Result<void> RamDisk::read(uint64_t sector, void* buffer, uint32_t count) {
  uint64_t offset = TRY(locate(sector, count));
  if (count == 0) return {};
  if (!buffer) return Error::Invalid;
  count_read(count);
  __builtin_memcpy(buffer, base_ + offset, uint64_t{count} * kSectorSize);
  return {};
}

Result<void> RamDisk::write(uint64_t sector, const void* buffer, uint32_t count) {
  uint64_t offset = TRY(locate(sector, count));
  if (count == 0) return {};
  if (!buffer) return Error::Invalid;
  count_write(count);
  __builtin_memcpy(base_ + offset, buffer, uint64_t{count} * kSectorSize);
  return {};
}

Result<void> RamDisk::read_pages(uint64_t sector, void* const* pages, uint32_t count) {
  // Validate everything before copying anything.
  uint64_t offset = TRY(locate(sector, uint64_t{count} * kSectorsPerPage));
  if (count == 0) return {};
  if (!pages) return Error::Invalid;
  for (uint32_t i = 0; i < count; i++)
    if (!pages[i]) return Error::Invalid;
  count_read(uint64_t{count} * kSectorsPerPage);
  for (uint32_t i = 0; i < count; i++)
    __builtin_memcpy(pages[i], base_ + offset + uint64_t{i} * kPageBytes, kPageBytes);
  return {};
}

Result<void> RamDisk::write_pages(uint64_t sector, const void* const* pages, uint32_t count) {
  // Validate everything before copying anything: a refused request leaves
  // the disk as it was.
  uint64_t offset = TRY(locate(sector, uint64_t{count} * kSectorsPerPage));
  if (count == 0) return {};
  if (!pages) return Error::Invalid;
  for (uint32_t i = 0; i < count; i++)
    if (!pages[i]) return Error::Invalid;
  count_write(uint64_t{count} * kSectorsPerPage);
  for (uint32_t i = 0; i < count; i++)
    __builtin_memcpy(base_ + offset + uint64_t{i} * kPageBytes, pages[i], kPageBytes);
  return {};
}

}  // namespace rivet::block

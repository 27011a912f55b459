// A partition as a block device of its own: a window onto its disk.
#pragma once

#include "kernel/block/block_device.h"
#include "kernel/block/gpt.h"

namespace rivet::block {

class PartitionDevice final : public BlockDevice {
 public:
  PartitionDevice(BlockDevice* disk, uint64_t first_sector, uint64_t sectors, const char* name);
  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override;
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override;
  // Requests must lie wholly inside the partition (Error::Invalid
  // otherwise, nothing is transferred); they reach the disk unchanged but
  // for the offset, so a run of pages stays one request there. The disk
  // counts them (IoStats); the partition's own counters stay at zero.
  Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) override;
  Result<void> write_pages(uint64_t sector, const void* const* pages, uint32_t count) override;
  Result<void> flush() override { return disk_->flush(); }
  uint64_t sector_count() const override { return sectors_; }
  const char* name() const override { return name_; }
  uint64_t first_sector() const { return first_; }

 private:
  BlockDevice* disk_;
  uint64_t first_;
  uint64_t sectors_;
  char name_[24];
};

// Reads `disk`'s GPT into `*table` (about 13 KiB: not on a kernel stack).
// Malformed when neither copy of the table is valid; the disk's own errors
// pass through.
Result<void> read_partition_table(BlockDevice* disk, Table* table);

}  // namespace rivet::block

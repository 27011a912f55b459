// Block devices: the interface the file system, the swap area and the
// partition table reader use, whatever the driver (virtio-blk today; an SD
// card controller or a RAM disk later). Sectors are 512 bytes.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/block/sector.h"
#include "kernel/lib/result.h"

namespace rivet::block {


// What a disk has been asked to do since boot (diskstat(), iostat). One
// request is one request the driver put to the device: a call the driver
// carries out in one device request counts once, with all its sectors; a
// call it must split at a hardware limit (a virtio-blk device's seg_max, an
// SD host's blocks per command) counts once per piece. So a run of pages
// handed to read_pages()/write_pages() shows as one request whenever the
// device can take it whole.
struct IoStats {
  uint64_t read_requests = 0;
  uint64_t read_sectors = 0;
  uint64_t write_requests = 0;
  uint64_t write_sectors = 0;
  uint64_t flushes = 0;
};

class BlockDevice {
 public:
  const IoStats& stats() const { return stats_; }

  // Transfers `count` sectors starting at `sector`. `buffer` is kernel
  // memory in the direct map or the kernel image (drivers DMA to it; it
  // may span pages). Blocks the calling thread until the transfer is done.
  virtual Result<void> read(uint64_t sector, void* buffer, uint32_t count) = 0;
  virtual Result<void> write(uint64_t sector, const void* buffer, uint32_t count) = 0;
  // Reads `count` consecutive pages of the device (kPageBytes each), from
  // `sector` on, into the separate page buffers `pages[0..count)`. A driver
  // that can scatter does it in few requests; this default reads each page
  // on its own.
  virtual Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) {
    for (uint32_t i = 0; i < count; i++) TRY(read(sector + uint64_t{i} * kSectorsPerPage, pages[i], kSectorsPerPage));
    return {};
  }
  // The write-back counterpart of read_pages: writes the separate page
  // buffers `pages[0..count)` (kPageBytes each, kernel memory a driver may
  // DMA from) to `count` consecutive pages of the device from `sector` on,
  // e.g. a run of dirty file blocks (up to 256 pages at a time). A driver
  // that can gather does it in one device request, or the fewest its
  // hardware limits allow, counted as one request each (IoStats); this
  // default writes each page on its own. A request that does not lie
  // wholly inside the device is refused before anything is written. When a
  // device request fails, the call returns its error; pages of the run may
  // then have been written or not.
  virtual Result<void> write_pages(uint64_t sector, const void* const* pages, uint32_t count) {
    uint64_t sectors = uint64_t{count} * kSectorsPerPage, size = sector_count();
    if (sector > size || sectors > size - sector) return Error::Range;
    for (uint32_t i = 0; i < count; i++)
      TRY(write(sector + uint64_t{i} * kSectorsPerPage, pages[i], kSectorsPerPage));
    return {};
  }
  // Makes completed writes durable (a write cache flush), where the device
  // has a volatile cache.
  virtual Result<void> flush() { return {}; }
  virtual uint64_t sector_count() const = 0;
  virtual const char* name() const = 0;

 protected:
  ~BlockDevice() = default;
  // Drivers call these once per request, under whatever lock serialises
  // their requests.
  void count_read(uint64_t sectors) {
    stats_.read_requests++;
    stats_.read_sectors += sectors;
  }
  void count_write(uint64_t sectors) {
    stats_.write_requests++;
    stats_.write_sectors += sectors;
  }
  void count_flush() { stats_.flushes++; }

 private:
  IoStats stats_;
};

// Registry of whole disks found at boot.
void register_disk(BlockDevice* disk);
size_t disk_count();
BlockDevice* disk(size_t index);

}  // namespace rivet::block

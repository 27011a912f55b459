// Shared pieces of the file-system unit tests: in-memory disks (sparse, so
// a 1 GiB "disk" costs only the blocks written), a disk that crashes after
// N writes, formatting through rivet-mkfs's builder, and the checker.
#pragma once

#include <stdint.h>

#include <array>
#include <map>
#include <mutex>
#include <string>

#include "kernel/block/block_device.h"
#include "kernel/fs/format.h"
#include "sdcard/fs_image.h"

namespace rivet::fstest {

// A sparse RAM disk: blocks never written read as zeros.
class MemoryDisk : public block::BlockDevice {
 public:
  explicit MemoryDisk(uint64_t bytes) : sectors_(bytes / 512) {}
  MemoryDisk(const MemoryDisk& other) : sectors_(other.sectors_), blocks_(other.blocks_) {}

  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override;
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override;
  // Counts each call as one request, as a scattering driver would make.
  Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) override {
    page_requests++;
    pages_read += count;
    return BlockDevice::read_pages(sector, pages, count);
  }
  Result<void> flush() override {
    flushes++;
    return {};
  }
  uint64_t sector_count() const override { return sectors_; }
  const char* name() const override { return "memdisk"; }

  size_t stored_blocks() const { return blocks_.size(); }
  uint64_t writes = 0;  // write() calls
  uint64_t flushes = 0;
  uint64_t page_requests = 0;  // read_pages() calls
  uint64_t pages_read = 0;     // pages they read
  bool fail_reads = false;
  bool fail_writes = false;  // every write fails with Error::Io

 private:
  uint64_t sectors_;
  mutable std::mutex mutex_;
  std::map<uint64_t, std::array<uint8_t, fs::kBlockSize>> blocks_;
};

// Passes writes through to `disk` until `budget` writes have been done,
// then "crashes": later writes (and flushes) are silently dropped, as if
// the power had gone. budget < 0 never crashes.
class CrashDisk : public block::BlockDevice {
 public:
  CrashDisk(MemoryDisk& disk, int64_t budget) : disk_(disk), budget_(budget) {}
  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override {
    return disk_.read(sector, buffer, count);
  }
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override;
  Result<void> flush() override { return crashed() ? Result<void>() : disk_.flush(); }
  uint64_t sector_count() const override { return disk_.sector_count(); }
  const char* name() const override { return "crashdisk"; }
  bool crashed() const { return budget_ == 0; }
  void set_budget(int64_t budget) { budget_ = budget; }
  uint64_t writes = 0;  // writes that reached the disk

 private:
  MemoryDisk& disk_;
  int64_t budget_;
};

class DiskSource : public fsimage::BlockSource {
 public:
  explicit DiskSource(block::BlockDevice& disk) : disk_(disk) {}
  uint64_t block_count() const override { return disk_.sector_count() / fs::kSectorsPerBlock; }
  bool read_block(uint64_t block, void* data) override {
    return disk_.read(block * fs::kSectorsPerBlock, data, fs::kSectorsPerBlock).ok();
  }

 private:
  block::BlockDevice& disk_;
};

// Writes an image built by `builder` (init()ed and filled by the caller,
// not yet built) to `disk`. Fails the test on error.
void write_image(fsimage::ImageBuilder& builder, block::BlockDevice& disk);
// An empty file system filling `disk`.
void format(block::BlockDevice& disk, uint32_t ninodes = 0, uint32_t nlog = 0);

fsimage::CheckReport check(block::BlockDevice& disk, bool replay = false);
// The problems of a report, one per line, for test failure messages.
std::string describe(const fsimage::CheckReport& report);

}  // namespace rivet::fstest

#include "tests/unit/fs_test_support.h"

#include <string.h>

#include <gtest/gtest.h>

namespace rivet::fstest {

Result<void> MemoryDisk::read(uint64_t sector, void* buffer, uint32_t count) {
  std::lock_guard<std::mutex> guard(mutex_);
  if (fail_reads) return Error::Io;
  if (sector > sectors_ || count > sectors_ - sector) return Error::Invalid;
  auto* out = static_cast<uint8_t*>(buffer);
  for (uint32_t i = 0; i < count; i++) {
    uint64_t s = sector + i;
    auto it = blocks_.find(s / fs::kSectorsPerBlock);
    if (it == blocks_.end()) memset(out + i * 512, 0, 512);
    else memcpy(out + i * 512, it->second.data() + (s % fs::kSectorsPerBlock) * 512, 512);
  }
  return {};
}

Result<void> MemoryDisk::write(uint64_t sector, const void* buffer, uint32_t count) {
  if (fail_writes) return Error::Io;
  std::lock_guard<std::mutex> guard(mutex_);
  if (sector > sectors_ || count > sectors_ - sector) return Error::Invalid;
  writes++;
  const auto* in = static_cast<const uint8_t*>(buffer);
  for (uint32_t i = 0; i < count; i++) {
    uint64_t s = sector + i;
    auto it = blocks_.find(s / fs::kSectorsPerBlock);
    if (it == blocks_.end()) {
      it = blocks_.emplace(s / fs::kSectorsPerBlock, std::array<uint8_t, fs::kBlockSize>{}).first;
    }
    memcpy(it->second.data() + (s % fs::kSectorsPerBlock) * 512, in + i * 512, 512);
  }
  return {};
}

Result<void> CrashDisk::write(uint64_t sector, const void* buffer, uint32_t count) {
  if (budget_ == 0) return {};  // lost with the power
  if (budget_ > 0) budget_--;
  writes++;
  return disk_.write(sector, buffer, count);
}

void write_image(fsimage::ImageBuilder& builder, block::BlockDevice& disk) {
  std::string error;
  ASSERT_TRUE(builder.build(&error)) << error;
  for (auto& [b, data] : builder.blocks())
    ASSERT_TRUE(disk.write(uint64_t{b} * fs::kSectorsPerBlock, data.data(), fs::kSectorsPerBlock).ok());
}

void format(block::BlockDevice& disk, uint32_t ninodes, uint32_t nlog) {
  fsimage::ImageBuilder builder;
  std::string error;
  ASSERT_TRUE(builder.init(disk.sector_count() / fs::kSectorsPerBlock, ninodes, nlog, &error)) << error;
  write_image(builder, disk);
}

fsimage::CheckReport check(block::BlockDevice& disk, bool replay) {
  DiskSource source(disk);
  fsimage::CheckOptions options;
  options.replay = replay;
  return fsimage::check_image(source, options);
}

std::string describe(const fsimage::CheckReport& report) {
  std::string text;
  for (auto& p : report.problems) text += "  problem: " + p + "\n";
  for (auto& n : report.notes) text += "  note: " + n + "\n";
  return text;
}

}  // namespace rivet::fstest

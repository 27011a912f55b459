// A block device over a range of memory: the initrd the boot loader placed
// in RAM, used as a disk (a bare Rivet file system, or a GPT with a root
// partition on it).
//
// Pure: no kernel dependencies; the memory is reached through a kernel
// virtual pointer the caller mapped.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/block/block_device.h"
#include "kernel/lib/result.h"

namespace rivet::block {

class RamDisk final : public BlockDevice {
 public:
  static constexpr const char* kName = "ram0";

  // `base`: the first byte, `bytes`: the length. Only whole sectors are
  // exposed: a partial last sector (an initrd need not be a multiple of 512
  // bytes) is neither read nor written.
  RamDisk(void* base, uint64_t bytes);

  // Error::Invalid for a null base or less than one sector. Until init()
  // succeeds the disk has no sectors, so every transfer is out of range.
  Result<void> init();

  // Error::Range for sectors past the end (nothing is copied); Error::Invalid
  // for a null buffer. A transfer of 0 sectors inside the disk does nothing.
  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override;
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override;
  // One request each, whatever `count`: a memcpy per page.
  Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) override;
  Result<void> write_pages(uint64_t sector, const void* const* pages, uint32_t count) override;
  uint64_t sector_count() const override { return sectors_; }
  const char* name() const override { return kName; }

 private:
  // The byte offset of `sector` if [sector, sector + count) lies inside.
  Result<uint64_t> locate(uint64_t sector, uint64_t count) const;

  uint8_t* base_;
  uint64_t bytes_;
  uint64_t sectors_ = 0;
};

}  // namespace rivet::block

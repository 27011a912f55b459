// The fixture most file-system tests share: a formatted in-memory disk
// mounted as the root, the test thread's fake process sitting in "/", and
// on teardown an unmount followed by a full check of the image.
#pragma once

#include <stdint.h>

#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "kernel/fs/directory.h"
#include "kernel/fs/file.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/operations.h"
#include "tests/unit/fs_host_kernel.h"
#include "tests/unit/fs_sys_shim.h"
#include "tests/unit/fs_test_support.h"

namespace rivet::fstest {

using host::sys::kAppend;
using host::sys::kCreate;
using host::sys::kRdOnly;
using host::sys::kRdWr;
using host::sys::kTrunc;
using host::sys::kWrOnly;
using host::sys::Stat;

// Mounts `disk` as the root and puts this thread's process in "/".
void mount_disk(block::BlockDevice& disk);
// Closes every descriptor of this thread's process, drops its cwd and
// unmounts the root.
void unmount_disk();

// Whole-file helpers over the kernel's own calls (no user memory).
Result<void> write_file(const std::string& path, const std::string& data, int flags = kCreate | kWrOnly | kTrunc);
Result<std::string> read_file(const std::string& path);
Result<Stat> stat_path(const std::string& path);
// The names in a directory, "." and ".." excluded, in directory order.
Result<std::vector<std::string>> list_dir(const std::string& path);
std::string pattern(size_t n, uint32_t seed);

class FsFixture : public ::testing::Test {
 protected:
  // Disk size and inode count for this test; override before SetUp runs.
  virtual uint64_t disk_bytes() const { return 16 << 20; }
  virtual uint32_t inode_count() const { return 0; }

  void SetUp() override;
  void TearDown() override;
  void remount();
  // (After a sync: data waiting in the page cache is not on the disk yet.)
  fsimage::CheckReport check_now() {
    fs::sync();
    return check(*disk);
  }

  std::unique_ptr<MemoryDisk> disk;
};

}  // namespace rivet::fstest

#include "tests/unit/fs_test_fixture.h"

#include <string.h>

namespace rivet::fstest {

void mount_disk(block::BlockDevice& disk) {
  fs::MountOptions options;
  options.quiet = true;
  auto r = fs::mount_root(&disk, options);
  ASSERT_TRUE(r.ok()) << error_name(r.error());
  host::process_cwd() = fs::root_inode();
}

void unmount_disk() {
  fs::File** files = host::process_files();
  for (int fd = 0; fd < host::sys::kNoFile; fd++) {
    if (files[fd]) fs::file_close(files[fd]);
    files[fd] = nullptr;
  }
  if (fs::Inode*& cwd = host::process_cwd()) {
    fs::begin_op();
    fs::inode_put(cwd);
    fs::end_op();
    cwd = nullptr;
  }
  auto r = fs::unmount_root();
  ASSERT_TRUE(r.ok()) << error_name(r.error());
}

Result<void> write_file(const std::string& path, const std::string& data, int flags) {
  fs::File* f = TRY(fs::open(path.c_str(), flags));
  auto r = fs::file_write(f, IoBuffer::kernel(data.data()), data.size());
  fs::file_close(f);
  if (!r.ok()) return r.error();
  if (r.value() != data.size()) return Error::NoSpace;
  return {};
}

Result<std::string> read_file(const std::string& path) {
  fs::File* f = TRY(fs::open(path.c_str(), kRdOnly));
  std::string out;
  char buf[8192];
  for (;;) {
    auto r = fs::file_read(f, IoBuffer::kernel(buf), sizeof buf);
    if (!r.ok()) {
      fs::file_close(f);
      return r.error();
    }
    if (r.value() == 0) break;
    out.append(buf, r.value());
  }
  fs::file_close(f);
  return out;
}

Result<Stat> stat_path(const std::string& path) {
  fs::File* f = TRY(fs::open(path.c_str(), kRdOnly));
  Stat st{};
  auto r = fs::file_stat(f, IoBuffer::kernel(&st));
  fs::file_close(f);
  if (!r.ok()) return r.error();
  return st;
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
  std::string raw = TRY(read_file(path));
  std::vector<std::string> names;
  for (size_t off = 0; off + sizeof(fs::DirEntry) <= raw.size(); off += sizeof(fs::DirEntry)) {
    fs::DirEntry e;
    memcpy(&e, raw.data() + off, sizeof e);
    if (e.inum == 0) continue;
    std::string name(e.name, strnlen(e.name, fs::kNameSize));
    if (name != "." && name != "..") names.push_back(name);
  }
  return names;
}

std::string pattern(size_t n, uint32_t seed) {
  std::string s(n, '\0');
  uint32_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s[i] = static_cast<char>(x);
  }
  return s;
}

void FsFixture::SetUp() {
  disk = std::make_unique<MemoryDisk>(disk_bytes());
  format(*disk, inode_count());
  mount_disk(*disk);
}

void FsFixture::TearDown() {
  if (fs::root_mounted()) {
    unmount_disk();
    auto report = check(*disk);
    EXPECT_TRUE(report.clean()) << describe(report);
    EXPECT_EQ(report.orphans, 0u);
  }
  EXPECT_EQ(fs::files_in_use(), 0u);
}

void FsFixture::remount() {
  unmount_disk();
  mount_disk(*disk);
}

}  // namespace rivet::fstest

// The file system's semantics on an in-memory disk: files, directories,
// links, paths, names, large and sparse files, a full disk, running out of
// inodes, device files and the on-disk format helpers.
#include <string.h>

#include <gtest/gtest.h>

#include "kernel/fs/device.h"
#include "kernel/fs/filesystem.h"
#include "kernel/fs/page_cache.h"
#include "tests/unit/fs_test_fixture.h"

namespace rivet::fstest {
namespace {

using fs::kTypeDevice;
using fs::kTypeDir;
using fs::kTypeFile;

class FsBasic : public FsFixture {};

// Proves a file created, written and closed reads back byte for byte, also after a remount.
TEST_F(FsBasic, CreateWriteReadBack) {
  std::string data = pattern(10000, 1);
  ASSERT_TRUE(write_file("/hello", data).ok());
  EXPECT_EQ(read_file("/hello").value(), data);
  auto st = stat_path("/hello");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->type, kTypeFile);
  EXPECT_EQ(st->nlink, 1);
  EXPECT_EQ(st->size, 10000u);
  remount();
  EXPECT_EQ(read_file("/hello").value(), data);
}

// Proves O_APPEND writes at the end whatever the offset, and O_TRUNC empties a file.
TEST_F(FsBasic, AppendAndTruncate) {
  ASSERT_TRUE(write_file("/f", "abc").ok());
  ASSERT_TRUE(write_file("/f", "def", kWrOnly | kAppend).ok());
  EXPECT_EQ(read_file("/f").value(), "abcdef");
  // Two descriptors appending alternately never overwrite each other.
  fs::File* a = fs::open("/f", kWrOnly | kAppend).value();
  fs::File* b = fs::open("/f", kWrOnly | kAppend).value();
  ASSERT_EQ(fs::file_write(a, IoBuffer::kernel("1"), 1).value(), 1u);
  ASSERT_EQ(fs::file_write(b, IoBuffer::kernel("2"), 1).value(), 1u);
  ASSERT_EQ(fs::file_write(a, IoBuffer::kernel("3"), 1).value(), 1u);
  fs::file_close(a);
  fs::file_close(b);
  EXPECT_EQ(read_file("/f").value(), "abcdef123");
  // Without O_TRUNC, a write overwrites in place.
  ASSERT_TRUE(write_file("/f", "XY", kWrOnly).ok());
  EXPECT_EQ(read_file("/f").value(), "XYcdef123");
  ASSERT_TRUE(write_file("/f", "", kWrOnly | kTrunc).ok());
  EXPECT_EQ(read_file("/f").value(), "");
  EXPECT_EQ(stat_path("/f")->size, 0u);
}

// Proves unlink removes the name and gives back the file's blocks and inode.
TEST_F(FsBasic, UnlinkRemovesNameAndFreesBlocks) {
  auto before = check_now();
  ASSERT_TRUE(write_file("/f", pattern(200000, 2)).ok());
  auto during = check_now();
  EXPECT_GT(during.data_blocks_used, before.data_blocks_used + 48);
  ASSERT_TRUE(fs::unlink("/f").ok());
  EXPECT_EQ(fs::open("/f", kRdOnly).error(), Error::NotFound);
  EXPECT_EQ(fs::unlink("/f").error(), Error::NotFound);
  auto after = check_now();
  EXPECT_TRUE(after.clean()) << describe(after);
  EXPECT_EQ(after.data_blocks_used, before.data_blocks_used);
  EXPECT_EQ(after.files, before.files);
}

// Proves an unlinked file stays readable through an open descriptor and is freed at the last close.
TEST_F(FsBasic, UnlinkOpenFileKeepsDataUntilClose) {
  auto before = check_now();
  ASSERT_TRUE(write_file("/f", "still here").ok());
  fs::File* f = fs::open("/f", kRdWr).value();
  ASSERT_TRUE(fs::unlink("/f").ok());
  char buf[32] = {};
  ASSERT_EQ(fs::file_read(f, IoBuffer::kernel(buf), sizeof buf).value(), 10u);
  EXPECT_STREQ(buf, "still here");
  ASSERT_EQ(fs::file_write(f, IoBuffer::kernel("!"), 1).value(), 1u);
  auto mid = check_now();
  EXPECT_EQ(mid.orphans, 1u);  // what a crash now would leave: freed at the next mount
  fs::file_close(f);
  auto after = check_now();
  EXPECT_TRUE(after.clean());
  EXPECT_EQ(after.orphans, 0u);
  EXPECT_EQ(after.data_blocks_used, before.data_blocks_used);
}

// Proves link adds a name with the same inode and counts it; directories cannot be linked.
TEST_F(FsBasic, LinkCountsAndLinkRules) {
  ASSERT_TRUE(write_file("/a", "data").ok());
  ASSERT_TRUE(fs::link("/a", "/b").ok());
  EXPECT_EQ(stat_path("/a")->nlink, 2);
  EXPECT_EQ(stat_path("/a")->ino, stat_path("/b")->ino);
  EXPECT_EQ(fs::link("/a", "/b").error(), Error::Exists);
  EXPECT_EQ(fs::link("/missing", "/c").error(), Error::NotFound);
  EXPECT_EQ(fs::link("/a", "/nodir/c").error(), Error::NotFound);
  ASSERT_TRUE(fs::make_directory("/d").ok());
  EXPECT_EQ(fs::link("/d", "/e").error(), Error::NotPermitted);
  EXPECT_EQ(fs::link("/a", "/d/..").error(), Error::Exists);
  ASSERT_TRUE(fs::unlink("/a").ok());
  EXPECT_EQ(read_file("/b").value(), "data");
  EXPECT_EQ(stat_path("/b")->nlink, 1);
  EXPECT_TRUE(check_now().clean());
}

// Proves mkdir makes "." and "..", counts links as the checker expects, and rmdir rules hold.
TEST_F(FsBasic, MkdirAndRmdirSemantics) {
  uint16_t root_links = static_cast<uint16_t>(stat_path("/")->nlink);
  ASSERT_TRUE(fs::make_directory("/d").ok());
  EXPECT_EQ(stat_path("/")->nlink, root_links + 1);
  EXPECT_EQ(fs::make_directory("/d").error(), Error::Exists);
  EXPECT_EQ(stat_path("/d")->type, kTypeDir);
  EXPECT_EQ(stat_path("/d")->nlink, 1);
  ASSERT_TRUE(fs::make_directory("/d/e").ok());
  EXPECT_EQ(stat_path("/d")->nlink, 2);
  EXPECT_EQ(stat_path("/d/e/..")->ino, stat_path("/d")->ino);
  EXPECT_EQ(stat_path("/d/e/.")->ino, stat_path("/d/e")->ino);
  ASSERT_TRUE(write_file("/d/e/f", "x").ok());
  EXPECT_EQ(fs::unlink("/d/e").error(), Error::NotEmpty);
  EXPECT_EQ(fs::unlink("/d/e/.").error(), Error::Invalid);
  EXPECT_EQ(fs::unlink("/d/e/..").error(), Error::Invalid);
  EXPECT_EQ(fs::unlink("/").error(), Error::Invalid);
  EXPECT_EQ(fs::open("/d", kWrOnly).error(), Error::IsDirectory);
  EXPECT_EQ(fs::open("/d", kRdOnly | kTrunc).error(), Error::IsDirectory);
  EXPECT_EQ(fs::open("/d", kCreate | kRdWr).error(), Error::IsDirectory);
  EXPECT_EQ(fs::make_node("/d", 5, 0).error(), Error::Exists);
  ASSERT_TRUE(fs::unlink("/d/e/f").ok());
  ASSERT_TRUE(fs::unlink("/d/e").ok());
  EXPECT_EQ(stat_path("/d")->nlink, 1);
  ASSERT_TRUE(fs::unlink("/d").ok());
  EXPECT_EQ(stat_path("/")->nlink, root_links);
  auto report = check_now();
  EXPECT_TRUE(report.clean()) << describe(report);
  EXPECT_EQ(report.directories, 1u);
}

// Proves a directory grows past many blocks, every entry stays findable, and freed slots are reused.
TEST_F(FsBasic, DirectoryGrowsAndShrinks) {
  ASSERT_TRUE(fs::make_directory("/d").ok());
  const int n = 1000;  // ~16 blocks of entries: into the single-indirect block
  for (int i = 0; i < n; i++) ASSERT_TRUE(write_file("/d/file" + std::to_string(i), std::to_string(i)).ok()) << i;
  EXPECT_GT(stat_path("/d")->size, 12u * fs::kBlockSize);
  for (int i = 0; i < n; i += 37) EXPECT_EQ(read_file("/d/file" + std::to_string(i)).value(), std::to_string(i));
  EXPECT_EQ(list_dir("/d")->size(), size_t(n));
  uint64_t size = stat_path("/d")->size;
  for (int i = 0; i < n; i += 2) ASSERT_TRUE(fs::unlink(("/d/file" + std::to_string(i)).c_str()).ok());
  EXPECT_EQ(list_dir("/d")->size(), size_t(n / 2));
  for (int i = 0; i < n; i += 2) ASSERT_TRUE(write_file("/d/new" + std::to_string(i), "n").ok());
  EXPECT_EQ(stat_path("/d")->size, size);  // the freed slots were reused
  remount();
  EXPECT_EQ(read_file("/d/file999").value(), "999");
  EXPECT_EQ(read_file("/d/new998").value(), "n");
  auto report = check_now();
  EXPECT_TRUE(report.clean()) << describe(report);
}

// Proves relative paths resolve from the working directory, ".." stops at the root, and slashes collapse.
TEST_F(FsBasic, RelativePathsAndChdir) {
  ASSERT_TRUE(fs::make_directory("/a").ok());
  ASSERT_TRUE(fs::make_directory("/a/b").ok());
  ASSERT_TRUE(fs::change_directory("/a").ok());
  ASSERT_TRUE(write_file("b/f", "rel").ok());
  EXPECT_EQ(read_file("/a/b/f").value(), "rel");
  EXPECT_EQ(read_file("./b/../b//f").value(), "rel");
  ASSERT_TRUE(fs::change_directory("b").ok());
  EXPECT_EQ(read_file("f").value(), "rel");
  EXPECT_EQ(read_file("../../../../a/b/f").value(), "rel");
  EXPECT_EQ(stat_path("/..")->ino, stat_path("/")->ino);
  EXPECT_EQ(fs::change_directory("f").error(), Error::NotDirectory);
  EXPECT_EQ(fs::change_directory("nope").error(), Error::NotFound);
  ASSERT_TRUE(fs::change_directory("///").ok());
  EXPECT_EQ(read_file("a/b/f").value(), "rel");
}

// Proves the path errors: empty, missing, through a file, and a removed working directory.
TEST_F(FsBasic, PathErrors) {
  ASSERT_TRUE(write_file("/f", "x").ok());
  EXPECT_EQ(fs::open("", kRdOnly).error(), Error::NotFound);
  EXPECT_EQ(fs::open("/nope", kRdOnly).error(), Error::NotFound);
  EXPECT_EQ(fs::open("/f/x", kRdOnly).error(), Error::NotDirectory);
  EXPECT_EQ(fs::open("/f/x", kCreate | kRdWr).error(), Error::NotDirectory);
  EXPECT_EQ(fs::make_directory("/nope/x").error(), Error::NotFound);
  EXPECT_EQ(fs::make_directory("/").error(), Error::Invalid);
  // A working directory removed from under the process: lookups fail, nothing breaks.
  ASSERT_TRUE(fs::make_directory("/gone").ok());
  ASSERT_TRUE(fs::change_directory("/gone").ok());
  ASSERT_TRUE(fs::unlink("/gone").ok());
  EXPECT_EQ(fs::open("x", kCreate | kRdWr).error(), Error::NotFound);
  ASSERT_TRUE(fs::change_directory("/").ok());  // drops the last reference: freed now
  EXPECT_TRUE(check_now().clean());
}

// Proves names up to DIRSIZ-1 characters work, longer ones and over-long paths are NameTooLong.
TEST_F(FsBasic, LongNames) {
  std::string longest(fs::kNameSize - 1, 'n');
  std::string too_long(fs::kNameSize, 'n');
  ASSERT_TRUE(write_file("/" + longest, "ok").ok());
  EXPECT_EQ(read_file("/" + longest).value(), "ok");
  EXPECT_EQ(list_dir("/")->at(0), longest);
  EXPECT_EQ(fs::open(("/" + too_long).c_str(), kCreate | kRdWr).error(), Error::NameTooLong);
  EXPECT_EQ(fs::make_directory(("/" + too_long).c_str()).error(), Error::NameTooLong);
  EXPECT_EQ(fs::open(("/" + too_long + "/x").c_str(), kRdOnly).error(), Error::NameTooLong);
  // A name that differs only after DIRSIZ-1 characters is not confused with the stored one.
  EXPECT_EQ(fs::open(("/" + longest + "x").c_str(), kRdOnly).error(), Error::NameTooLong);
  // Paths: MAXPATH-1 characters is the limit.
  std::string path = "/bb";
  while (path.size() + 2 <= fs::kMaxPathLength - 1) path += "/a";
  ASSERT_EQ(path.size(), fs::kMaxPathLength - 1);
  EXPECT_EQ(fs::open(path.c_str(), kRdOnly).error(), Error::NotFound);
  EXPECT_EQ(fs::open((path + "a").c_str(), kRdOnly).error(), Error::NameTooLong);
}

// Proves bad open flags are rejected before anything is created.
TEST_F(FsBasic, OpenFlagsValidation) {
  EXPECT_EQ(fs::open("/x", kCreate | 3).error(), Error::Invalid);
  EXPECT_EQ(fs::open("/x", kCreate | 0x10000).error(), Error::Invalid);
  EXPECT_EQ(fs::open("/x", kRdOnly).error(), Error::NotFound);
  fs::File* f = fs::open("/x", kCreate | kRdOnly).value();
  EXPECT_EQ(fs::file_write(f, IoBuffer::kernel("a"), 1).error(), Error::BadFd);
  fs::file_close(f);
  f = fs::open("/x", kWrOnly).value();
  char c;
  EXPECT_EQ(fs::file_read(f, IoBuffer::kernel(&c), 1).error(), Error::BadFd);
  fs::file_close(f);
}

Result<size_t> fake_device_read(int minor, IoSink dst, size_t n) {
  char text[16];
  int len = snprintf(text, sizeof text, "dev%d", minor);
  size_t m = n < size_t(len) ? n : size_t(len);
  TRY(dst.put(0, text, m));
  return m;
}
std::string g_device_written;
Result<size_t> fake_device_write(int minor, IoSource src, size_t n) {
  std::string s(n, '\0');
  TRY(src.get(0, s.data(), n));
  g_device_written += s;
  return n;
}

// Proves device files route reads and writes to the registered driver, and a missing driver is NoDevice.
TEST_F(FsBasic, DeviceFiles) {
  fs::register_device(7, fake_device_read, fake_device_write);
  ASSERT_TRUE(fs::make_node("/dev7", 7, 3).ok());
  ASSERT_TRUE(fs::make_node("/dev9", 9, 0).ok());
  EXPECT_EQ(fs::make_node("/dev7", 7, 3).error(), Error::Exists);
  EXPECT_EQ(fs::make_node("/bad", -1, 0).error(), Error::Invalid);
  fs::File* d = fs::open("/dev7", kRdOnly).value();
  char text[8] = {};
  EXPECT_EQ(fs::file_read(d, IoBuffer::kernel(text), 4).value(), 4u);
  EXPECT_STREQ(text, "dev3");
  fs::file_close(d);
  g_device_written.clear();
  ASSERT_TRUE(write_file("/dev7", "to the device", kWrOnly).ok());
  EXPECT_EQ(g_device_written, "to the device");
  EXPECT_EQ(stat_path("/dev7").error(), Error::None);
  EXPECT_EQ(stat_path("/dev7")->type, kTypeDevice);
  EXPECT_EQ(fs::open("/dev9", kRdOnly).error(), Error::NoDevice);
  // O_CREATE on an existing device opens it.
  fs::File* f = fs::open("/dev7", kCreate | kRdWr).value();
  fs::file_close(f);
  fs::register_device(7, nullptr, nullptr);
}

// ---- large and sparse files ----------------------------------------------------------

class FsLarge : public FsFixture {
 protected:
  uint64_t disk_bytes() const override { return 64ull << 20; }
};

// Proves a 6 MiB file (direct, single and double indirect blocks) round-trips and frees completely.
TEST_F(FsLarge, MultiMegabyteFileUsesDoubleIndirect) {
  auto before = check_now();
  std::string data = pattern(6 << 20, 3);
  ASSERT_TRUE(write_file("/big", data).ok());
  EXPECT_EQ(read_file("/big").value() == data, true);
  auto during = check_now();
  EXPECT_TRUE(during.clean()) << describe(during);
  // 1536 data blocks, one single-indirect, one double-indirect and one of its leaves.
  EXPECT_EQ(during.data_blocks_used - before.data_blocks_used, 1536u + 3u);
  ASSERT_TRUE(fs::unlink("/big").ok());
  EXPECT_EQ(check_now().data_blocks_used, before.data_blocks_used);
}

// Helpers for writing at arbitrary offsets, which no system call offers (there is no lseek).
Result<size_t> write_at(fs::File* f, uint64_t off, const std::string& data) {
  return fs::inode_write(f->ip, IoBuffer::kernel(data.data()), off, data.size());
}
Result<std::string> read_at(fs::File* f, uint64_t off, size_t n) {
  std::string out(n, '\0');
  TRY(fs::inode_lock(f->ip));
  auto r = fs::inode_read(f->ip, IoBuffer::kernel(out.data()), off, n);
  fs::inode_unlock(f->ip);
  size_t got = TRY(r);
  out.resize(got);
  return out;
}

// Proves a sparse file grows past 4 GiB (double- and triple-indirect), holes read as zeros, and all of it is freed.
TEST_F(FsLarge, SparseFileBeyond4GiB) {
  auto before = check_now();
  fs::File* f = fs::open("/sparse", kCreate | kRdWr).value();
  const uint64_t k4G = 4ull << 30;
  struct Piece { uint64_t off; std::string data; };
  std::vector<Piece> pieces = {
      {0, "start"},
      {k4G - 3, pattern(10, 4)},                       // straddles 4 GiB, double-indirect
      {k4G + (12ull << 20), pattern(3 * fs::kBlockSize + 5, 5)},  // triple-indirect
      {1ull << 40, pattern(100, 6)},                   // 1 TiB
  };
  for (auto& p : pieces) ASSERT_EQ(write_at(f, p.off, p.data).value(), p.data.size());
  for (auto& p : pieces) EXPECT_EQ(read_at(f, p.off, p.data.size()).value(), p.data);
  EXPECT_EQ(read_at(f, k4G + 100, 16).value(), std::string(16, '\0'));  // a hole
  auto st = stat_path("/sparse");
  EXPECT_EQ(st->size, (1ull << 40) + 100);
  auto during = check_now();
  EXPECT_TRUE(during.clean()) << describe(during);
  EXPECT_LT(during.data_blocks_used - before.data_blocks_used, 30u);
  fs::file_close(f);
  remount();
  f = fs::open("/sparse", kRdOnly).value();
  EXPECT_EQ(read_at(f, k4G - 3, 10).value(), pieces[1].data);
  fs::file_close(f);
  ASSERT_TRUE(fs::unlink("/sparse").ok());
  EXPECT_EQ(check_now().data_blocks_used, before.data_blocks_used);
}

// Proves the last byte of the largest file can be written and one past it is FileTooBig.
TEST_F(FsLarge, MaxFileSize) {
  fs::File* f = fs::open("/max", kCreate | kRdWr).value();
  EXPECT_EQ(write_at(f, fs::kMaxFileSize - 1, "z").value(), 1u);
  EXPECT_EQ(write_at(f, fs::kMaxFileSize, "z").error(), Error::FileTooBig);
  EXPECT_EQ(write_at(f, fs::kMaxFileSize - 2, "abc").value(), 2u);  // clipped at the limit
  EXPECT_EQ(read_at(f, fs::kMaxFileSize - 2, 10).value(), "ab");
  fs::file_close(f);
  EXPECT_EQ(stat_path("/max")->size, fs::kMaxFileSize);
}

// Proves O_TRUNC and unlink free every block, also when the blocks span many bitmap blocks (several operations).
TEST_F(FsLarge, TruncateFreesEveryBlock) {
  // A disk with 40 bitmap blocks, so freeing a spread-out file takes several steps.
  unmount_disk();
  disk = std::make_unique<MemoryDisk>(40ull * fs::kBitsPerBlock * fs::kBlockSize);
  format(*disk, 256);
  mount_disk(*disk);
  auto before = check_now();
  fs::File* f = fs::open("/spread", kCreate | kRdWr).value();
  fs::FileSystem& fsys = fs::root_fs();
  for (uint32_t i = 0; i < 40; i++) {
    // Each block in another bitmap block: write-back puts a file's data
    // after the last data block it wrote.
    fsys.last_data_block = i * fs::kBitsPerBlock;
    ASSERT_EQ(fs::file_write(f, IoBuffer::kernel(pattern(fs::kBlockSize, i).data()), fs::kBlockSize).value(),
              fs::kBlockSize);
    ASSERT_TRUE(fs::file_sync(f, false).ok());
  }
  fs::file_close(f);
  auto during = check_now();
  EXPECT_TRUE(during.clean()) << describe(during);
  EXPECT_EQ(during.data_blocks_used - before.data_blocks_used, 41u);
  uint64_t operations = fsys.log().operations();
  f = fs::open("/spread", kWrOnly | kTrunc).value();
  EXPECT_GE(fsys.log().operations() - operations, 2u);  // it took more than one operation
  EXPECT_EQ(stat_path("/spread")->size, 0u);
  auto after = check_now();
  EXPECT_TRUE(after.clean()) << describe(after);
  EXPECT_EQ(after.data_blocks_used, before.data_blocks_used);
  EXPECT_EQ(after.orphans, 0u);
  // And the file is usable again.
  ASSERT_EQ(fs::file_write(f, IoBuffer::kernel("again"), 5).value(), 5u);
  fs::file_close(f);
  EXPECT_EQ(read_file("/spread").value(), "again");
  // Unlink of a spread-out file, likewise.
  f = fs::open("/spread", kWrOnly | kTrunc).value();
  for (uint32_t i = 0; i < 40; i++) {
    fsys.last_data_block = (39 - i) * fs::kBitsPerBlock;
    ASSERT_EQ(fs::file_write(f, IoBuffer::kernel(pattern(100, i).data()), 100).value(), 100u);
    std::string pad(fs::kBlockSize - 100, 'p');
    ASSERT_EQ(fs::file_write(f, IoBuffer::kernel(pad.data()), pad.size()).value(), pad.size());
    ASSERT_TRUE(fs::file_sync(f, false).ok());
  }
  fs::file_close(f);
  ASSERT_TRUE(fs::unlink("/spread").ok());
  EXPECT_EQ(check_now().data_blocks_used, before.data_blocks_used);
}

// ---- space ---------------------------------------------------------------------------------

class FsSpace : public FsFixture {
 protected:
  uint64_t disk_bytes() const override { return 2 << 20; }  // ~300 data blocks
  uint32_t inode_count() const override { return 64; }
};

// Proves a full disk gives a short write then NoSpace, and removing the file gives everything back.
TEST_F(FsSpace, DiskFullReturnsNoSpaceAndLeaksNothing) {
  auto before = check_now();
  fs::File* f = fs::open("/fill", kCreate | kWrOnly).value();
  std::string chunk = pattern(64 << 10, 7);
  uint64_t total = 0;
  for (;;) {
    auto r = fs::file_write(f, IoBuffer::kernel(chunk.data()), chunk.size());
    if (!r.ok()) {
      EXPECT_EQ(r.error(), Error::NoSpace);
      break;
    }
    total += r.value();
    ASSERT_LT(total, 4u << 20);
  }
  fs::file_close(f);
  auto full = check_now();
  EXPECT_TRUE(full.clean()) << describe(full);
  EXPECT_EQ(full.data_blocks_used, full.sb.nblocks);  // every block in use
  EXPECT_EQ(stat_path("/fill")->size, total);
  EXPECT_EQ(read_file("/fill").value(), [&] {
    std::string s;
    while (s.size() < total) s += chunk;
    return s.substr(0, total);
  }());
  ASSERT_TRUE(fs::unlink("/fill").ok());
  auto after = check_now();
  EXPECT_EQ(after.data_blocks_used, before.data_blocks_used);
}

// Proves the space of deleted files can be written again at once: reservations for data waiting in the page cache and blocks freed by the deleting operations come back.
TEST_F(FsSpace, SpaceComesBackAfterUnlink) {
  std::string chunk = pattern(24 << 10, 9);
  auto fill = [&](const std::string& name) {
    fs::File* f = fs::open(name.c_str(), kCreate | kWrOnly).value();
    uint64_t total = 0;
    for (;;) {
      auto r = fs::file_write(f, IoBuffer::kernel(chunk.data()), chunk.size());
      if (!r.ok()) break;
      total += r.value();
    }
    fs::file_close(f);
    return total;
  };
  uint64_t first = fill("/a");
  ASSERT_GT(first, 0u);
  ASSERT_TRUE(fs::unlink("/a").ok());
  EXPECT_EQ(fs::root_fs().reserved_blocks(), 0u);
  uint64_t second = fill("/b");
  EXPECT_EQ(second, first);
  ASSERT_TRUE(fs::unlink("/b").ok());
  EXPECT_EQ(fs::root_fs().reserved_blocks(), 0u);
}

// Proves mkdir gets the space of a just-deleted file at once: the blocks
// the unlink freed wait for its group to be installed before they are
// handed out again, so mkdir (which needs a block) installs and retries
// instead of failing with NoSpace (as open(O_CREATE), mknod and link do).
TEST_F(FsSpace, MkdirRightAfterUnlinkOfAFullDisk) {
  std::string chunk = pattern(64 << 10, 5);
  for (int round = 0; round < 3; round++) {
    fs::File* f = fs::open("/fill", kCreate | kWrOnly).value();
    for (;;) {
      auto r = fs::file_write(f, IoBuffer::kernel(chunk.data()), chunk.size());
      if (!r.ok()) break;
    }
    ASSERT_TRUE(fs::file_sync(f, false).ok());  // every block allocated and committed
    fs::file_close(f);
    ASSERT_TRUE(fs::unlink("/fill").ok());
    // Nothing has installed the unlink's group yet.
    std::string dir = "/d" + std::to_string(round);
    auto r = fs::make_directory(dir.c_str());
    ASSERT_TRUE(r.ok()) << "round " << round << ": error " << static_cast<int>(r.error());
  }
  auto after = check_now();
  EXPECT_TRUE(after.clean()) << describe(after);
}

// Proves a disk error during write-back is reported by the next fsync (once), and by close when no fsync came first; the data stays readable from the cache and the disk keeps a consistent file system.
TEST_F(FsSpace, WriteBackErrorReachesFsyncAndClose) {
  ASSERT_TRUE(write_file("/keep", "kept").ok());
  fs::sync();
  std::string data = pattern(3 * fs::kBlockSize, 21);
  fs::File* f = fs::open("/f", kCreate | kRdWr).value();
  ASSERT_EQ(fs::file_write(f, IoBuffer::kernel(data.data()), data.size()).value(), data.size());
  disk->fail_writes = true;
  auto r = fs::file_sync(f, false);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(fs::file_sync(f, false).ok() || fs::root_fs().log().failed());  // reported once
  fs::file_close(f);
  fs::File* g = fs::open("/g", kCreate | kRdWr).value();
  ASSERT_EQ(fs::file_write(g, IoBuffer::kernel(data.data()), data.size()).value(), data.size());
  fs::write_back_all(fs::root_fs());
  EXPECT_EQ(fs::file_take_write_error(g).error(), Error::Io);  // what close reports
  EXPECT_TRUE(fs::file_take_write_error(g).ok());
  fs::file_close(g);
  disk->fail_writes = false;
  EXPECT_EQ(read_file("/f").value(), data);  // still in the cache
  // The disk: what was synced before the failure, consistent.
  auto report = check(*disk, /*replay=*/true);
  EXPECT_TRUE(report.clean()) << describe(report);
}

// Proves calls that fail for lack of space (mkdir, create growing a directory) leave no inode or block behind.
TEST_F(FsSpace, FailedCallsOnFullDiskLeakNothing) {
  // The root's first block holds 63 entries (its last slot is the block's
  // checksum): ".", "..", 60 files and /fill.
  for (int i = 0; i < 60; i++) ASSERT_TRUE(write_file("/e" + std::to_string(i), "").ok());
  EXPECT_EQ(write_file("/fill", std::string(4 << 20, 'x')).error(), Error::NoSpace);  // a short write
  fs::File* f = fs::open("/fill", kWrOnly | kAppend).value();
  while (fs::file_write(f, IoBuffer::kernel("y"), 1).ok()) {
  }
  fs::file_close(f);
  auto full = check_now();
  ASSERT_EQ(full.data_blocks_used, full.sb.nblocks);
  ASSERT_EQ(stat_path("/")->size, uint64_t{fs::kDirEntriesPerBlock} * sizeof(fs::DirEntry));
  // A directory needs a block for "." and "..".
  EXPECT_EQ(fs::make_directory("/d").error(), Error::NoSpace);
  // Another name needs a second block in the root.
  EXPECT_EQ(fs::open("/one-more", kCreate | kRdWr).error(), Error::NoSpace);
  EXPECT_EQ(fs::make_node("/dev", 5, 0).error(), Error::NoSpace);
  auto after = check_now();
  EXPECT_TRUE(after.clean()) << describe(after);
  EXPECT_EQ(after.files, full.files);
  EXPECT_EQ(after.directories, full.directories);
  EXPECT_EQ(after.devices, 0u);
  EXPECT_EQ(after.orphans, 0u);
  EXPECT_EQ(after.data_blocks_used, full.data_blocks_used);
  EXPECT_EQ(stat_path("/")->size, uint64_t{fs::kDirEntriesPerBlock} * sizeof(fs::DirEntry));
}

// Proves running out of inodes is NoSpace without side effects, and freeing one makes room again.
TEST_F(FsSpace, InodeExhaustion) {
  uint32_t ninodes = fs::root_fs().superblock().ninodes;  // inode 0 unused, 1 is the root
  ASSERT_TRUE(fs::make_directory("/d").ok());
  uint32_t created = 0;
  for (;; created++) {
    auto r = fs::open(("/d/f" + std::to_string(created)).c_str(), kCreate | kRdWr);
    if (!r.ok()) {
      EXPECT_EQ(r.error(), Error::NoSpace);
      break;
    }
    fs::file_close(r.value());
  }
  EXPECT_EQ(created, ninodes - 3);
  EXPECT_EQ(fs::make_directory("/x").error(), Error::NoSpace);
  auto full = check_now();
  EXPECT_TRUE(full.clean()) << describe(full);
  ASSERT_TRUE(fs::unlink("/d/f7").ok());
  ASSERT_TRUE(fs::make_directory("/x").ok());
  EXPECT_EQ(fs::open("/y", kCreate | kRdWr).error(), Error::NoSpace);
}

// ---- format helpers --------------------------------------------------------------------

// Proves the log-header checksum is CRC-32C (check value of "123456789") and detects a changed entry.
TEST(FsFormat, Crc32cAndLogHeaderChecksum) {
  EXPECT_EQ(fs::crc32c("123456789", 9), 0xe3069283u);
  fs::LogHeader h{};
  h.magic = fs::kLogMagic;
  h.count = 2;
  h.blocks[0] = 100;
  h.blocks[1] = 200;
  uint32_t c = fs::log_header_checksum(h);
  h.blocks[1] = 201;
  EXPECT_NE(fs::log_header_checksum(h), c);
  h.blocks[1] = 200;
  h.blocks[5] = 7;  // beyond count: not covered
  EXPECT_EQ(fs::log_header_checksum(h), c);
}

// Proves plan_layout fills the device, and validate_superblock accepts it and rejects each broken field.
TEST(FsFormat, LayoutAndSuperblockValidation) {
  for (uint64_t blocks : {300ull, 4096ull, 1ull << 20, (1ull << 32) - 1}) {
    auto sb = fs::plan_layout(blocks);
    ASSERT_TRUE(sb.ok()) << blocks;
    EXPECT_EQ(sb->size, blocks);
    EXPECT_TRUE(fs::validate_superblock(*sb, blocks).ok());
    EXPECT_GE(sb->nlog, fs::kMinLogBlocks);
    EXPECT_EQ(sb->datastart + sb->nblocks, sb->size);
  }
  EXPECT_FALSE(fs::plan_layout(100).ok());
  EXPECT_FALSE(fs::plan_layout(1ull << 32).ok());
  fs::SuperBlock good = fs::plan_layout(4096).value();
  EXPECT_FALSE(fs::validate_superblock(good, 4095).ok());  // larger than its device
  for (size_t field = 0; field < sizeof(fs::SuperBlock) / 4; field++) {
    for (uint32_t delta : {1u, 0x80000000u, 0xffffffffu}) {
      fs::SuperBlock sb = good;
      reinterpret_cast<uint32_t*>(&sb)[field] += delta;
      EXPECT_FALSE(fs::validate_superblock(sb, 1ull << 33).ok()) << "field " << field << " +" << delta;
    }
  }
}

}  // namespace
}  // namespace rivet::fstest

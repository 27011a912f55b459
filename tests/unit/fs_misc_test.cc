// Pipes, the Files system calls with good and bad arguments, mounting
// corrupt or hostile images, and several threads using the file system at
// once.
#include <string.h>

#include <atomic>
#include <chrono>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "kernel/fs/filesystem.h"
#include "kernel/fs/pipe.h"
#include "tests/unit/fs_test_fixture.h"

namespace rivet::fstest {
namespace {

namespace sys = host::sys;

// ---- pipes ---------------------------------------------------------------------------

// Proves bytes written to a pipe come out in order, and a closed write end reads as end of file.
TEST(FsPipe, ReadWriteAndEndOfFile) {
  fs::File* r;
  fs::File* w;
  ASSERT_TRUE(fs::pipe_alloc(&r, &w).ok());
  EXPECT_FALSE(w->readable);
  EXPECT_FALSE(r->writable);
  ASSERT_EQ(fs::file_write(w, IoBuffer::kernel("hello"), 5).value(), 5u);
  char buf[16] = {};
  ASSERT_EQ(fs::file_read(r, IoBuffer::kernel(buf), sizeof buf).value(), 5u);
  EXPECT_STREQ(buf, "hello");
  EXPECT_EQ(fs::file_read(w, IoBuffer::kernel(buf), 1).error(), Error::BadFd);
  fs::file_close(w);
  EXPECT_EQ(fs::file_read(r, IoBuffer::kernel(buf), sizeof buf).value(), 0u);
  fs::file_close(r);
  EXPECT_EQ(fs::files_in_use(), 0u);
}

// Proves writing to a pipe whose read end is closed is BrokenPipe.
TEST(FsPipe, BrokenPipe) {
  fs::File* r;
  fs::File* w;
  ASSERT_TRUE(fs::pipe_alloc(&r, &w).ok());
  fs::file_close(r);
  EXPECT_EQ(fs::file_write(w, IoBuffer::kernel("x"), 1).error(), Error::BrokenPipe);
  fs::file_close(w);
}

// Proves a writer blocks on a full pipe and a reader on an empty one, and 1 MiB crosses intact.
TEST(FsPipe, BlockingTransferBetweenThreads) {
  fs::File* r;
  fs::File* w;
  ASSERT_TRUE(fs::pipe_alloc(&r, &w).ok());
  std::string data = pattern(1 << 20, 11);
  std::thread writer([&] {
    size_t off = 0;
    while (off < data.size()) {
      size_t n = std::min<size_t>(data.size() - off, 10000);
      auto put = fs::file_write(w, IoBuffer::kernel(data.data() + off), n);
      ASSERT_TRUE(put.ok());
      off += put.value();
    }
    fs::file_close(w);
  });
  std::string got;
  char buf[3000];
  for (;;) {
    auto n = fs::file_read(r, IoBuffer::kernel(buf), sizeof buf);
    ASSERT_TRUE(n.ok());
    if (n.value() == 0) break;
    got.append(buf, n.value());
  }
  writer.join();
  fs::file_close(r);
  EXPECT_TRUE(got == data);
}

// Proves a killed process stops waiting on an empty pipe with Interrupted.
TEST(FsPipe, KilledReaderStopsWaiting) {
  fs::File* r;
  fs::File* w;
  ASSERT_TRUE(fs::pipe_alloc(&r, &w).ok());
  host::set_killed(true);
  char c;
  EXPECT_EQ(fs::file_read(r, IoBuffer::kernel(&c), 1).error(), Error::Interrupted);
  host::set_killed(false);
  fs::file_close(r);
  fs::file_close(w);
}

// ---- the system calls ---------------------------------------------------------------------

// User memory for the system-call tests: strings and buffers at known user addresses.
class FsSyscall : public FsFixture {
 protected:
  void SetUp() override {
    FsFixture::SetUp();
    memory.assign(1 << 20, 0);
    host::set_user_memory(memory.data(), memory.size());
  }
  void TearDown() override {
    host::set_user_memory(nullptr, 0);
    FsFixture::TearDown();
  }
  // Puts a string at `offset` of user memory and returns its user address.
  uint64_t str(size_t offset, const std::string& s) {
    memcpy(memory.data() + offset, s.c_str(), s.size() + 1);
    return host::user_address(offset);
  }
  std::vector<uint8_t> memory;
  static constexpr uint64_t kBad = 0x1000;  // not user memory
};

long err(Error e) { return -static_cast<long>(e); }

// Proves open/write/read/close/fstat work through the system calls with user buffers.
TEST_F(FsSyscall, OpenWriteReadStat) {
  long fd = sys::open(str(0, "/file"), sys::kCreate | sys::kRdWr);
  ASSERT_GE(fd, 0);
  memcpy(memory.data() + 4096, "payload", 7);
  EXPECT_EQ(sys::write(fd, host::user_address(4096), 7), 7);
  EXPECT_EQ(sys::fstat(fd, host::user_address(8192)), 0);
  Stat st;
  memcpy(&st, memory.data() + 8192, sizeof st);
  EXPECT_EQ(st.size, 7u);
  EXPECT_EQ(st.type, fs::kTypeFile);
  EXPECT_EQ(sys::close(fd), 0);
  fd = sys::open(str(0, "/file"), sys::kRdOnly);
  EXPECT_EQ(sys::read(fd, host::user_address(12288), 100), 7);
  EXPECT_EQ(memcmp(memory.data() + 12288, "payload", 7), 0);
  EXPECT_EQ(sys::read(fd, host::user_address(12288), 100), 0);
  EXPECT_EQ(sys::close(fd), 0);
}

// Proves every bad descriptor is BadFd: negative, too large, closed, and the wrong access mode.
TEST_F(FsSyscall, BadDescriptors) {
  for (int fd : {-1, -1000, sys::kNoFile, 1 << 30, 3}) {
    EXPECT_EQ(sys::read(fd, host::user_address(0), 1), err(Error::BadFd)) << fd;
    EXPECT_EQ(sys::write(fd, host::user_address(0), 1), err(Error::BadFd)) << fd;
    EXPECT_EQ(sys::close(fd), err(Error::BadFd)) << fd;
    EXPECT_EQ(sys::fstat(fd, host::user_address(0)), err(Error::BadFd)) << fd;
    EXPECT_EQ(sys::dup(fd), err(Error::BadFd)) << fd;
  }
  long wfd = sys::open(str(0, "/w"), sys::kCreate | sys::kWrOnly);
  EXPECT_EQ(sys::read(wfd, host::user_address(4096), 1), err(Error::BadFd));
  long rfd = sys::open(str(0, "/w"), sys::kRdOnly);
  EXPECT_EQ(sys::write(rfd, host::user_address(4096), 1), err(Error::BadFd));
  EXPECT_EQ(sys::read(rfd, host::user_address(4096), -1), err(Error::Invalid));
  EXPECT_EQ(sys::close(rfd), 0);
  EXPECT_EQ(sys::close(rfd), err(Error::BadFd));
  EXPECT_EQ(sys::close(wfd), 0);
}

// Proves bad user pointers are Fault and change nothing.
TEST_F(FsSyscall, BadPointers) {
  EXPECT_EQ(sys::open(kBad, sys::kCreate | sys::kRdWr), err(Error::Fault));
  EXPECT_EQ(sys::mkdir(kBad), err(Error::Fault));
  EXPECT_EQ(sys::unlink(kBad), err(Error::Fault));
  EXPECT_EQ(sys::chdir(kBad), err(Error::Fault));
  EXPECT_EQ(sys::mknod(kBad, 1, 0), err(Error::Fault));
  EXPECT_EQ(sys::link(kBad, str(0, "/x")), err(Error::Fault));
  EXPECT_EQ(sys::link(str(0, "/x"), kBad), err(Error::Fault));
  // A string running off the end of user memory.
  memset(memory.data() + memory.size() - 10, 'a', 10);
  EXPECT_EQ(sys::open(host::user_address(memory.size() - 10), sys::kCreate | sys::kRdWr), err(Error::Fault));
  long fd = sys::open(str(0, "/f"), sys::kCreate | sys::kRdWr);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(sys::write(fd, kBad, 10), err(Error::Fault));
  EXPECT_EQ(sys::write(fd, host::user_address(memory.size() - 5), 10), err(Error::Fault));  // runs off user memory
  EXPECT_EQ(sys::read(fd, kBad, 10), err(Error::Fault));  // checked before anything is read, even at EOF
  EXPECT_EQ(sys::fstat(fd, kBad), err(Error::Fault));
  EXPECT_EQ(sys::pipe(kBad), err(Error::Fault));
  EXPECT_EQ(sys::close(fd), 0);
  EXPECT_EQ(stat_path("/f")->size, 0u);
  EXPECT_EQ(fs::files_in_use(), 0u);  // the failed pipe left nothing open
  // A path of MAXPATH characters without a NUL.
  std::string long_path(sys::kMaxPath, 'p');
  memcpy(memory.data() + 20000, long_path.data(), long_path.size());
  memory[20000 + long_path.size()] = 0;
  EXPECT_EQ(sys::open(host::user_address(20000), sys::kRdOnly), err(Error::NameTooLong));
}

// Proves a full descriptor table is TooManyFiles and a failed open creates nothing.
TEST_F(FsSyscall, TooManyFiles) {
  for (int i = 0; i < sys::kNoFile; i++) ASSERT_EQ(sys::open(str(0, "/"), sys::kRdOnly), i);
  EXPECT_EQ(sys::open(str(0, "/new"), sys::kCreate | sys::kRdWr), err(Error::TooManyFiles));
  EXPECT_EQ(fs::open("/new", kRdOnly).error(), Error::NotFound);
  EXPECT_EQ(sys::dup(0), err(Error::TooManyFiles));
  EXPECT_EQ(sys::pipe(host::user_address(0)), err(Error::TooManyFiles));
  EXPECT_EQ(sys::close(5), 0);
  EXPECT_EQ(sys::pipe(host::user_address(0)), err(Error::TooManyFiles));  // needs two
  EXPECT_EQ(sys::dup(0), 5);
}

// Proves dup shares the offset, and pipes work through the system calls.
TEST_F(FsSyscall, DupAndPipe) {
  long fd = sys::open(str(0, "/f"), sys::kCreate | sys::kRdWr);
  long fd2 = sys::dup(fd);
  EXPECT_EQ(fd2, fd + 1);
  memcpy(memory.data() + 4096, "abcdef", 6);
  EXPECT_EQ(sys::write(fd, host::user_address(4096), 3), 3);
  EXPECT_EQ(sys::write(fd2, host::user_address(4099), 3), 3);
  sys::close(fd);
  sys::close(fd2);
  EXPECT_EQ(read_file("/f").value(), "abcdef");
  ASSERT_EQ(sys::pipe(host::user_address(100)), 0);
  int fds[2];
  memcpy(fds, memory.data() + 100, sizeof fds);
  EXPECT_EQ(sys::write(fds[1], host::user_address(4096), 6), 6);
  EXPECT_EQ(sys::read(fds[0], host::user_address(5000), 10), 6);
  EXPECT_EQ(memcmp(memory.data() + 5000, "abcdef", 6), 0);
  EXPECT_EQ(sys::fstat(fds[0], host::user_address(0)), err(Error::BadFd));
  sys::close(fds[1]);
  EXPECT_EQ(sys::read(fds[0], host::user_address(5000), 10), 0);
  sys::close(fds[0]);
}

// Proves the path system calls (mkdir, chdir, link, unlink, mknod) map to the operations and their errors.
TEST_F(FsSyscall, PathCalls) {
  EXPECT_EQ(sys::mkdir(str(0, "/d")), 0);
  EXPECT_EQ(sys::mkdir(str(0, "/d")), err(Error::Exists));
  EXPECT_EQ(sys::chdir(str(0, "/d")), 0);
  long fd = sys::open(str(0, "f"), sys::kCreate | sys::kRdWr);
  sys::close(fd);
  EXPECT_EQ(sys::link(str(0, "f"), str(100, "g")), 0);
  EXPECT_EQ(sys::link(str(0, "/d"), str(100, "/e")), err(Error::NotPermitted));
  EXPECT_EQ(sys::unlink(str(0, "f")), 0);
  EXPECT_EQ(sys::unlink(str(0, "f")), err(Error::NotFound));
  EXPECT_EQ(sys::mknod(str(0, "console"), sys::kConsole, 0), 0);
  EXPECT_EQ(sys::unlink(str(0, "/d")), err(Error::NotEmpty));
  EXPECT_EQ(sys::unlink(str(0, ".")), err(Error::Invalid));
  EXPECT_EQ(sys::chdir(str(0, "/")), 0);
  EXPECT_EQ(stat_path("/d/g")->nlink, 1);
}

// ---- mounting untrusted images ---------------------------------------------------------------

// Proves a superblock with any single field changed is refused at mount, without a crash.
TEST(FsMount, CorruptSuperblockIsRefused) {
  MemoryDisk good(8 << 20);
  format(good);
  for (size_t field = 0; field < sizeof(fs::SuperBlock) / 4; field++) {
    MemoryDisk disk(good);
    uint8_t block[fs::kBlockSize];
    ASSERT_TRUE(disk.read(8, block, 8).ok());
    reinterpret_cast<uint32_t*>(block)[field] ^= 0x00010001u;
    ASSERT_TRUE(disk.write(8, block, 8).ok());
    fs::MountOptions options;
    options.quiet = true;
    auto r = fs::mount_root(&disk, options);
    EXPECT_EQ(r.error(), Error::Malformed) << "field " << field;
    if (r.ok()) {
      ASSERT_TRUE(fs::unmount_root().ok());
    }
  }
  // A device smaller than the file system it holds.
  MemoryDisk small(4 << 20);
  uint8_t block[fs::kBlockSize];
  ASSERT_TRUE(good.read(8, block, 8).ok());
  ASSERT_TRUE(small.write(8, block, 8).ok());
  fs::MountOptions options;
  options.quiet = true;
  EXPECT_EQ(fs::mount_root(&small, options).error(), Error::Malformed);
}

// Proves a committed log header naming blocks outside the file system is refused, and a torn one ignored.
TEST(FsMount, HostileLogHeader) {
  MemoryDisk disk(8 << 20);
  format(disk);
  fs::SuperBlock sb = fs::plan_layout(2048).value();
  auto try_header = [&](uint32_t count, uint32_t block, bool good_checksum) {
    MemoryDisk d(disk);
    fs::LogHeader h{};
    h.magic = fs::kLogMagic;
    h.count = count;
    static const uint8_t kZeroSlot[fs::kBlockSize] = {};  // what the formatted log slots hold
    for (uint32_t i = 0; i < count && i < fs::kLogMaxEntries; i++) {
      h.blocks[i] = block;
      h.sums[i] = fs::log_slot_checksum(block, kZeroSlot);
    }
    h.checksum = fs::log_header_checksum(h) + (good_checksum ? 0 : 1);
    EXPECT_TRUE(d.write(uint64_t{sb.logstart} * 8, &h, 8).ok());
    fs::MountOptions options;
    options.quiet = true;
    auto r = fs::mount_root(&d, options);
    if (r.ok()) {
      host::process_cwd() = nullptr;
      EXPECT_TRUE(fs::unmount_root().ok());
      auto report = check(d);
      EXPECT_TRUE(report.clean()) << describe(report);
    }
    return r.ok() ? Error::None : r.error();
  };
  EXPECT_EQ(try_header(1, 0, true), Error::Malformed);            // the boot block
  EXPECT_EQ(try_header(1, 1, true), Error::Malformed);            // the superblock
  EXPECT_EQ(try_header(1, sb.logstart + 1, true), Error::Malformed);  // the log itself
  EXPECT_EQ(try_header(1, 1u << 30, true), Error::Malformed);     // beyond the end
  EXPECT_EQ(try_header(sb.nlog, sb.datastart, true), Error::Malformed);  // more than the log holds
  EXPECT_EQ(try_header(1, sb.datastart + 5, false), Error::None);  // torn: ignored
  EXPECT_EQ(try_header(1, sb.datastart + 5, true), Error::None);   // a zero block replayed onto a free one
}

// Proves random damage to an image's metadata, seen by the checksums or not, never crashes the kernel code: mount, walk,
// create, write and unlink only fail.
TEST(FsMount, RandomCorruptionNeverCrashes) {
  MemoryDisk pristine(8 << 20);
  {
    fsimage::ImageBuilder builder;
    std::string error;
    ASSERT_TRUE(builder.init(2048, 128, 0, &error));
    for (int i = 0; i < 20; i++) {
      std::string dir = "/d" + std::to_string(i % 4);
      ASSERT_TRUE(builder.add_file(dir + "/f" + std::to_string(i), std::vector<uint8_t>(i * 7000 + 1, 'a' + i), &error));
    }
    write_image(builder, pristine);
  }
  fs::SuperBlock sb = fs::plan_layout(2048, 128).value();
  std::mt19937 rng(1234);
  int mounted = 0;
  for (int round = 0; round < 150; round++) {
    MemoryDisk disk(pristine);
    // Damage a few bytes of the inode table, the bitmap or the first data blocks (directories, indirect blocks).
    int hits = 1 + rng() % 8;
    for (int h = 0; h < hits; h++) {
      uint32_t block = rng() % 3 == 0 ? sb.inodestart + rng() % sb.ninodeblocks
                                      : sb.bmapstart + rng() % (sb.nbmapblocks + 40);
      uint8_t data[fs::kBlockSize];
      ASSERT_TRUE(disk.read(uint64_t{block} * 8, data, 8).ok());
      // What the block is, by the checksum it carries now.
      fs::BlockKind kind = fs::BlockKind::Data;
      for (fs::BlockKind k : {fs::BlockKind::Inode, fs::BlockKind::Bitmap, fs::BlockKind::Directory,
                              fs::BlockKind::Indirect})
        if (fs::verify_block(k, block, data)) kind = k;
      uint32_t at = rng() % fs::kBlockSize;
      data[at] = static_cast<uint8_t>(rng());
      if (rng() % 2) reinterpret_cast<uint32_t*>(data)[at / 4] = rng();
      // Every other round, damage the checksum cannot see (a wrong value
      // written with a good checksum), so the checks behind it are tried.
      if (round % 2) fs::stamp_block(kind, block, data);
      ASSERT_TRUE(disk.write(uint64_t{block} * 8, data, 8).ok());
    }
    fs::MountOptions options;
    options.quiet = true;
    if (!fs::mount_root(&disk, options).ok()) continue;
    mounted++;
    host::process_cwd() = fs::root_inode();
    for (int i = 0; i < 20; i++) {
      std::string path = "/d" + std::to_string(i % 4) + "/f" + std::to_string(i);
      (void)read_file(path);
      (void)list_dir("/d" + std::to_string(i % 4));
      if (i % 3 == 0) (void)write_file(path, pattern(9000, i), kWrOnly | kAppend);
      if (i % 5 == 0) (void)fs::unlink(path.c_str());
      if (i % 7 == 0) (void)fs::make_directory(("/d" + std::to_string(i % 4) + "/new").c_str());
    }
    unmount_disk();
    (void)check(disk);  // the checker must survive it too
  }
  EXPECT_GT(mounted, 50);
}

// Reads a whole disk, for comparing images before and after.
std::vector<uint8_t> disk_bytes(MemoryDisk& disk) {
  std::vector<uint8_t> bytes(disk.sector_count() * 512);
  EXPECT_TRUE(disk.read(0, bytes.data(), static_cast<uint32_t>(disk.sector_count())).ok());
  return bytes;
}

// Proves a root directory whose link count is zero is refused at mount with a
// message, without a panic, and without changing one byte of the image (the
// failed mount used to iput the root outside a transaction, freeing its blocks).
TEST(FsMount, RootWithNoLinksIsRefusedUnchanged) {
  MemoryDisk disk(8 << 20);
  format(disk);
  fs::SuperBlock sb = fs::plan_layout(2048).value();
  // A file besides the root, so there is something a wrongful free would hit.
  {
    fs::MountOptions options;
    options.quiet = true;
    ASSERT_TRUE(fs::mount_root(&disk, options).ok());
    host::process_cwd() = fs::root_inode();
    ASSERT_TRUE(write_file("/f", pattern(5000, 3)).ok());
    ASSERT_TRUE(fs::make_directory("/d").ok());
    unmount_disk();
  }
  uint8_t block[fs::kBlockSize];
  uint32_t root_block = sb.inodestart + fs::kRootInode / fs::kInodesPerBlock;
  ASSERT_TRUE(disk.read(uint64_t{root_block} * 8, block, 8).ok());
  auto* root = reinterpret_cast<fs::DiskInode*>(block + (fs::kRootInode % fs::kInodesPerBlock) * sizeof(fs::DiskInode));
  ASSERT_EQ(root->type, fs::kTypeDir);
  uint16_t links = root->nlink;
  root->nlink = 0;
  fs::stamp_block(fs::BlockKind::Inode, root_block, block);
  ASSERT_TRUE(disk.write(uint64_t{root_block} * 8, block, 8).ok());
  std::vector<uint8_t> before = disk_bytes(disk);
  uint64_t writes_before = disk.writes;
  host::take_log_count();
  fs::MountOptions options;
  options.quiet = true;
  EXPECT_EQ(fs::mount_root(&disk, options).error(), Error::Malformed);
  EXPECT_GE(host::take_log_count(), 1u) << "no message says why the mount failed";
  EXPECT_FALSE(fs::root_mounted());
  EXPECT_EQ(disk.writes, writes_before) << "a failed mount wrote to the disk";
  EXPECT_TRUE(disk_bytes(disk) == before) << "a failed mount changed the image";
  // The damage repaired, the same image mounts and still holds the file.
  root->nlink = links;
  fs::stamp_block(fs::BlockKind::Inode, root_block, block);
  ASSERT_TRUE(disk.write(uint64_t{root_block} * 8, block, 8).ok());
  ASSERT_TRUE(fs::mount_root(&disk, options).ok());
  host::process_cwd() = fs::root_inode();
  EXPECT_EQ(read_file("/f").value(), pattern(5000, 3));
  unmount_disk();
}

// Proves a directory whose size claims more than a directory can hold (4 TiB,
// as a damaged inode might) is refused as malformed at once: looking inside,
// creating in and listing it fail quickly instead of walking 4 TiB in 64-byte
// steps with the directory locked; the rest of the file system still works.
TEST(FsMount, HugeDirectorySizeIsRefusedNotWalked) {
  MemoryDisk disk(8 << 20);
  format(disk);
  fs::SuperBlock sb = fs::plan_layout(2048).value();
  fs::MountOptions options;
  options.quiet = true;
  uint32_t inum;
  {
    ASSERT_TRUE(fs::mount_root(&disk, options).ok());
    host::process_cwd() = fs::root_inode();
    ASSERT_TRUE(fs::make_directory("/tmp").ok());
    ASSERT_TRUE(write_file("/tmp/f", "data").ok());
    ASSERT_TRUE(write_file("/other", "still here").ok());
    inum = stat_path("/tmp")->ino;
    unmount_disk();
  }
  auto set_size = [&](uint64_t size) {
    uint8_t block[fs::kBlockSize];
    uint32_t b = sb.inodestart + inum / fs::kInodesPerBlock;
    ASSERT_TRUE(disk.read(uint64_t{b} * 8, block, 8).ok());
    reinterpret_cast<fs::DiskInode*>(block + (inum % fs::kInodesPerBlock) * sizeof(fs::DiskInode))->size = size;
    fs::stamp_block(fs::BlockKind::Inode, b, block);  // a wrong size the checksum cannot see
    ASSERT_TRUE(disk.write(uint64_t{b} * 8, block, 8).ok());
  };
  for (uint64_t size : {uint64_t{4} << 40, fs::kMaxDirectorySize + sizeof(fs::DirEntry), uint64_t{4096 + 7}}) {
    set_size(size);
    ASSERT_TRUE(fs::mount_root(&disk, options).ok());
    host::process_cwd() = fs::root_inode();
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(read_file("/tmp/f").error(), Error::Malformed) << size;
    EXPECT_FALSE(write_file("/tmp/g", "x").ok()) << size;
    EXPECT_FALSE(list_dir("/tmp").ok()) << size;
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5)) << size;
    EXPECT_EQ(read_file("/other").value(), "still here");
    unmount_disk();
  }
}

// Proves a killed process stops walking a large directory (one whose size is
// within the limit but mostly holes) instead of finishing the walk.
TEST(FsMount, KilledProcessStopsWalkingADirectory) {
  MemoryDisk disk(8 << 20);
  format(disk);
  fs::SuperBlock sb = fs::plan_layout(2048).value();
  fs::MountOptions options;
  options.quiet = true;
  ASSERT_TRUE(fs::mount_root(&disk, options).ok());
  host::process_cwd() = fs::root_inode();
  ASSERT_TRUE(fs::make_directory("/big").ok());
  uint32_t inum = stat_path("/big")->ino;
  unmount_disk();
  uint8_t block[fs::kBlockSize];
  uint32_t b = sb.inodestart + inum / fs::kInodesPerBlock;
  ASSERT_TRUE(disk.read(uint64_t{b} * 8, block, 8).ok());
  reinterpret_cast<fs::DiskInode*>(block + (inum % fs::kInodesPerBlock) * sizeof(fs::DiskInode))->size =
      fs::kMaxDirectorySize;
  fs::stamp_block(fs::BlockKind::Inode, b, block);
  ASSERT_TRUE(disk.write(uint64_t{b} * 8, block, 8).ok());
  ASSERT_TRUE(fs::mount_root(&disk, options).ok());
  host::process_cwd() = fs::root_inode();
  EXPECT_EQ(read_file("/big/missing").error(), Error::NotFound);  // the whole walk, bounded
  host::set_killed(true);
  EXPECT_EQ(read_file("/big/missing").error(), Error::Interrupted);
  host::set_killed(false);
  unmount_disk();
}

// Proves a device that fails reads makes mount fail with Io.
TEST(FsMount, DeviceErrorsAreErrors) {
  MemoryDisk disk(8 << 20);
  format(disk);
  disk.fail_reads = true;
  fs::MountOptions options;
  options.quiet = true;
  EXPECT_EQ(fs::mount_root(&disk, options).error(), Error::Io);
}

// ---- concurrency -----------------------------------------------------------------------------

class FsConcurrency : public FsFixture {
 protected:
  uint64_t disk_bytes() const override { return 64ull << 20; }
};

// Proves several threads creating, writing, reading, linking and unlinking at once leave a consistent file system.
TEST_F(FsConcurrency, ParallelOperations) {
  ASSERT_TRUE(fs::make_directory("/shared").ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([t, &failures] {
      host::process_cwd() = fs::root_inode();
      std::string mine = "/t" + std::to_string(t);
      if (!fs::make_directory(mine.c_str()).ok()) failures++;
      for (int i = 0; i < 40; i++) {
        std::string f = mine + "/f" + std::to_string(i);
        std::string data = pattern(1000 + i * 3000, t * 100 + i);
        if (!write_file(f, data).ok()) failures++;
        auto back = read_file(f);
        if (!back.ok() || *back != data) failures++;
        std::string s = "/shared/s" + std::to_string(t) + "_" + std::to_string(i);
        if (!fs::link(f.c_str(), s.c_str()).ok()) failures++;
        if (i % 2 == 0 && !fs::unlink(f.c_str()).ok()) failures++;
        if (i % 4 == 0 && !fs::unlink(s.c_str()).ok()) failures++;
        (void)write_file("/shared/common", data, kCreate | kWrOnly | kAppend);
      }
      fs::begin_op();
      fs::inode_put(host::process_cwd());
      fs::end_op();
      host::process_cwd() = nullptr;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto report = check_now();
  EXPECT_TRUE(report.clean()) << describe(report);
  EXPECT_EQ(list_dir("/shared")->size(), 4u * 30 + 1);
}

}  // namespace
}  // namespace rivet::fstest

// Metadata checksums (format version 2): CRC-32C, the block tails of each
// kind, rivet-mkfs and rivet-fsck agreeing with them, and the kernel
// refusing to believe a damaged metadata block: the operation that reads
// it fails with EIO, the console names the block once, and the file
// system is read-only until the next mount. Also finding 5: a zeroed
// bitmap never hands out used blocks, and an unlinked-but-named inode is
// not freed at mount.
#include <string.h>

#include <gtest/gtest.h>

#include "kernel/fs/filesystem.h"
#include "kernel/fs/page_cache.h"
#include "tests/unit/fs_test_fixture.h"

namespace rivet::fstest {
namespace {

using Bytes = std::array<uint8_t, fs::kBlockSize>;

Bytes read_block(block::BlockDevice& disk, uint32_t b) {
  Bytes data{};
  EXPECT_TRUE(disk.read(uint64_t{b} * fs::kSectorsPerBlock, data.data(), fs::kSectorsPerBlock).ok());
  return data;
}

void write_block(block::BlockDevice& disk, uint32_t b, const Bytes& data) {
  ASSERT_TRUE(disk.write(uint64_t{b} * fs::kSectorsPerBlock, data.data(), fs::kSectorsPerBlock).ok());
}

void flip_byte(block::BlockDevice& disk, uint32_t b, size_t offset) {
  Bytes data = read_block(disk, b);
  data[offset] ^= 0x40;
  write_block(disk, b, data);
}

void zero_block(block::BlockDevice& disk, uint32_t b) { write_block(disk, b, Bytes{}); }

fs::SuperBlock superblock_of(block::BlockDevice& disk) {
  Bytes data = read_block(disk, fs::kSuperBlockNumber);
  fs::SuperBlock sb;
  memcpy(&sb, data.data(), sizeof sb);
  return sb;
}

fs::DiskInode disk_inode(block::BlockDevice& disk, uint32_t inum) {
  fs::SuperBlock sb = superblock_of(disk);
  Bytes data = read_block(disk, fs::inode_block(sb, inum));
  fs::DiskInode d;
  memcpy(&d, data.data() + (inum % fs::kInodesPerBlock) * sizeof d, sizeof d);
  return d;
}

// Changes an inode on disk and gives its block a valid checksum again (a
// damage the checksum cannot see: a wrong value written by a bug).
template <typename F>
void edit_inode(block::BlockDevice& disk, uint32_t inum, F&& edit) {
  fs::SuperBlock sb = superblock_of(disk);
  uint32_t b = fs::inode_block(sb, inum);
  Bytes data = read_block(disk, b);
  auto* d = reinterpret_cast<fs::DiskInode*>(data.data() + (inum % fs::kInodesPerBlock) * sizeof(fs::DiskInode));
  edit(*d);
  fs::stamp_block(fs::BlockKind::Inode, b, data.data());
  write_block(disk, b, data);
}

bool mentions(const fsimage::CheckReport& report, const std::string& text) {
  for (auto& p : report.problems)
    if (p.find(text) != std::string::npos) return true;
  return false;
}

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) n++;
  return n;
}

fs::MountOptions quiet() {
  fs::MountOptions options;
  options.quiet = true;
  return options;
}

class WritableSource : public DiskSource {
 public:
  explicit WritableSource(block::BlockDevice& disk) : DiskSource(disk), disk_(disk) {}
  bool write_block(uint64_t block, const void* data) override {
    return disk_.write(block * fs::kSectorsPerBlock, data, fs::kSectorsPerBlock).ok();
  }

 private:
  block::BlockDevice& disk_;
};

// ---- the checksum itself ------------------------------------------------------------

// Proves crc32c matches the published CRC-32C check values (RFC 3720's
// vectors) and that crc32c_extend continues a CRC.
TEST(FsChecksum, Crc32cKnownVectors) {
  EXPECT_EQ(fs::crc32c("123456789", 9), 0xe3069283u);
  uint8_t zeros[32] = {}, ones[32], ascending[32];
  memset(ones, 0xff, sizeof ones);
  for (int i = 0; i < 32; i++) ascending[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(fs::crc32c(zeros, 32), 0x8a9136aau);
  EXPECT_EQ(fs::crc32c(ones, 32), 0x62a8ab43u);
  EXPECT_EQ(fs::crc32c(ascending, 32), 0x46dd794eu);
  EXPECT_EQ(fs::crc32c("", 0), 0u);
  EXPECT_EQ(fs::crc32c_extend(fs::crc32c("1234", 4), "56789", 5), 0xe3069283u);
}

// Proves the layout numbers follow from the 4-byte tails.
TEST(FsChecksum, LayoutNumbers) {
  EXPECT_EQ(fs::kVersion, 2u);
  EXPECT_EQ(fs::kAddrsPerBlock, 1023u);
  EXPECT_EQ(fs::kBitsPerBlock, 4092u * 8);
  EXPECT_EQ(fs::kDirEntriesPerBlock, 63u);
  EXPECT_EQ(sizeof(fs::LogHeader), fs::kBlockSize);
  EXPECT_EQ(fs::kLogMaxEntries, 510u);
  EXPECT_TRUE(fs::is_dir_tail_slot(4032));
  EXPECT_FALSE(fs::is_dir_tail_slot(4031 - 63));
  EXPECT_FALSE(fs::is_dir_tail_slot(4096));
  EXPECT_EQ(fs::kMaxDirectorySize, (12u + 1023u) * 4096u);
  EXPECT_TRUE(fs::directory_size_ok(fs::kMaxDirectorySize));
  EXPECT_FALSE(fs::directory_size_ok(fs::kMaxDirectorySize + 64));
  EXPECT_FALSE(fs::directory_size_ok(100));
}

// Proves every metadata kind verifies once stamped and fails when zeroed,
// changed in any byte, moved to another block number or read as another kind.
TEST(FsChecksum, EachKindVerifiesAndRejects) {
  const fs::BlockKind kinds[] = {fs::BlockKind::Inode, fs::BlockKind::Bitmap, fs::BlockKind::Directory,
                                 fs::BlockKind::Indirect};
  for (fs::BlockKind kind : kinds) {
    SCOPED_TRACE(fs::block_kind_name(kind));
    Bytes zero{};
    EXPECT_FALSE(fs::verify_block(kind, 77, zero.data())) << "an all-zero block verified";
    Bytes block{};
    for (size_t i = 0; i < 300; i++) block[i * 13] = static_cast<uint8_t>(i);
    fs::stamp_block(kind, 77, block.data());
    EXPECT_TRUE(fs::verify_block(kind, 77, block.data()));
    EXPECT_FALSE(fs::verify_block(kind, 78, block.data()));
    for (fs::BlockKind other : kinds) {
      if (other != kind) {
        EXPECT_FALSE(fs::verify_block(other, 77, block.data()));
      }
    }
    for (size_t off : {size_t{0}, size_t{1000}, size_t{fs::kChecksumOffset - 1}, size_t{fs::kChecksumOffset},
                       size_t{fs::kBlockSize - 1}}) {
      Bytes bad = block;
      bad[off] ^= 1;
      EXPECT_FALSE(fs::verify_block(kind, 77, bad.data())) << off;
    }
    Bytes stamped_zero{};
    fs::stamp_block(kind, 5, stamped_zero.data());
    EXPECT_NE(fs::block_checksum(kind, 5, stamped_zero.data()), 0u);
  }
  Bytes data{};
  EXPECT_TRUE(fs::verify_block(fs::BlockKind::Data, 9, data.data()));
  // The superblock and log slots.
  fs::SuperBlock sb = fs::plan_layout(4096).value();
  EXPECT_TRUE(fs::validate_superblock(sb, 4096).ok());
  sb.checksum ^= 1;
  const char* why = "";
  EXPECT_FALSE(fs::validate_superblock(sb, 4096, &why).ok());
  EXPECT_STREQ(why, "superblock checksum mismatch");
  sb = fs::plan_layout(4096).value();
  sb.version = 1;
  EXPECT_FALSE(fs::validate_superblock(sb, 4096, &why).ok());
  EXPECT_NE(strstr(why, "version 1"), nullptr);
  EXPECT_NE(fs::log_slot_checksum(10, data.data()), fs::log_slot_checksum(11, data.data()));
}

// ---- rivet-mkfs and rivet-fsck -------------------------------------------------------------

// An image with a directory of more than one block, a file with an
// indirect block and some small files.
struct SampleImage {
  MemoryDisk disk{16 << 20};
  fs::SuperBlock sb{};
  SampleImage() {
    fsimage::ImageBuilder builder;
    std::string error;
    EXPECT_TRUE(builder.init(disk.sector_count() / fs::kSectorsPerBlock, 0, 0, &error));
    for (int i = 0; i < 100; i++)
      EXPECT_TRUE(builder.add_file("/many/f" + std::to_string(i), {uint8_t(i), 1, 2}, &error)) << error;
    std::vector<uint8_t> big(20 * fs::kBlockSize);
    for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<uint8_t>(i * 7 + 1);
    EXPECT_TRUE(builder.add_file("/big", big, &error));
    EXPECT_TRUE(builder.add_file("/small", {'h', 'i'}, &error));
    write_image(builder, disk);
    sb = builder.superblock();
  }
  uint32_t inum_of(const std::string& path) {
    mount_disk(disk);
    uint32_t inum = static_cast<uint32_t>(stat_path(path)->ino);
    unmount_disk();
    return inum;
  }
};

// Proves an image rivet-mkfs's builder makes is clean, multi-block
// directories included, and mounts; what the kernel then writes is clean too.
TEST(FsChecksum, MkfsAndFsckAgreeAndKernelToo) {
  SampleImage image;
  auto report = check(image.disk);
  EXPECT_TRUE(report.clean()) << describe(report);
  EXPECT_EQ(report.bad_checksums, 0u);
  mount_disk(image.disk);
  auto names = list_dir("/many");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 100u);
  EXPECT_EQ(read_file("/many/f42").value(), std::string("\x2a\x01\x02", 3));
  for (int i = 0; i < 80; i++) ASSERT_TRUE(write_file("/many/g" + std::to_string(i), "x").ok()) << i;
  for (int i = 0; i < 80; i += 3) ASSERT_TRUE(fs::unlink(("/many/f" + std::to_string(i)).c_str()).ok());
  ASSERT_TRUE(fs::make_directory("/many/sub").ok());
  ASSERT_TRUE(write_file("/huge", pattern(1100 * fs::kBlockSize, 5)).ok());  // a double-indirect block
  unmount_disk();
  report = check(image.disk);
  EXPECT_TRUE(report.clean()) << describe(report);
  mount_disk(image.disk);
  EXPECT_EQ(list_dir("/many")->size(), 100u + 80u + 1u - 27u);
  EXPECT_EQ(read_file("/huge").value(), pattern(1100 * fs::kBlockSize, 5));
  unmount_disk();
}

// Proves rivet-fsck names the block of a flipped byte in each kind of
// metadata block.
TEST(FsChecksum, FsckReportsEachDamagedKind) {
  SampleImage image;
  uint32_t many = image.inum_of("/many");
  uint32_t big = image.inum_of("/big");
  fs::DiskInode dm = disk_inode(image.disk, many);
  fs::DiskInode db = disk_inode(image.disk, big);
  struct Case {
    const char* kind;
    uint32_t block;
  } cases[] = {
      {"inode block", fs::inode_block(image.sb, big)},
      {"bitmap block", image.sb.bmapstart},
      {"directory block", dm.addrs[1]},
      {"indirect block", db.addrs[fs::kSingleSlot]},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.kind);
    ASSERT_NE(c.block, 0u);
    MemoryDisk copy(image.disk);
    flip_byte(copy, c.block, 100);
    auto report = check(copy);
    EXPECT_FALSE(report.clean());
    EXPECT_EQ(report.bad_checksums, 1u) << describe(report);
    EXPECT_TRUE(mentions(report, "block " + std::to_string(c.block) + " (" + c.kind + "): checksum mismatch"))
        << describe(report);
  }
  MemoryDisk copy(image.disk);
  flip_byte(copy, fs::kSuperBlockNumber, 20);
  auto report = check(copy);
  EXPECT_TRUE(mentions(report, "checksum")) << describe(report);
}

// Proves a damaged log slot is reported by fsck and refused by the kernel
// at mount (nothing replayed, nothing written), while an intact committed
// log replays as before.
TEST(FsChecksum, DamagedLogSlotIsNotReplayed) {
  MemoryDisk disk(16 << 20);
  format(disk);
  mount_disk(disk);
  ASSERT_TRUE(fs::make_directory("/d").ok());
  ASSERT_TRUE(write_file("/d/f", "contents").ok());
  fs::sync();
  ASSERT_TRUE(fs::make_directory("/e").ok());
  fs::root_fs().log().commit();  // committed, not installed
  MemoryDisk crashed(disk);      // the power goes now
  unmount_disk();
  fs::SuperBlock sb = superblock_of(crashed);
  auto report = check(crashed);
  EXPECT_TRUE(report.log_committed) << describe(report);
  {
    MemoryDisk good(crashed);
    ASSERT_TRUE(fs::mount_root(&good, quiet()).ok());
    host::process_cwd() = fs::root_inode();
    EXPECT_TRUE(stat_path("/e").ok());
    unmount_disk();
  }
  flip_byte(crashed, sb.logstart + 1, 7);
  report = check(crashed);
  EXPECT_TRUE(mentions(report, "log slot")) << describe(report);
  uint64_t writes = crashed.writes;
  host::take_log_text();
  EXPECT_EQ(fs::mount_root(&crashed, quiet()).error(), Error::Io);
  EXPECT_NE(host::take_log_text().find("checksum mismatch in block " + std::to_string(sb.logstart + 1)),
            std::string::npos);
  EXPECT_EQ(crashed.writes, writes);
  EXPECT_FALSE(fs::root_mounted());
}

// Proves --repair rebuilds a zeroed bitmap so the image checks clean, and
// refuses when an inode block is damaged too.
TEST(FsChecksum, FsckRepairsTheBitmap) {
  SampleImage image;
  MemoryDisk copy(image.disk);
  zero_block(copy, image.sb.bmapstart);
  WritableSource source(copy);
  fsimage::CheckOptions options;
  options.repair = true;
  auto report = fsimage::check_image(source, options);
  EXPECT_FALSE(report.clean());
  ASSERT_EQ(report.repairs.size(), 1u) << describe(report);
  report = check(copy);
  EXPECT_TRUE(report.clean()) << describe(report);
  mount_disk(copy);
  EXPECT_EQ(read_file("/small").value(), "hi");
  ASSERT_TRUE(write_file("/new", pattern(50000, 2)).ok());
  unmount_disk();
  EXPECT_TRUE(check(copy).clean());

  MemoryDisk worse(image.disk);
  zero_block(worse, image.sb.bmapstart);
  flip_byte(worse, image.sb.inodestart, 5);
  WritableSource source2(worse);
  report = fsimage::check_image(source2, options);
  EXPECT_TRUE(report.repairs.empty());
  EXPECT_EQ(read_block(worse, image.sb.bmapstart), Bytes{}) << "repaired on the word of a damaged inode block";
}

// Proves fsck applies the kernel's directory-size rule (format.h's
// directory_size_ok): a directory larger than kMaxDirectorySize is a problem.
TEST(FsChecksum, FsckKnowsTheDirectorySizeLimit) {
  SampleImage image;
  uint32_t many = image.inum_of("/many");
  edit_inode(image.disk, many, [](fs::DiskInode& d) { d.size = fs::kMaxDirectorySize + sizeof(fs::DirEntry); });
  auto report = check(image.disk);
  EXPECT_TRUE(mentions(report, "exceeds the largest directory")) << describe(report);
}

// ---- the kernel ---------------------------------------------------------------------------

// Proves a damaged directory block makes the operations that read it fail
// with EIO, is reported once with its number, makes the file system
// read-only (EROFS for changes) while the rest stays readable, and that
// nothing is written to the disk afterwards.
TEST(FsChecksum, KernelDamagedDirectoryBlock) {
  SampleImage image;
  uint32_t many = image.inum_of("/many");
  uint32_t block = disk_inode(image.disk, many).addrs[0];
  flip_byte(image.disk, block, 200);
  host::take_log_text();
  mount_disk(image.disk);
  EXPECT_FALSE(fs::root_fs().read_only());
  EXPECT_EQ(read_file("/many/f1").error(), Error::Io);
  EXPECT_EQ(read_file("/many/f2").error(), Error::Io);
  EXPECT_EQ(list_dir("/many").error(), Error::Io);
  EXPECT_TRUE(fs::root_fs().read_only());
  std::string log = host::take_log_text();
  EXPECT_EQ(count_of(log, "checksum mismatch in block " + std::to_string(block) + " (directory block)"), 1u) << log;
  EXPECT_EQ(count_of(log, "read-only"), 1u) << log;
  uint64_t writes = image.disk.writes;
  EXPECT_EQ(read_file("/small").value(), "hi");
  EXPECT_EQ(write_file("/small", "changed").error(), Error::ReadOnly);
  EXPECT_EQ(write_file("/new", "x").error(), Error::ReadOnly);
  EXPECT_EQ(fs::make_directory("/dir").error(), Error::ReadOnly);
  EXPECT_EQ(fs::unlink("/small").error(), Error::ReadOnly);
  EXPECT_EQ(read_file("/small").value(), "hi");
  unmount_disk();
  EXPECT_EQ(image.disk.writes, writes) << "a read-only file system wrote to the disk";
}

// Proves a damaged indirect block fails reads that need it with EIO and
// never sends a write to a block it names.
TEST(FsChecksum, KernelDamagedIndirectBlock) {
  SampleImage image;
  uint32_t big = image.inum_of("/big");
  uint32_t block = disk_inode(image.disk, big).addrs[fs::kSingleSlot];
  flip_byte(image.disk, block, 0);
  mount_disk(image.disk);
  EXPECT_EQ(read_file("/big").error(), Error::Io);
  EXPECT_TRUE(fs::root_fs().read_only());
  EXPECT_EQ(write_file("/big", "x", kWrOnly).error(), Error::ReadOnly);
  unmount_disk();
}

// Finding 5: a zeroed bitmap block used to let the allocator hand out
// blocks in use (mkdir overwrote a directory). Proves it is caught at
// mount, the file system is read-only, no block of the image changes, and
// after fsck --repair everything is intact and writable.
TEST(FsChecksum, ZeroedBitmapOverwritesNothing) {
  SampleImage image;
  zero_block(image.disk, image.sb.bmapstart);
  MemoryDisk before(image.disk);
  host::take_log_text();
  mount_disk(image.disk);
  EXPECT_TRUE(fs::root_fs().read_only());
  std::string log = host::take_log_text();
  EXPECT_EQ(count_of(log, "checksum mismatch in block " + std::to_string(image.sb.bmapstart) + " (bitmap block)"),
            1u)
      << log;
  EXPECT_EQ(fs::make_directory("/newdir").error(), Error::ReadOnly);
  EXPECT_EQ(write_file("/many/n", "x").error(), Error::ReadOnly);
  EXPECT_EQ(list_dir("/many")->size(), 100u);
  unmount_disk();
  for (uint32_t b = 0; b < image.sb.size; b++)
    ASSERT_EQ(read_block(image.disk, b), read_block(before, b)) << "block " << b << " changed";
  WritableSource source(image.disk);
  fsimage::CheckOptions options;
  options.repair = true;
  EXPECT_EQ(fsimage::check_image(source, options).repairs.size(), 1u);
  mount_disk(image.disk);
  ASSERT_TRUE(fs::make_directory("/newdir").ok());
  EXPECT_EQ(list_dir("/many")->size(), 100u);
  EXPECT_EQ(read_file("/small").value(), "hi");
  unmount_disk();
  EXPECT_TRUE(check(image.disk).clean());
}

// Issue 11 (test_corrupt.py): a zeroed bitmap block with a valid checksum
// (what a buggy writer leaves) let mkdir and a file write take blocks in
// use; /bin's directory was overwritten. Proves a bitmap that marks a
// metadata block free is not believed: the mount says so, the file system
// is read-only and no block changes.
TEST(FsChecksum, StampedZeroBitmapIsNotBelieved) {
  SampleImage image;
  Bytes zeros{};
  fs::stamp_block(fs::BlockKind::Bitmap, image.sb.bmapstart, zeros.data());
  write_block(image.disk, image.sb.bmapstart, zeros);
  MemoryDisk before(image.disk);
  host::take_log_text();
  mount_disk(image.disk);
  EXPECT_TRUE(fs::root_fs().read_only());
  std::string log = host::take_log_text();
  EXPECT_EQ(count_of(log, "fs: bitmap block " + std::to_string(image.sb.bmapstart) + " marks metadata block 0 free"),
            1u)
      << log;
  EXPECT_EQ(fs::make_directory("/newdir").error(), Error::ReadOnly);
  EXPECT_EQ(write_file("/many/n", "x").error(), Error::ReadOnly);
  EXPECT_EQ(list_dir("/many")->size(), 100u);
  unmount_disk();
  for (uint32_t b = 0; b < image.sb.size; b++)
    ASSERT_EQ(read_block(image.disk, b), read_block(before, b)) << "block " << b << " changed";
}

// Finding 5: a committed log record whose copy of the bitmap is zeroed
// must not be replayed over the real bitmap.
TEST(FsChecksum, ZeroedBitmapInTheLogIsNotReplayed) {
  MemoryDisk disk(16 << 20);
  format(disk);
  fs::SuperBlock sb = superblock_of(disk);
  mount_disk(disk);
  ASSERT_TRUE(write_file("/keep", pattern(30000, 9)).ok());
  fs::sync();
  ASSERT_TRUE(write_file("/more", pattern(9000, 1)).ok());
  fs::write_back_all(fs::root_fs());  // allocates: the bitmap joins the group
  fs::root_fs().log().commit();
  MemoryDisk crashed(disk);
  unmount_disk();
  // Find the slot that holds the bitmap's copy and zero it.
  Bytes header = read_block(crashed, sb.logstart);
  fs::LogHeader h;
  memcpy(&h, header.data(), sizeof h);
  ASSERT_EQ(h.magic, fs::kLogMagic);
  int slot = -1;
  for (uint32_t i = 0; i < h.count; i++)
    if (h.blocks[i] == sb.bmapstart) slot = static_cast<int>(i);
  ASSERT_GE(slot, 0);
  zero_block(crashed, sb.logstart + 1 + slot);
  Bytes bitmap = read_block(crashed, sb.bmapstart);
  EXPECT_EQ(fs::mount_root(&crashed, quiet()).error(), Error::Io);
  EXPECT_EQ(read_block(crashed, sb.bmapstart), bitmap);
}

// Finding 5: free_orphans() used to free an inode with link count 0 even
// though a directory named it. Proves it is left alone (and its data
// readable), the file system is read-only, and fsck reports the link count.
TEST(FsChecksum, NamedInodeWithNoLinksIsNotFreed) {
  MemoryDisk disk(16 << 20);
  format(disk);
  mount_disk(disk);
  ASSERT_TRUE(fs::make_directory("/d").ok());
  ASSERT_TRUE(write_file("/d/named", pattern(20000, 4)).ok());
  ASSERT_TRUE(write_file("/orphan", "bye").ok());
  uint32_t named = static_cast<uint32_t>(stat_path("/d/named")->ino);
  unmount_disk();
  edit_inode(disk, named, [](fs::DiskInode& d) { d.nlink = 0; });
  host::take_log_text();
  mount_disk(disk);
  std::string log = host::take_log_text();
  EXPECT_NE(log.find("inode " + std::to_string(named) + " has link count 0"), std::string::npos) << log;
  EXPECT_TRUE(fs::root_fs().read_only());
  EXPECT_EQ(read_file("/d/named").value(), pattern(20000, 4));
  EXPECT_EQ(read_file("/d/named").value(), pattern(20000, 4));  // closing it freed nothing
  unmount_disk();
  EXPECT_EQ(disk_inode(disk, named).type, fs::kTypeFile);
  auto report = check(disk);
  EXPECT_TRUE(mentions(report, "link count 0")) << describe(report);

  // A real orphan (nlink 0, named nowhere) is still freed.
  MemoryDisk disk2(16 << 20);
  format(disk2);
  mount_disk(disk2);
  ASSERT_TRUE(write_file("/f", "x").ok());
  uint32_t inum = static_cast<uint32_t>(stat_path("/f")->ino);
  ASSERT_TRUE(fs::unlink("/f").ok());
  unmount_disk();
  edit_inode(disk2, inum, [](fs::DiskInode& d) {
    d.type = fs::kTypeFile;
    d.nlink = 0;
  });
  mount_disk(disk2);
  EXPECT_FALSE(fs::root_fs().read_only());
  unmount_disk();
  EXPECT_EQ(disk_inode(disk2, inum).type, 0);
  EXPECT_TRUE(check(disk2).clean()) << describe(check(disk2));
}

// Proves an image of format version 1 is refused at mount with a message.
TEST(FsChecksum, OldVersionIsRefused) {
  MemoryDisk disk(8 << 20);
  format(disk);
  Bytes data = read_block(disk, fs::kSuperBlockNumber);
  auto* sb = reinterpret_cast<fs::SuperBlock*>(data.data());
  sb->version = 1;
  write_block(disk, fs::kSuperBlockNumber, data);
  host::take_log_text();
  EXPECT_EQ(fs::mount_root(&disk, quiet()).error(), Error::Malformed);
  EXPECT_NE(host::take_log_text().find("version 1"), std::string::npos);
}

}  // namespace
}  // namespace rivet::fstest

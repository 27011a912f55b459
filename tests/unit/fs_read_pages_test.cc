// The page cache's reads and the pager: readi_pages (whole pages of what
// is on the disk, in as few requests as the block layout allows, zeros for
// holes and past the disk size) and pager_dirty (a shared mapping's page
// going back to its file).
#include <string.h>

#include <gtest/gtest.h>

#include "kernel/fs/filesystem.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/page_cache.h"
#include "tests/unit/fs_test_fixture.h"

namespace rivet::fstest {
namespace {

constexpr size_t kPage = fs::kBlockSize;

class FsReadPages : public FsFixture {
 protected:
  void TearDown() override {
    for (auto* p : pages_) delete[] p;
    pages_.clear();
    FsFixture::TearDown();
  }
  // `count` page buffers filled with a marker byte, so a page left unwritten shows.
  uint8_t* const* buffers(uint32_t count) {
    for (auto* p : pages_) delete[] p;
    pages_.clear();
    for (uint32_t i = 0; i < count; i++) {
      pages_.push_back(new uint8_t[kPage]);
      memset(pages_.back(), 0xa5, kPage);
    }
    return pages_.data();
  }
  Result<uint32_t> read_pages(fs::File* f, uint64_t off, uint8_t* const* pages, uint32_t count) {
    TRY(fs::inode_lock(f->ip));
    auto r = fs::readi_pages(f->ip, off, pages, count);
    fs::inode_unlock(f->ip);
    return r;
  }
  // The bytes of pages[0..count) as one string.
  std::string joined(uint8_t* const* pages, uint32_t count) {
    std::string s;
    for (uint32_t i = 0; i < count; i++) s.append(reinterpret_cast<char*>(pages[i]), kPage);
    return s;
  }

  std::vector<uint8_t*> pages_;
};

// Proves a file read by readi_pages matches what read() returns, the last page's tail and pages past end of file read as zeros (and are not counted as the file's), and a file laid out in order on the disk comes in far fewer device requests than pages.
TEST_F(FsReadPages, MatchesFileAndBatchesRequests) {
  std::string data = pattern(37 * kPage + 123, 11);
  ASSERT_TRUE(write_file("/f", data).ok());
  remount();  // nothing cached: every block comes from the device
  fs::File* f = fs::open("/f", kRdOnly).value();
  uint64_t requests = disk->page_requests;
  auto pages = buffers(40);
  auto got = read_pages(f, 0, pages, 40);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got.value(), 38u);  // pages that start before end of file
  std::string want = data + std::string(40 * kPage - data.size(), '\0');
  EXPECT_TRUE(joined(pages, 40) == want);
  // 38 blocks of data; the single-indirect block after the 12 direct ones
  // breaks the run, so at least 2 requests, and a handful at most.
  uint64_t made = disk->page_requests - requests;
  EXPECT_GE(made, 2u);
  EXPECT_LE(made, 4u);
  EXPECT_EQ(disk->pages_read, 38u);
  // From the middle, too.
  pages = buffers(5);
  ASSERT_EQ(read_pages(f, 20 * kPage, pages, 5).value(), 5u);
  EXPECT_TRUE(joined(pages, 5) == data.substr(20 * kPage, 5 * kPage));
  fs::file_close(f);
}

// Proves readi_pages reads what the disk holds: data written since (still in the page cache) is not on the disk yet, and pages past the disk size read as zeros even where the file is bigger in memory.
TEST_F(FsReadPages, ReadsWhatIsOnTheDisk) {
  std::string data = pattern(4 * kPage, 12);
  ASSERT_TRUE(write_file("/f", data).ok());
  remount();
  fs::File* f = fs::open("/f", kRdWr).value();
  std::string fresh = pattern(2 * kPage, 13);
  ASSERT_EQ(fs::inode_write(f->ip, IoBuffer::kernel(fresh.data()), 3 * kPage, 2 * kPage).value(), 2 * kPage);
  ASSERT_TRUE(fs::inode_lock(f->ip).ok());
  EXPECT_EQ(f->ip->size, 5 * kPage);
  EXPECT_EQ(f->ip->disk_size, 4 * kPage);
  auto pages = buffers(6);
  auto r = fs::readi_pages(f->ip, 0, pages, 6);
  fs::inode_unlock(f->ip);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 4u);
  EXPECT_TRUE(joined(pages, 6) == data + std::string(2 * kPage, '\0'));
  fs::file_close(f);
}

// Proves holes in a sparse file read as zeros without touching the device for them.
TEST_F(FsReadPages, HolesAreZeros) {
  fs::File* f = fs::open("/sparse", kCreate | kRdWr).value();
  std::string a = pattern(kPage, 14), b = pattern(kPage, 15);
  ASSERT_EQ(fs::inode_write(f->ip, IoBuffer::kernel(a.data()), 0, kPage).value(), kPage);
  ASSERT_EQ(fs::inode_write(f->ip, IoBuffer::kernel(b.data()), 5 * kPage, kPage).value(), kPage);
  fs::file_close(f);
  remount();
  f = fs::open("/sparse", kRdOnly).value();
  uint64_t before = disk->pages_read;
  auto pages = buffers(6);
  ASSERT_TRUE(read_pages(f, 0, pages, 6).ok());
  EXPECT_TRUE(joined(pages, 6) == a + std::string(4 * kPage, '\0') + b);
  EXPECT_EQ(disk->pages_read - before, 2u);
  fs::file_close(f);
}

// Proves an offset that is not block-aligned is Invalid and a failing device is Io, never a crash.
TEST_F(FsReadPages, BadOffsetAndDeviceError) {
  ASSERT_TRUE(write_file("/f", pattern(4 * kPage, 16)).ok());
  remount();
  fs::File* f = fs::open("/f", kRdOnly).value();
  auto pages = buffers(2);
  EXPECT_EQ(read_pages(f, 100, pages, 2).error(), Error::Invalid);
  disk->fail_reads = true;
  auto r = read_pages(f, 0, pages, 2);
  disk->fail_reads = false;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::Io);
  fs::file_close(f);
}

// Proves a shared mapping's store reaches the file through pager_dirty and write-back, and never grows it: a page past end of file (the file shrank first) is ignored.
TEST_F(FsReadPages, PagerDirtyNeverGrowsTheFile) {
  ASSERT_TRUE(write_file("/f", pattern(100, 17)).ok());
  fs::File* f = fs::open("/f", kRdWr).value();
  uint8_t* page = nullptr;
  ASSERT_EQ(fs::pager_get(f->ip, 0, 1, &page).value(), 1u);
  std::string bytes = pattern(kPage, 18);
  memcpy(page, bytes.data(), kPage);  // the process's store
  EXPECT_TRUE(fs::pager_dirty(f->ip, 0).ok());
  EXPECT_TRUE(fs::pager_dirty(f->ip, 5).ok());  // past end of file: nothing
  EXPECT_EQ(fs::pager_get(f->ip, 5, 1, &page).error(), Error::Range);
  fs::frames::put(page);
  fs::file_close(f);
  fs::sync();
  remount();
  EXPECT_EQ(stat_path("/f")->size, 100u);
  EXPECT_EQ(read_file("/f").value(), bytes.substr(0, 100));
}

}  // namespace
}  // namespace rivet::fstest

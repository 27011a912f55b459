// Crash safety: a workload of file-system calls, each followed by sync()
// (file data waits in the page cache until then), run on a disk that
// loses power after N writes, for every N the workload makes; then a
// remount (log replay, orphan freeing), the checker, and a comparison of
// what survived with the states between calls: a step is there whole or
// not at all, and no file shows bytes that were not written to it.
#include <stdio.h>
#include <string.h>

#include <functional>
#include <map>
#include <set>

#include <gtest/gtest.h>

#include "kernel/fs/device.h"
#include "kernel/fs/filesystem.h"
#include "tests/unit/fs_test_fixture.h"

namespace rivet::fstest {
namespace {

Result<size_t> null_read(int, IoSink, size_t) { return size_t{0}; }
Result<size_t> null_write(int, IoSource, size_t n) { return n; }

// Everything visible through the file system: path -> type, links, size, contents.
using Snapshot = std::map<std::string, std::string>;

void snapshot_dir(const std::string& dir, Snapshot* out) {
  auto names = list_dir(dir);
  ASSERT_TRUE(names.ok()) << dir;
  for (auto& name : *names) {
    std::string path = (dir == "/" ? "" : dir) + "/" + name;
    auto st = stat_path(path);
    ASSERT_TRUE(st.ok()) << path << ": " << error_name(st.error());
    std::string desc = std::to_string(st->type) + " nlink=" + std::to_string(st->nlink) +
                       " size=" + std::to_string(st->size);
    if (st->type == fs::kTypeFile) {
      auto data = read_file(path);
      ASSERT_TRUE(data.ok()) << path;
      desc += " data=" + std::to_string(std::hash<std::string>()(*data));
    }
    (*out)[path] = desc;
    if (st->type == fs::kTypeDir) snapshot_dir(path, out);
  }
}

Snapshot snapshot() {
  Snapshot s;
  snapshot_dir("/", &s);
  return s;
}

// The workload: one kernel call per step, each of which must be atomic.
struct Workload {
  std::map<int, fs::File*> files;
  std::vector<std::function<void()>> steps;

  void open(int slot, const char* path, int flags) {
    steps.push_back([=, this] {
      auto r = fs::open(path, flags);
      files[slot] = r.ok() ? r.value() : nullptr;
    });
  }
  void write(int slot, std::string data) {
    steps.push_back([=, this] {
      if (files[slot]) (void)fs::file_write(files[slot], IoBuffer::kernel(data.data()), data.size());
    });
  }
  void close(int slot) {
    steps.push_back([=, this] {
      if (files[slot]) fs::file_close(files[slot]);
      files[slot] = nullptr;
    });
  }
  void call(std::function<Result<void>()> f) {
    steps.push_back([f] { (void)f(); });
  }
  void close_all() {
    for (auto& [slot, f] : files)
      if (f) fs::file_close(f);
    files.clear();
  }
};

Workload make_workload() {
  Workload w;
  w.call([] { return fs::make_directory("/a"); });
  w.open(0, "/a/f1", kCreate | kRdWr);
  w.write(0, "hello world");
  w.write(0, pattern(60 << 10, 1));  // into the single-indirect block, one chunk
  w.close(0);
  w.call([] { return fs::make_directory("/a/b"); });
  w.call([] { return fs::link("/a/f1", "/a/b/f1link"); });
  w.call([] { return fs::make_node("/a/dev", 5, 0); });
  w.call([] { return fs::unlink("/a/f1"); });
  // A file spread over many bitmap blocks, so freeing it takes several operations.
  w.open(1, "/big", kCreate | kWrOnly);
  for (uint32_t i = 0; i < 36; i++) {
    w.steps.push_back([&w, i] {
      fs::root_fs().last_data_block = (i % 36) * fs::kBitsPerBlock;
      std::string data = pattern(fs::kBlockSize, i);
      (void)fs::file_write(w.files[1], IoBuffer::kernel(data.data()), data.size());
    });
  }
  w.close(1);
  w.open(2, "/big", kWrOnly | kTrunc);  // hands the blocks to an orphan, freed step by step
  w.write(2, "small now");
  w.close(2);
  w.open(3, "/log", kCreate | kWrOnly | kAppend);
  w.write(3, "one ");
  w.write(3, "two ");
  w.close(3);
  // Directory growth past its first block.
  for (int i = 0; i < 64; i++) {
    std::string path = "/a/b/n" + std::to_string(i);
    w.call([path] { return write_file(path, ""); });
  }
  for (int i = 0; i < 64; i += 9) {
    std::string path = "/a/b/n" + std::to_string(i);
    w.call([path] { return fs::unlink(path.c_str()); });
  }
  w.call([] { return fs::unlink("/a/b"); });  // fails: not empty
  w.call([] { return fs::unlink("/a/b/f1link"); });
  w.call([] { return fs::make_directory("/a/c"); });
  w.call([] { return fs::unlink("/a/c"); });
  w.call([] { return fs::unlink("/big"); });
  return w;
}

// Proves every crash point of a workload leaves a clean file system holding exactly the calls synced before it (plus possibly the one in progress), file data included.
TEST(FsCrash, EveryCrashPointIsAllOrNothing) {
  fs::register_device(5, null_read, null_write);
  // 40 bitmap blocks, few inodes: cheap to check, yet freeing spans operations.
  const uint64_t bytes = 40ull * fs::kBitsPerBlock * fs::kBlockSize;
  MemoryDisk base(bytes);
  format(base, 128);

  // The reference run: the state after each step, and the disk writes by then.
  std::vector<Snapshot> states;
  std::vector<uint64_t> writes_after;
  {
    MemoryDisk disk(base);
    CrashDisk never(disk, -1);
    mount_disk(never);
    Workload w = make_workload();
    states.push_back(snapshot());
    writes_after.push_back(never.writes);
    for (auto& step : w.steps) {
      step();
      fs::sync();
      states.push_back(snapshot());
      writes_after.push_back(never.writes);
    }
    w.close_all();
    unmount_disk();
  }
  const uint64_t total = writes_after.back();
  ASSERT_GT(total, 300u);
  ASSERT_EQ(states.front(), Snapshot{});

  size_t tried = 0;
  for (uint64_t n = 0; n <= total; n++) {
    MemoryDisk disk(base);
    {
      CrashDisk crashing(disk, static_cast<int64_t>(n));
      mount_disk(crashing);
      Workload w = make_workload();
      for (auto& step : w.steps) {
        step();
        fs::sync();
      }
      w.close_all();
      unmount_disk();
    }
    // Power back on: mount replays the log and frees orphans.
    mount_disk(disk);
    Snapshot after = snapshot();
    unmount_disk();
    auto report = check(disk);
    ASSERT_TRUE(report.clean()) << "crash after " << n << " writes:\n" << describe(report);
    EXPECT_EQ(report.orphans, 0u);

    // Steps whose writes were all done before the crash must be there.
    size_t done = 0;
    while (done + 1 < writes_after.size() && writes_after[done + 1] <= n) done++;
    bool matched = after == states[done] || (done + 1 < states.size() && after == states[done + 1]);
    // Steps that write nothing share their predecessor's state; look a little further.
    for (size_t k = done + 1; !matched && k < states.size() && writes_after[k] == writes_after[done + 1]; k++)
      matched = after == states[k];
    ASSERT_TRUE(matched) << "crash after " << n << " writes: the state is not that after step " << done
                         << " or " << done + 1;
    tried++;
  }
  EXPECT_EQ(tried, total + 1);
  RecordProperty("crash_points", static_cast<int>(tried));
  printf("crash points tried: %zu (steps: %zu)\n", tried, states.size() - 1);
  fs::register_device(5, nullptr, nullptr);
}

// Proves a transaction committed to the log but not installed is replayed at mount, and rivet-fsck's --replay sees the same.
TEST(FsCrash, CommittedLogIsReplayed) {
  MemoryDisk disk(8 << 20);
  format(disk);
  // Crash right after the commit record of the directory's creation
  // (commit() writes the log slots, then the header; the homes wait for
  // the install). Find that point by counting.
  uint64_t header_write = 0;
  {
    MemoryDisk copy(disk);
    CrashDisk counting(copy, -1);
    mount_disk(counting);
    uint64_t start = counting.writes;
    ASSERT_TRUE(fs::make_directory("/d").ok());
    EXPECT_EQ(counting.writes, start);  // nothing written before a commit
    fs::root_fs().log().commit();
    header_write = counting.writes;
    ASSERT_GE(header_write - start, 2u);  // slots, then the header
    unmount_disk();
  }
  {
    CrashDisk crashing(disk, static_cast<int64_t>(header_write));
    mount_disk(crashing);
    ASSERT_TRUE(fs::make_directory("/d").ok());
    fs::root_fs().log().commit();
    unmount_disk();  // its install never reaches the disk
  }
  auto raw = check(disk, false);
  EXPECT_TRUE(raw.log_committed);
  auto replayed = check(disk, true);
  EXPECT_TRUE(replayed.replayed);
  EXPECT_TRUE(replayed.clean()) << describe(replayed);
  EXPECT_EQ(replayed.directories, 2u);
  mount_disk(disk);
  EXPECT_EQ(stat_path("/d")->type, fs::kTypeDir);
  unmount_disk();
  auto after = check(disk, false);
  EXPECT_TRUE(after.clean()) << describe(after);
  EXPECT_FALSE(after.log_committed);
}

// Proves a file unlinked while open is an orphan after a crash and the next mount frees it.
TEST(FsCrash, OrphanFreedAtMount) {
  MemoryDisk disk(8 << 20);
  format(disk);
  mount_disk(disk);
  auto before = check(disk);
  ASSERT_TRUE(write_file("/f", pattern(100000, 9)).ok());
  unmount_disk();
  {
    CrashDisk crashing(disk, -1);
    mount_disk(crashing);
    fs::File* f = fs::open("/f", kRdOnly).value();
    ASSERT_TRUE(fs::unlink("/f").ok());
    fs::root_fs().log().commit();  // the unlink is durable (an fsync would do this)
    crashing.set_budget(0);  // power fails before the close
    fs::file_close(f);
    unmount_disk();
  }
  auto crashed = check(disk, /*replay=*/true);  // the unlink is in the log
  EXPECT_TRUE(crashed.clean()) << describe(crashed);
  EXPECT_EQ(crashed.orphans, 1u);
  mount_disk(disk);
  unmount_disk();
  auto after = check(disk);
  EXPECT_TRUE(after.clean()) << describe(after);
  EXPECT_EQ(after.orphans, 0u);
  EXPECT_EQ(after.data_blocks_used, before.data_blocks_used);
}

}  // namespace
}  // namespace rivet::fstest

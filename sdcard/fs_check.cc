// check_image (fs_image.h): the file-system checker behind rivet-fsck and
// the unit tests. Everything read from the image is untrusted: every block
// number is range-checked before it is read, and nothing is followed twice.
#include <stdio.h>
#include <string.h>

#include <deque>
#include <map>
#include <set>

#include "sdcard/fs_image.h"

namespace rivet::fsimage {

using namespace rivet::fs;

namespace {

class Checker {
 public:
  Checker(BlockSource& source, const CheckOptions& options, CheckReport& report)
      : source_(source), options_(options), report_(report) {}

  void run();

 private:
  void problem(const std::string& text) {
    report_.problems_total++;
    if (report_.problems.size() < options_.max_problems) report_.problems.push_back(text);
  }
  bool read(uint64_t b, void* data);
  // read(), then the block's checksum as `kind`: false (and a problem) if
  // it does not match.
  bool read_verified(uint64_t b, BlockKind kind, void* data);
  void repair_bitmap();
  void replay_log();
  void check_inode(uint32_t inum, const DiskInode& d);
  void walk(uint32_t inum, uint32_t block, int level, uint64_t first, uint64_t* max_end,
            std::vector<std::pair<uint64_t, uint32_t>>* dir_blocks);
  bool claim(uint32_t inum, uint32_t block);
  void check_directory(uint32_t inum);
  void check_bitmap();
  void check_links();

  BlockSource& source_;
  const CheckOptions& options_;
  CheckReport& report_;
  SuperBlock sb_{};
  std::map<uint64_t, Block> overlay_;  // replayed log blocks
  std::vector<DiskInode> inodes_;
  std::vector<uint8_t> claimed_;       // per block
  std::vector<uint32_t> refs_;         // directory entries naming each inode ("." excluded)
  std::vector<uint32_t> parent_;       // for directories: the directory whose entry names it
  std::vector<uint8_t> reached_;
  std::map<uint32_t, std::vector<std::pair<uint64_t, uint32_t>>> dir_blocks_;
  bool inodes_damaged_ = false;  // an inode or indirect block failed its checksum
  bool bitmap_wrong_ = false;    // the bitmap disagrees with the inodes or fails its checksum
};

bool Checker::read_verified(uint64_t b, BlockKind kind, void* data) {
  if (!read(b, data)) return false;
  if (verify_block(kind, static_cast<uint32_t>(b), data)) return true;
  report_.bad_checksums++;
  problem("block " + std::to_string(b) + " (" + block_kind_name(kind) + "): checksum mismatch");
  return false;
}

bool Checker::read(uint64_t b, void* data) {
  auto it = overlay_.find(b);
  if (it != overlay_.end()) {
    memcpy(data, it->second.data(), kBlockSize);
    return true;
  }
  if (b >= source_.block_count() || !source_.read_block(b, data)) {
    if (!report_.io_error) problem("cannot read block " + std::to_string(b));
    report_.io_error = true;
    return false;
  }
  return true;
}

void Checker::replay_log() {
  LogHeader h;
  if (!read(sb_.logstart, &h)) return;
  bool committed = h.magic == kLogMagic && h.count > 0 && h.count <= kLogMaxEntries &&
                   h.checksum == log_header_checksum(h);
  if (!committed) {
    if (h.magic != 0 || h.count != 0)
      report_.notes.push_back("the log header is not a valid commit record (a torn write?); it is ignored, as the kernel does");
    return;
  }
  report_.log_committed = true;
  if (h.count > sb_.nlog - 1) {
    problem("the log header lists " + std::to_string(h.count) + " blocks but the log holds " +
            std::to_string(sb_.nlog - 1));
    return;
  }
  for (uint32_t i = 0; i < h.count; i++) {
    if (h.blocks[i] < sb_.inodestart || h.blocks[i] >= sb_.size) {
      problem("the log names block " + std::to_string(h.blocks[i]) + ", outside the inode/bitmap/data area");
      return;
    }
  }
  if (!options_.replay) {
    for (uint32_t i = 0; i < h.count; i++) {
      Block data(kBlockSize);
      if (!read(sb_.logstart + 1 + i, data.data())) return;
      if (log_slot_checksum(h.blocks[i], data.data()) != h.sums[i]) {
        report_.bad_checksums++;
        problem("block " + std::to_string(sb_.logstart + 1 + i) + " (log slot for block " +
                std::to_string(h.blocks[i]) + "): checksum mismatch; the kernel will not replay this log");
      }
    }
    report_.notes.push_back("the log holds a committed transaction of " + std::to_string(h.count) +
                            " blocks, which the kernel replays at mount (check with --replay to see that state)");
    return;
  }
  std::map<uint64_t, Block> copies;
  for (uint32_t i = 0; i < h.count; i++) {
    Block data(kBlockSize);
    if (!read(sb_.logstart + 1 + i, data.data())) return;
    if (log_slot_checksum(h.blocks[i], data.data()) != h.sums[i]) {
      report_.bad_checksums++;
      problem("block " + std::to_string(sb_.logstart + 1 + i) + " (log slot for block " + std::to_string(h.blocks[i]) +
              "): checksum mismatch; the kernel will not replay this log");
      return;
    }
    copies[h.blocks[i]] = std::move(data);
  }
  overlay_ = std::move(copies);
  report_.replayed = true;
  report_.notes.push_back("replayed a committed transaction of " + std::to_string(h.count) + " blocks from the log");
}

bool Checker::claim(uint32_t inum, uint32_t block) {
  if (!is_data_block(sb_, block)) {
    problem("inode " + std::to_string(inum) + ": block number " + std::to_string(block) +
            " is outside the data area");
    return false;
  }
  if (claimed_[block]) {
    problem("block " + std::to_string(block) + " is used more than once (again by inode " +
            std::to_string(inum) + ")");
    return false;
  }
  claimed_[block] = 1;
  report_.data_blocks_used++;
  return true;
}

// Walks the subtree under `block` mapping file blocks from `first`.
void Checker::walk(uint32_t inum, uint32_t block, int level, uint64_t first, uint64_t* max_end,
                   std::vector<std::pair<uint64_t, uint32_t>>* dir_blocks) {
  if (!claim(inum, block)) return;
  if (level == 0) {
    if (first + 1 > *max_end) *max_end = first + 1;
    if (dir_blocks) dir_blocks->push_back({first, block});
    return;
  }
  Block data(kBlockSize);
  if (!read_verified(block, BlockKind::Indirect, data.data())) {
    inodes_damaged_ = true;
    return;
  }
  const auto* e = reinterpret_cast<const uint32_t*>(data.data());
  uint64_t span = level == 1 ? 1 : level == 2 ? kSingleBlocks : kDoubleBlocks;
  for (uint32_t i = 0; i < kAddrsPerBlock; i++)
    if (e[i]) walk(inum, e[i], level - 1, first + i * span, max_end, dir_blocks);
}

void Checker::check_inode(uint32_t inum, const DiskInode& d) {
  std::string who = "inode " + std::to_string(inum);
  if (d.type == 0) {
    bool clear = d.nlink == 0 && d.size == 0 && d.major == 0 && d.minor == 0;
    for (uint32_t a : d.addrs) clear = clear && a == 0;
    if (!clear) problem(who + " is free but not cleared");
    return;
  }
  if (!is_valid_type(d.type)) {
    problem(who + " has unknown type " + std::to_string(d.type));
    return;
  }
  if (d.type == kTypeFile) report_.files++;
  if (d.type == kTypeDir) report_.directories++;
  if (d.type == kTypeDevice) report_.devices++;
  if (d.size > kMaxFileSize) problem(who + ": size " + std::to_string(d.size) + " exceeds the largest file");
  if (d.type != kTypeDevice && (d.major || d.minor)) problem(who + ": device numbers on a non-device");
  if (d.type == kTypeDevice) {
    bool none = d.size == 0;
    for (uint32_t a : d.addrs) none = none && a == 0;
    if (!none) problem(who + ": a device with data");
  }
  std::vector<std::pair<uint64_t, uint32_t>> blocks;
  auto* dir_blocks = d.type == kTypeDir ? &blocks : nullptr;
  uint64_t max_end = 0;
  for (uint32_t slot = 0; slot < kDirect; slot++)
    if (d.addrs[slot]) walk(inum, d.addrs[slot], 0, slot, &max_end, dir_blocks);
  if (d.addrs[kSingleSlot]) walk(inum, d.addrs[kSingleSlot], 1, kDirect, &max_end, dir_blocks);
  if (d.addrs[kDoubleSlot]) walk(inum, d.addrs[kDoubleSlot], 2, kDirect + kSingleBlocks, &max_end, dir_blocks);
  if (d.addrs[kTripleSlot])
    walk(inum, d.addrs[kTripleSlot], 3, kDirect + kSingleBlocks + kDoubleBlocks, &max_end, dir_blocks);
  uint64_t size_blocks = (d.size + kBlockSize - 1) / kBlockSize;
  if (max_end > size_blocks)
    problem(who + ": block mapped at file block " + std::to_string(max_end - 1) + ", beyond its size of " +
            std::to_string(d.size) + " bytes");
  if (d.type == kTypeDir) {
    // The kernel's own rule (format.h), so fsck passes what the kernel mounts and no more.
    if (!directory_size_ok(d.size))
      problem(who + ": directory size " + std::to_string(d.size) +
              (d.size > kMaxDirectorySize ? " exceeds the largest directory" : " is not a whole number of entries"));
    if (d.size < 2 * sizeof(DirEntry)) problem(who + ": directory too small for '.' and '..'");
    if (blocks.size() != size_blocks && max_end <= size_blocks) problem(who + ": directory has holes");
    dir_blocks_[inum] = std::move(blocks);
  }
}

void Checker::check_directory(uint32_t inum) {
  const DiskInode& d = inodes_[inum];
  std::string who = "directory " + std::to_string(inum);
  std::set<std::string> names;
  uint64_t index = 0;
  Block data(kBlockSize);
  for (auto& [fblock, b] : dir_blocks_[inum]) {
    if (!read_verified(b, BlockKind::Directory, data.data())) {
      if (report_.io_error) return;
      continue;  // its entries are not believed
    }
    for (uint32_t k = 0; k < kDirEntriesPerBlock; k++) {
      uint64_t off = fblock * kBlockSize + k * sizeof(DirEntry);
      if (off + sizeof(DirEntry) > d.size) break;
      index = off / sizeof(DirEntry);
      DirEntry e;
      memcpy(&e, data.data() + k * sizeof e, sizeof e);
      if (index == 0 || index == 1) {
        const char* want = index == 0 ? "." : "..";
        if (e.inum == 0 || strncmp(e.name, want, kNameSize) != 0) {
          problem(who + ": entry " + std::to_string(index) + " is not '" + want + "'");
          continue;
        }
      }
      if (e.inum == 0) continue;
      size_t len = strnlen(e.name, kNameSize);
      std::string name(e.name, len);
      if (len == kNameSize) {
        problem(who + ": a name is not NUL-terminated");
        continue;
      }
      bool padded = true;
      for (size_t i = len; i < kNameSize; i++) padded = padded && e.name[i] == 0;
      if (!padded) problem(who + ": entry '" + name + "' is not NUL-padded");
      if (len == 0) problem(who + ": an entry has an empty name");
      if (name.find('/') != std::string::npos) problem(who + ": entry '" + name + "' contains '/'");
      if (index >= 2 && (name == "." || name == "..")) problem(who + ": extra '" + name + "' entry");
      if (!names.insert(name).second) problem(who + ": name '" + name + "' appears twice");
      if (!is_valid_inum(sb_, e.inum)) {
        problem(who + ": entry '" + name + "' names inode " + std::to_string(e.inum) + ", out of range");
        continue;
      }
      if (inodes_[e.inum].type == 0 || !is_valid_type(inodes_[e.inum].type)) {
        problem(who + ": entry '" + name + "' names free inode " + std::to_string(e.inum));
        continue;
      }
      if (index == 0) {
        if (e.inum != inum) problem(who + ": '.' names inode " + std::to_string(e.inum));
        continue;  // "." is not counted in nlink
      }
      refs_[e.inum]++;
      if (index == 1) {
        uint32_t want = parent_[inum];
        if (want && e.inum != want)
          problem(who + ": '..' names inode " + std::to_string(e.inum) + ", but its parent is " + std::to_string(want));
        continue;
      }
    }
  }
}

void Checker::check_bitmap() {
  Block data(kBlockSize);
  auto report_range = [this](uint64_t from, uint64_t to, bool used) {
    std::string range = from == to ? "block " + std::to_string(from)
                                   : "blocks " + std::to_string(from) + "-" + std::to_string(to);
    problem(range + (used ? " in use but marked free in the bitmap" : " not in use but marked used in the bitmap"));
  };
  uint64_t run_start = 0;
  int run_kind = -1;  // -1 none, 1 used-but-free, 0 free-but-used
  for (uint32_t bi = 0; bi < sb_.nbmapblocks; bi++) {
    if (!read_verified(sb_.bmapstart + bi, BlockKind::Bitmap, data.data())) {
      if (report_.io_error) return;
      bitmap_wrong_ = true;
      continue;
    }
    for (uint32_t bit = 0; bit < kBitsPerBlock; bit++) {
      uint64_t b = uint64_t{bi} * kBitsPerBlock + bit;
      bool set = data[bit / 8] & (1u << (bit % 8));
      int kind = -1;
      if (b >= sb_.size) {
        if (set) kind = 0;
      } else {
        bool used = b < sb_.datastart || claimed_[b];
        if (used && !set) kind = 1;
        if (!used && set) kind = 0;
      }
      if (kind >= 0) bitmap_wrong_ = true;
      if (kind != run_kind) {
        if (run_kind >= 0) report_range(run_start, b - 1, run_kind == 1);
        run_kind = kind;
        run_start = b;
      }
    }
  }
  if (run_kind >= 0) report_range(run_start, uint64_t{sb_.nbmapblocks} * kBitsPerBlock - 1, run_kind == 1);
}

void Checker::run() {
  Block data(kBlockSize);
  if (source_.block_count() <= kSuperBlockNumber) {
    problem("the image is too small to hold a superblock");
    return;
  }
  if (!read(kSuperBlockNumber, data.data())) return;
  memcpy(&sb_, data.data(), sizeof sb_);
  report_.sb = sb_;
  const char* why = "";
  if (!validate_superblock(sb_, source_.block_count(), &why).ok()) {
    problem(std::string("bad superblock: ") + why);
    return;
  }
  if (source_.block_count() > sb_.size)
    report_.notes.push_back("the file system uses " + std::to_string(sb_.size) + " of the " +
                            std::to_string(source_.block_count()) + " blocks available");
  replay_log();
  if (report_.io_error) return;

  // Inodes and the blocks they own.
  inodes_.assign(sb_.ninodes, DiskInode{});
  claimed_.assign(sb_.size, 0);
  refs_.assign(sb_.ninodes, 0);
  parent_.assign(sb_.ninodes, 0);
  reached_.assign(sb_.ninodes, 0);
  for (uint32_t ib = 0; ib < sb_.ninodeblocks; ib++) {
    if (!read_verified(sb_.inodestart + ib, BlockKind::Inode, data.data())) {
      if (report_.io_error) return;
      // Its inodes are read as they are (the rest of the check says what
      // they claim), but nothing is repaired on their word.
      inodes_damaged_ = true;
    }
    for (uint32_t slot = 0; slot < kInodesPerBlock; slot++) {
      uint32_t inum = ib * kInodesPerBlock + slot;
      if (inum >= sb_.ninodes) break;
      memcpy(&inodes_[inum], data.data() + slot * sizeof(DiskInode), sizeof(DiskInode));
    }
  }
  if (inodes_[0].type != 0) problem("inode 0 is in use");
  for (uint32_t inum = 1; inum < sb_.ninodes; inum++) {
    check_inode(inum, inodes_[inum]);
    if (report_.io_error) return;
  }
  if (inodes_[kRootInode].type != kTypeDir) {
    problem("the root inode is not a directory");
    return;
  }

  // The directory tree, breadth first from the root: each directory must
  // be named by exactly one entry outside itself.
  std::deque<uint32_t> queue{kRootInode};
  parent_[kRootInode] = kRootInode;
  reached_[kRootInode] = 1;
  Block dir(kBlockSize);
  while (!queue.empty()) {
    uint32_t d = queue.front();
    queue.pop_front();
    for (auto& [fblock, b] : dir_blocks_[d]) {
      if (!read(b, dir.data())) return;
      if (!verify_block(BlockKind::Directory, b, dir.data())) continue;  // (reported by check_directory)
      for (uint32_t k = 0; k < kDirEntriesPerBlock; k++) {
        uint64_t off = fblock * kBlockSize + k * sizeof(DirEntry);
        if (off + sizeof(DirEntry) > inodes_[d].size) break;
        if (off < 2 * sizeof(DirEntry)) continue;
        DirEntry e;
        memcpy(&e, dir.data() + k * sizeof e, sizeof e);
        if (e.inum == 0 || !is_valid_inum(sb_, e.inum)) continue;
        if (strncmp(e.name, ".", kNameSize) == 0 || strncmp(e.name, "..", kNameSize) == 0) continue;
        uint16_t type = inodes_[e.inum].type;
        if (type == kTypeDir) {
          if (reached_[e.inum]) {
            problem("directory " + std::to_string(e.inum) + " is named by more than one entry (again in directory " +
                    std::to_string(d) + ")");
            continue;
          }
          parent_[e.inum] = d;
          queue.push_back(e.inum);
        }
        reached_[e.inum] = 1;
      }
    }
  }
  for (auto& [inum, blocks] : dir_blocks_) {
    check_directory(inum);
    if (report_.io_error) return;
  }
  check_links();
  check_bitmap();
  if (options_.repair && bitmap_wrong_) repair_bitmap();
}

void Checker::repair_bitmap() {
  if (inodes_damaged_ || report_.io_error) {
    report_.notes.push_back("not rebuilding the bitmap: inode or indirect blocks are damaged, so which blocks are in use is not known");
    return;
  }
  if (report_.log_committed) {
    // (A mount would replay the log over the rebuilt bitmap.)
    report_.notes.push_back("not rebuilding the bitmap: the log holds a committed transaction (boot once to apply it)");
    return;
  }
  for (uint32_t bi = 0; bi < sb_.nbmapblocks; bi++) {
    Block data(kBlockSize, 0);
    for (uint32_t bit = 0; bit < kBitsPerBlock; bit++) {
      uint64_t b = uint64_t{bi} * kBitsPerBlock + bit;
      if (b >= sb_.size) break;
      if (b < sb_.datastart || claimed_[b]) data[bit / 8] = static_cast<uint8_t>(data[bit / 8] | (1u << (bit % 8)));
    }
    uint32_t home = sb_.bmapstart + bi;
    stamp_block(BlockKind::Bitmap, home, data.data());
    if (!source_.write_block(home, data.data())) {
      report_.repairs.push_back("cannot write bitmap block " + std::to_string(home));
      return;
    }
    overlay_.erase(home);
  }
  report_.repairs.push_back("rebuilt the free-block bitmap (" + std::to_string(sb_.nbmapblocks) +
                            " blocks) from the blocks the inodes use");
}

void Checker::check_links() {
  for (uint32_t inum = 1; inum < sb_.ninodes; inum++) {
    const DiskInode& d = inodes_[inum];
    if (d.type == 0 || !is_valid_type(d.type)) continue;
    std::string who = "inode " + std::to_string(inum);
    if (d.nlink == 0) {
      if (refs_[inum] == 0) {
        report_.orphans++;
        report_.notes.push_back(who + " is unlinked but allocated (an orphan; the kernel frees it at mount)");
      } else {
        problem(who + ": link count 0, but " + std::to_string(refs_[inum]) + " directory entries name it");
      }
      continue;
    }
    if (d.nlink != refs_[inum])
      problem(who + ": link count " + std::to_string(d.nlink) + ", but " + std::to_string(refs_[inum]) +
              " directory entries name it");
    if (!reached_[inum]) problem(who + " is in use but not reachable from the root");
  }
}

}  // namespace

CheckReport check_image(BlockSource& source, const CheckOptions& options) {
  CheckReport report;
  Checker checker(source, options, report);
  checker.run();
  return report;
}

}  // namespace rivet::fsimage

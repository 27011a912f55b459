// Host-side access to Rivet file-system images, shared by rivet-mkfs,
// rivet-fsck and the unit tests: a block source interface, an image
// builder and the checker. Built on kernel/fs/format.h, the same
// definitions the kernel uses.
#pragma once

#include <stdint.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernel/fs/format.h"

namespace rivet::fsimage {

using Block = std::vector<uint8_t>;  // kBlockSize bytes

// Where the checker reads a file system from (a file, a partition of a
// disk image, a unit test's in-memory device).
class BlockSource {
 public:
  virtual ~BlockSource() = default;
  virtual uint64_t block_count() const = 0;
  // Reads file-system block `block`; false on an I/O error.
  virtual bool read_block(uint64_t block, void* data) = 0;
  // Writes file-system block `block` (for repairs); false if it cannot.
  virtual bool write_block(uint64_t block, const void* data) {
    (void)block;
    (void)data;
    return false;
  }
};

// ---- building ------------------------------------------------------------------

// Builds an image in memory, deterministically: inode numbers and blocks
// are assigned in the order the entries were added (parents first), and
// all-zero blocks of regular files are left as holes.
class ImageBuilder {
 public:
  // total_blocks: the size of the file system; ninodes/nlog 0 = defaults
  // (see plan_layout). False with a message on a bad geometry.
  bool init(uint64_t total_blocks, uint32_t ninodes, uint32_t nlog, std::string* error);

  // Paths are absolute; missing parent directories are created. Adding a
  // directory that exists is fine; anything else that exists is an error.
  bool add_directory(const std::string& path, std::string* error);
  bool add_file(const std::string& path, std::vector<uint8_t> contents, std::string* error);
  bool add_device(const std::string& path, uint16_t major, uint16_t minor, std::string* error);

  // Lays everything out. False with a message if it does not fit.
  bool build(std::string* error);

  const fs::SuperBlock& superblock() const { return sb_; }
  // The image's non-zero blocks, after build().
  const std::map<uint32_t, Block>& blocks() const { return blocks_; }
  uint32_t inodes_used() const { return inodes_used_; }
  uint32_t data_blocks_used() const { return data_used_; }

 private:
  struct Node {
    uint16_t type = 0;
    std::string name;
    Node* parent = nullptr;
    std::vector<uint8_t> data;
    uint16_t major = 0, minor = 0;
    std::vector<std::unique_ptr<Node>> children;
    uint32_t inum = 0;
  };
  Node* lookup(Node* dir, const std::string& name);
  Node* make_parents(const std::string& path, std::string* leaf, std::string* error);
  uint32_t allocate();
  uint8_t* block(uint32_t b);
  void map_block(fs::DiskInode& d, uint64_t fblock, uint32_t b);
  void write_contents(Node* node, fs::DiskInode& d, const std::vector<uint8_t>& data, bool holes);

  fs::SuperBlock sb_{};
  std::unique_ptr<Node> root_;
  std::map<uint32_t, Block> blocks_;
  std::map<uint32_t, fs::BlockKind> kinds_;  // the metadata blocks, stamped last
  uint64_t next_block_ = 0;
  uint64_t needed_ = 0;
  bool overflow_ = false;
  uint32_t inodes_used_ = 0;
  uint32_t data_used_ = 0;
};

// Splits "/a/b/c" into components, checking each (non-empty, not "." or
// "..", shorter than DIRSIZ) and the whole (shorter than MAXPATH).
bool split_path(const std::string& path, std::vector<std::string>* parts, std::string* error);

// ---- checking --------------------------------------------------------------------

struct CheckOptions {
  bool replay = false;       // apply a committed log first, as the kernel does at mount
  // Rebuild the free-block bitmap from the blocks the inodes use (written
  // with fresh checksums) when it disagrees, provided every inode and
  // indirect block verified: the only repair whose result is known right.
  // Nothing else is rewritten; damaged blocks are only reported.
  bool repair = false;
  size_t max_problems = 200; // problems listed; the rest are counted
};

struct CheckReport {
  bool io_error = false;     // the source could not be read (problems says where)
  std::vector<std::string> problems;
  size_t problems_total = 0;
  std::vector<std::string> notes;
  bool log_committed = false;  // the log held a committed transaction
  bool replayed = false;
  uint32_t bad_checksums = 0;  // metadata blocks whose checksum failed
  std::vector<std::string> repairs;  // what --repair changed
  uint32_t files = 0, directories = 0, devices = 0, orphans = 0;
  uint64_t data_blocks_used = 0;
  fs::SuperBlock sb{};

  bool clean() const { return !io_error && problems_total == 0; }
};

// Checks a file system: the checksum of every metadata block (superblock,
// log slots, inode, bitmap, directory and indirect blocks; each failure is
// a problem naming the block); every block free or owned exactly
// once, and the bitmap agreeing; link counts against directory entries;
// directories well formed ("." and ".." first and right, names
// NUL-terminated and padded, no duplicates, no entries to free inodes);
// sizes against mapped blocks; every inode in use reachable from the root.
// Unlinked inodes nobody references (orphans the kernel frees at mount)
// are notes, not problems.
CheckReport check_image(BlockSource& source, const CheckOptions& options);

}  // namespace rivet::fsimage

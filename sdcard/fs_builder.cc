// ImageBuilder (fs_image.h): lays out a Rivet file system in memory.
#include <string.h>

#include <deque>

#include "sdcard/fs_image.h"

namespace rivet::fsimage {

using namespace rivet::fs;

bool split_path(const std::string& path, std::vector<std::string>* parts, std::string* error) {
  parts->clear();
  if (path.empty() || path[0] != '/') {
    *error = "'" + path + "': not an absolute path";
    return false;
  }
  if (path.size() >= kMaxPathLength) {
    *error = "'" + path + "': longer than " + std::to_string(kMaxPathLength - 1) + " characters";
    return false;
  }
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') i++;
    size_t start = i;
    while (i < path.size() && path[i] != '/') i++;
    if (i == start) break;
    std::string part = path.substr(start, i - start);
    if (part == "." || part == "..") {
      *error = "'" + path + "': '.' and '..' are not allowed";
      return false;
    }
    if (part.size() >= kNameSize) {
      *error = "'" + path + "': component '" + part + "' is longer than " + std::to_string(kNameSize - 1) + " characters";
      return false;
    }
    if (part.find('\0') != std::string::npos) {
      *error = "'" + path + "': NUL in a name";
      return false;
    }
    parts->push_back(part);
  }
  return true;
}

bool ImageBuilder::init(uint64_t total_blocks, uint32_t ninodes, uint32_t nlog, std::string* error) {
  auto sb = plan_layout(total_blocks, ninodes, nlog);
  if (!sb.ok()) {
    *error = "cannot lay out a file system of " + std::to_string(total_blocks) +
             " blocks with these inode and log counts";
    return false;
  }
  sb_ = sb.value();
  root_ = std::make_unique<Node>();
  root_->type = kTypeDir;
  return true;
}

ImageBuilder::Node* ImageBuilder::lookup(Node* dir, const std::string& name) {
  for (auto& c : dir->children)
    if (c->name == name) return c.get();
  return nullptr;
}

ImageBuilder::Node* ImageBuilder::make_parents(const std::string& path, std::string* leaf, std::string* error) {
  std::vector<std::string> parts;
  if (!split_path(path, &parts, error)) return nullptr;
  if (parts.empty()) {
    *leaf = "";
    return root_.get();
  }
  Node* dir = root_.get();
  for (size_t i = 0; i + 1 < parts.size(); i++) {
    Node* next = lookup(dir, parts[i]);
    if (!next) {
      auto n = std::make_unique<Node>();
      n->type = kTypeDir;
      n->name = parts[i];
      n->parent = dir;
      next = n.get();
      dir->children.push_back(std::move(n));
    } else if (next->type != kTypeDir) {
      *error = "'" + path + "': '" + parts[i] + "' is not a directory";
      return nullptr;
    }
    dir = next;
  }
  *leaf = parts.back();
  return dir;
}

bool ImageBuilder::add_directory(const std::string& path, std::string* error) {
  std::string leaf;
  Node* dir = make_parents(path, &leaf, error);
  if (!dir) return false;
  if (leaf.empty()) return true;  // the root
  if (Node* existing = lookup(dir, leaf)) {
    if (existing->type == kTypeDir) return true;
    *error = "'" + path + "' already exists and is not a directory";
    return false;
  }
  auto n = std::make_unique<Node>();
  n->type = kTypeDir;
  n->name = leaf;
  n->parent = dir;
  dir->children.push_back(std::move(n));
  return true;
}

bool ImageBuilder::add_file(const std::string& path, std::vector<uint8_t> contents, std::string* error) {
  std::string leaf;
  Node* dir = make_parents(path, &leaf, error);
  if (!dir) return false;
  if (leaf.empty() || lookup(dir, leaf)) {
    *error = "'" + path + "' already exists";
    return false;
  }
  if (contents.size() > kMaxFileSize) {
    *error = "'" + path + "' is larger than the largest file";
    return false;
  }
  auto n = std::make_unique<Node>();
  n->type = kTypeFile;
  n->name = leaf;
  n->parent = dir;
  n->data = std::move(contents);
  dir->children.push_back(std::move(n));
  return true;
}

bool ImageBuilder::add_device(const std::string& path, uint16_t major, uint16_t minor, std::string* error) {
  std::string leaf;
  Node* dir = make_parents(path, &leaf, error);
  if (!dir) return false;
  if (leaf.empty() || lookup(dir, leaf)) {
    *error = "'" + path + "' already exists";
    return false;
  }
  auto n = std::make_unique<Node>();
  n->type = kTypeDevice;
  n->name = leaf;
  n->parent = dir;
  n->major = major;
  n->minor = minor;
  dir->children.push_back(std::move(n));
  return true;
}

uint8_t* ImageBuilder::block(uint32_t b) {
  Block& blk = blocks_[b];
  if (blk.empty()) blk.assign(kBlockSize, 0);
  return blk.data();
}

// The next data block, or 0 once the disk is full (still counting how many
// would have been needed, for the error message).
uint32_t ImageBuilder::allocate() {
  needed_++;
  if (next_block_ >= sb_.size) {
    overflow_ = true;
    return 0;
  }
  data_used_++;
  return static_cast<uint32_t>(next_block_++);
}

void ImageBuilder::map_block(DiskInode& d, uint64_t fblock, uint32_t b) {
  if (fblock < kDirect) {
    d.addrs[fblock] = b;
    return;
  }
  uint64_t f = fblock - kDirect;
  uint32_t slot;
  int levels;
  uint32_t index[3];
  if (f < kSingleBlocks) {
    slot = kSingleSlot;
    levels = 1;
    index[0] = static_cast<uint32_t>(f);
  } else if ((f -= kSingleBlocks) < kDoubleBlocks) {
    slot = kDoubleSlot;
    levels = 2;
    index[0] = static_cast<uint32_t>(f / kAddrsPerBlock);
    index[1] = static_cast<uint32_t>(f % kAddrsPerBlock);
  } else {
    f -= kDoubleBlocks;
    slot = kTripleSlot;
    levels = 3;
    index[0] = static_cast<uint32_t>(f / kDoubleBlocks);
    index[1] = static_cast<uint32_t>(f / kAddrsPerBlock % kAddrsPerBlock);
    index[2] = static_cast<uint32_t>(f % kAddrsPerBlock);
  }
  if (d.addrs[slot] == 0) d.addrs[slot] = allocate();
  uint32_t cur = d.addrs[slot];
  for (int l = 0; l < levels && cur; l++) {
    auto* e = reinterpret_cast<uint32_t*>(block(cur));
    kinds_[cur] = BlockKind::Indirect;
    if (l == levels - 1) {
      e[index[l]] = b;
    } else {
      if (e[index[l]] == 0) e[index[l]] = allocate();
      cur = e[index[l]];
    }
  }
}

void ImageBuilder::write_contents(Node* node, DiskInode& d, const std::vector<uint8_t>& data, bool holes) {
  d.size = data.size();
  uint64_t nblocks = (data.size() + kBlockSize - 1) / kBlockSize;
  for (uint64_t i = 0; i < nblocks; i++) {
    size_t off = i * kBlockSize;
    size_t n = std::min<size_t>(kBlockSize, data.size() - off);
    bool zero = true;
    for (size_t k = 0; k < n && zero; k++) zero = data[off + k] == 0;
    if (zero && holes) continue;
    uint32_t b = allocate();
    if (b) memcpy(block(b), data.data() + off, n);
    if (b && node->type == kTypeDir) kinds_[b] = BlockKind::Directory;
    if (b || overflow_) map_block(d, i, b);
  }
}

bool ImageBuilder::build(std::string* error) {
  // Inode numbers in breadth-first order from the root (inode 1).
  std::vector<Node*> order;
  std::deque<Node*> queue{root_.get()};
  while (!queue.empty()) {
    Node* n = queue.front();
    queue.pop_front();
    order.push_back(n);
    for (auto& c : n->children) queue.push_back(c.get());
  }
  if (order.size() + 1 > sb_.ninodes) {
    *error = "too many entries: " + std::to_string(order.size()) + " inodes needed, the file system has " +
             std::to_string(sb_.ninodes - 1) + " (use --inodes)";
    return false;
  }
  for (size_t i = 0; i < order.size(); i++) order[i]->inum = static_cast<uint32_t>(kRootInode + i);

  blocks_.clear();
  kinds_.clear();
  next_block_ = sb_.datastart;
  needed_ = 0;
  data_used_ = 0;
  overflow_ = false;
  std::vector<DiskInode> inodes(order.size());
  for (size_t i = 0; i < order.size(); i++) {
    Node* n = order[i];
    DiskInode& d = inodes[i];
    memset(&d, 0, sizeof d);
    d.type = n->type;
    if (n->type == kTypeDir) {
      uint32_t subdirs = 0;
      // Entry i sits in block i / kDirEntriesPerBlock: each block's last
      // slot is its checksum tail.
      auto entry_offset = [](size_t i) {
        return i / kDirEntriesPerBlock * kBlockSize + i % kDirEntriesPerBlock * sizeof(DirEntry);
      };
      std::vector<uint8_t> data(entry_offset(1 + n->children.size()) + sizeof(DirEntry), 0);
      auto put = [&](size_t slot, const std::string& name, uint32_t inum) {
        DirEntry e{};
        e.inum = inum;
        memcpy(e.name, name.data(), name.size());
        memcpy(data.data() + entry_offset(slot), &e, sizeof e);
      };
      put(0, ".", n->inum);
      put(1, "..", n->parent ? n->parent->inum : n->inum);
      for (size_t c = 0; c < n->children.size(); c++) {
        put(2 + c, n->children[c]->name, n->children[c]->inum);
        if (n->children[c]->type == kTypeDir) subdirs++;
      }
      // Its parent's entry (or, for the root, its own "..") plus each
      // subdirectory's "..".
      d.nlink = static_cast<uint16_t>(1 + subdirs);
      write_contents(n, d, data, false);
    } else if (n->type == kTypeFile) {
      d.nlink = 1;
      write_contents(n, d, n->data, true);
    } else {
      d.nlink = 1;
      d.major = n->major;
      d.minor = n->minor;
    }
  }
  if (overflow_) {
    *error = "the contents need " + std::to_string(needed_) + " data blocks, the file system has " +
             std::to_string(sb_.nblocks);
    blocks_.clear();
    return false;
  }
  for (size_t i = 0; i < order.size(); i++) {
    uint32_t inum = order[i]->inum;
    memcpy(block(inode_block(sb_, inum)) + (inum % kInodesPerBlock) * sizeof(DiskInode), &inodes[i],
           sizeof(DiskInode));
  }
  // Bitmap: the metadata and every data block handed out.
  for (uint64_t b = 0; b < next_block_; b++) {
    uint8_t* bm = block(bitmap_block(sb_, static_cast<uint32_t>(b)));
    uint32_t bit = static_cast<uint32_t>(b % kBitsPerBlock);
    bm[bit / 8] = static_cast<uint8_t>(bm[bit / 8] | (1u << (bit % 8)));
  }
  // Every inode-table and bitmap block is written, even one with nothing
  // in it: an all-zero metadata block fails its checksum.
  for (uint32_t i = 0; i < sb_.ninodeblocks; i++) kinds_[sb_.inodestart + i] = BlockKind::Inode;
  for (uint32_t i = 0; i < sb_.nbmapblocks; i++) kinds_[sb_.bmapstart + i] = BlockKind::Bitmap;
  for (auto& [b, kind] : kinds_) stamp_block(kind, b, block(b));
  memcpy(block(kSuperBlockNumber), &sb_, sizeof sb_);
  inodes_used_ = static_cast<uint32_t>(order.size());
  return true;
}

}  // namespace rivet::fsimage

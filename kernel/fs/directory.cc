#include "kernel/fs/directory.h"

#include <string.h>

#include "kernel/sys/abi.h"

#include "kernel/fs/buffer_cache.h"
#include "kernel/fs/filesystem.h"
#include "kernel/log/panic.h"
#include "kernel/proc/wait.h"

namespace rivet::fs {

bool names_equal(const char* a, const char* b) { return strncmp(a, b, DIRSIZ) == 0; }

namespace {

// Walks dp's entries in order from offset `from` (a multiple of the entry
// size), one buffer-cache read per block: calls visit(offset, entry) for
// every slot that is not a block's tail (a hole reads as free slots) until
// visit returns true, and says whether it stopped there. visit runs with
// the block's buffer held, so it only looks; anything that may sleep or
// lock an inode happens after the walk. Walks are bounded by
// kMaxDirectorySize (ilock refuses larger directories), and at every block
// a killed process stops walking, so no lookup holds a directory's lock
// for long after its process has been told to go.
template <typename Visit>
Result<bool> walk(Inode* dp, uint64_t from, Visit&& visit) {
  RIVET_ASSERT(dp->lock.held_by_current());
  if (dp->size > kMaxDirectorySize) return Error::Malformed;
  static constexpr DirEntry kFreeSlot{};
  FileSystem& fs = *dp->fs;
  for (uint64_t base = from - from % kBlockSize; base < dp->size; base += kBlockSize) {
    if (base != 0 && current_killed()) return Error::Interrupted;
    uint64_t end = dp->size - base < kBlockSize ? dp->size : base + kBlockSize;
    uint32_t block = TRY(bmap(dp, base / kBlockSize, false));
    Buffer* b = nullptr;
    if (block != 0) b = TRY(fs.cache().read(block, BlockKind::Directory));
    bool stop = false;
    for (uint64_t off = base < from ? from : base; !stop && off + sizeof(DirEntry) <= end; off += sizeof(DirEntry)) {
      if (is_dir_tail_slot(off)) continue;
      const DirEntry* de = b ? reinterpret_cast<const DirEntry*>(b->data + off % kBlockSize) : &kFreeSlot;
      stop = visit(off, *de);
    }
    if (b) fs.cache().release(b);
    if (stop) return true;
  }
  return false;
}

}  // namespace

Result<Inode*> dirlookup(Inode* dp, const char* name, uint64_t* offset) {
  RIVET_ASSERT(dp->lock.held_by_current());
  if (dp->type != T_DIR) return Error::NotDirectory;
  uint64_t at = 0;
  uint32_t inum = 0;
  bool found = TRY(walk(dp, 0, [&](uint64_t off, const DirEntry& de) {
    if (de.inum == 0 || !names_equal(de.name, name)) return false;
    at = off;
    inum = de.inum;
    return true;
  }));
  if (!found) return Error::NotFound;
  if (offset) *offset = at;
  return iget(*dp->fs, inum);
}

Result<void> dirlink(Inode* dp, const char* name, uint32_t inum) {
  RIVET_ASSERT(dp->lock.held_by_current());
  size_t len = strlen(name);
  if (len == 0) return Error::NotFound;
  if (len >= DIRSIZ) return Error::NameTooLong;
  // Check for the name and find a free slot in one pass.
  DirEntry de;
  uint64_t slot = dp->size - dp->size % sizeof de;  // append by default
  if (is_dir_tail_slot(slot)) slot += sizeof de;     // (the block's last slot is its checksum)
  bool found_slot = false;
  bool exists = TRY(walk(dp, 0, [&](uint64_t off, const DirEntry& e) {
    if (e.inum == 0) {
      if (!found_slot) {
        slot = off;
        found_slot = true;
      }
      return false;
    }
    return names_equal(e.name, name);
  }));
  if (exists) return Error::Exists;
  if (slot + sizeof de > kMaxDirectorySize) return Error::NoSpace;
  memset(&de, 0, sizeof de);
  memcpy(de.name, name, len);
  de.inum = inum;
  size_t n = TRY(writei(dp, IoBuffer::kernel(&de), slot, sizeof de));
  if (n != sizeof de) return Error::NoSpace;  // cannot happen: one entry never spans blocks
  return {};
}

Result<void> dirunlink(Inode* dp, uint64_t offset) {
  DirEntry de;
  memset(&de, 0, sizeof de);
  size_t n = TRY(writei(dp, IoBuffer::kernel(&de), offset, sizeof de));
  if (n != sizeof de) return Error::Io;
  return {};
}

Result<bool> dir_is_empty(Inode* dp) {
  // Everything after "." and "..".
  bool used = TRY(walk(dp, 2 * sizeof(DirEntry), [](uint64_t, const DirEntry& e) { return e.inum != 0; }));
  return !used;
}

}  // namespace rivet::fs

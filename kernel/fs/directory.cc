#include "kernel/fs/directory.h"

#include <string.h>

#include "kernel/sys/abi.h"

#include "kernel/fs/filesystem.h"
#include "kernel/log/panic.h"
#include "kernel/proc/wait.h"

namespace rivet::fs {

bool names_equal(const char* a, const char* b) { return strncmp(a, b, DIRSIZ) == 0; }

namespace {

// Reads the entry at off. Walks over a directory are bounded by
// kMaxDirectorySize (ilock refuses larger ones), and at every block a
// killed process stops walking, so no lookup holds a directory's lock for
// long after its process has been told to go.
Result<void> read_entry(Inode* dp, uint64_t off, DirEntry* de) {
  if (dp->size > kMaxDirectorySize) return Error::Malformed;
  if (off % kBlockSize == 0 && off != 0 && current_killed()) return Error::Interrupted;
  size_t n = TRY(readi(dp, IoBuffer::kernel(de), off, sizeof *de));
  if (n != sizeof *de) return Error::Malformed;
  return {};
}

}  // namespace

Result<Inode*> dirlookup(Inode* dp, const char* name, uint64_t* offset) {
  RIVET_ASSERT(dp->lock.held_by_current());
  if (dp->type != T_DIR) return Error::NotDirectory;
  DirEntry de;
  for (uint64_t off = 0; off + sizeof de <= dp->size; off += sizeof de) {
    if (is_dir_tail_slot(off)) continue;
    TRY(read_entry(dp, off, &de));
    if (de.inum == 0 || !names_equal(de.name, name)) continue;
    if (offset) *offset = off;
    return iget(*dp->fs, de.inum);
  }
  return Error::NotFound;
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
  for (uint64_t off = 0; off + sizeof de <= dp->size; off += sizeof de) {
    if (is_dir_tail_slot(off)) continue;
    TRY(read_entry(dp, off, &de));
    if (de.inum == 0) {
      if (!found_slot) {
        slot = off;
        found_slot = true;
      }
      continue;
    }
    if (names_equal(de.name, name)) return Error::Exists;
  }
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
  DirEntry de;
  for (uint64_t off = 2 * sizeof de; off + sizeof de <= dp->size; off += sizeof de) {
    if (is_dir_tail_slot(off)) continue;
    TRY(read_entry(dp, off, &de));
    if (de.inum != 0) return false;
  }
  return true;
}

}  // namespace rivet::fs

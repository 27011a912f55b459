// The file system as the rest of the kernel sees it: mounting the root,
// path lookup, and the inode calls exec and mmap need.
//
// Everything that may write the disk runs inside an operation, held by an
// fs::Operation guard (kernel/fs/log.h) for the scope: namei (dropping a
// directory reference can free an unlinked directory), inode_put, and
// inode_write (which brackets its own chunks). Several harts may be inside
// operations at once. Inodes are locked with fs::InodeLock (inode.h).
//
// Layers (one file each): format (on-disk structures), buffer_cache, log,
// allocator (bitmap), inode, directory, path, file, pipe, device, and
// operations (what the Files system calls do, on kernel strings).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/block/block_device.h"
#include "kernel/fs/filesystem.h"
#include "kernel/fs/inode.h"
#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"

namespace rivet::fs {

// Mounts the root file system from a partition: validates the superblock
// (a corrupt or hostile image is an error, never a crash), replays the log,
// frees orphaned inodes. Error::Busy if a root is already mounted.
Result<void> mount_root(block::BlockDevice* partition);
Result<void> mount_root(block::BlockDevice* partition, const MountOptions& options);
// Unmounts the root (host tests; the kernel just calls sync() before power
// off). Error::Busy while any inode other than the root is referenced.
Result<void> unmount_root();
bool root_mounted();
FileSystem& root_fs();

// What df and mount show of a mounted file system.
struct Usage {
  uint32_t block_size = 0;
  uint64_t total_blocks = 0;  // the whole file system, metadata included
  uint64_t data_blocks = 0;
  uint64_t free_blocks = 0;
  uint64_t total_inodes = 0;  // inode 0 is never used and not counted
  uint64_t free_inodes = 0;   // counted from the inode table as cached
};
// Reads the inode table (through the buffer cache; no operation needed, it
// changes nothing). Error::Io if a block cannot be read.
Result<Usage> usage(FileSystem& fs);

// The root directory, with a new reference (for the first process's cwd).
Inode* root_inode();

// The inode a path names (from the current process's directory if
// relative), referenced and unlocked. Inside an operation.
Result<Inode*> namei(const char* path);

// For exec and mmap (new code: fs::InodeLock). inode_lock fails on a
// device error or a corrupt inode.
Result<void> inode_lock(Inode* ip);
void inode_unlock(Inode* ip);
void inode_put(Inode* ip);  // inside an operation
// Drops a reference in an operation of its own (a mapping going away).
void inode_release(Inode* ip);
Inode* inode_dup(Inode* ip);
// ip locked. Fewer than n bytes at end of file; holes read as zeros.
Result<size_t> inode_read(Inode* ip, IoSink dst, uint64_t off, size_t n);
// Writes n bytes at `off` into the page cache (ip NOT locked); the disk
// gets them at write-back.
Result<size_t> inode_write(Inode* ip, IoSource src, uint64_t off, size_t n);
// ip locked.
void inode_stat(Inode* ip, struct stat* st);

// The root file system's operation, by hand. New code uses
// `fs::Operation op(fs::root_fs().log());`; these remain for callers not
// converted yet.
void begin_op();
void end_op();

// sync(2), unmount and power-off: writes back every dirty page and inode,
// waits until no operation is running and every committed change is on
// the device, then flushes it.
void sync();
// The periodic flush (the "flush" kernel thread calls it once a second):
// writes back files dirty for kWriteBackDelaySeconds (page_cache.h).
void write_back_expired();

}  // namespace rivet::fs

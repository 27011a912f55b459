/* xv6's kernel/fs.h, the part user programs use: directory entries as
   read() returns them from a directory, and DIRSIZ. */
#ifndef RIVET_SDK_KERNEL_FS_H
#define RIVET_SDK_KERNEL_FS_H
#include "rivet/abi.h"

#define ROOTINO 1  /* root directory's inode number */

/* One directory entry: 64 bytes, inum 0 marks a free slot; name is NUL
   padded and not NUL terminated when it is DIRSIZ long. The last 64 bytes
   of every 4096-byte directory block hold the block's checksum and read
   as a free slot (inum 0). */
struct dirent {
  unsigned int inum;
  char name[DIRSIZ];
};

#endif

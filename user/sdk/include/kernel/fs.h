/* xv6's kernel/fs.h, the part user programs use: block size, the file size
   limit, and directory entries as read() returns them from a directory.
   Rivet's on-disk format is its own (4 KiB blocks, triple indirect blocks,
   64-byte directory entries); the inode and superblock structures are not
   part of the SDK. */
#ifndef RIVET_SDK_KERNEL_FS_H
#define RIVET_SDK_KERNEL_FS_H
#include "rivet/abi.h"
#include "rivet/abi_layout.h"

#define ROOTINO 1                        /* root directory's inode number */
#define BSIZE RIVET_ABI_BLOCK_SIZE           /* block size (4096; xv6: 1024) */
#define NDIRECT RIVET_ABI_DIRECT_BLOCKS      /* 12, as xv6 */
#define NINDIRECT RIVET_ABI_ADDRS_PER_BLOCK  /* 1023: block numbers per indirect block (its last word is a checksum) */
/* The largest file, in blocks: direct, single, double and triple indirect
   (about 4 TiB; xv6: NDIRECT + NINDIRECT). */
#define MAXFILE RIVET_ABI_MAX_FILE_BLOCKS

/* One directory entry: 64 bytes (xv6: 16), inum 0 marks a free slot; name
   is NUL padded and not NUL terminated when it is DIRSIZ (60) long. The
   last 64 bytes of every 4096-byte directory block hold the block's
   checksum and read as a free slot (inum 0). */
struct dirent {
  unsigned int inum;  /* xv6: ushort */
  char name[DIRSIZ];
};

#endif

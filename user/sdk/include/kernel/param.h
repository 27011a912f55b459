/* xv6's kernel/param.h with Rivet's values. The fixed ones come from
   rivet/abi.h and rivet/abi_layout.h, which the kernel checks against its
   own constants when it is built. */
#ifndef RIVET_SDK_KERNEL_PARAM_H
#define RIVET_SDK_KERNEL_PARAM_H
#include "rivet/abi.h"          /* NOFILE, MAXARG, MAXPATH */
#include "rivet/abi_layout.h"

#define NPROC RIVET_ABI_MAX_PROCESSES    /* process slots (128; kernel threads use some) */
#define NCPU RIVET_ABI_MAX_HARTS         /* harts the kernel runs (16) */
#define NFILE RIVET_ABI_MAX_OPEN_FILES   /* open files in the system (256) */
#define NINODE RIVET_ABI_INODE_CACHE     /* inodes in memory at once (256) */
#define NDEV RIVET_ABI_MAX_DEVICES       /* device majors 0 .. NDEV-1 (16) */
#define MAXOPBLOCKS RIVET_ABI_MAX_OP_BLOCKS  /* blocks one file-system operation may write (64) */
/* USERSTACK is xv6's stack size in pages. Rivet reserves 8 MiB (2048 pages)
   for the stack, below a guard page, and gives it a page only when the
   program first touches it. */
#define USERSTACK (RIVET_ABI_USER_STACK_SIZE / RIVET_ABI_PAGE_SIZE)
/* Not here, on purpose: ROOTDEV (the root is found by its partition type),
   LOGBLOCKS/LOGSIZE, NBUF and FSSIZE (sized per file system and per machine
   when it is made and mounted: the mount line in the boot log shows them). */

#endif

/*
 * Sizes and addresses a user program may want to know, as the kernel has
 * them. The SDK's xv6 headers (kernel/param.h, kernel/fs.h, kernel/riscv.h,
 * kernel/memlayout.h) give xv6's names these values, and
 * kernel/sys/abi_layout_check.cc compares every one with the kernel's own
 * constant at compile time, so the two cannot drift apart.
 * Plain C preprocessor only: the SDK installs it as rivet/abi_layout.h.
 * The RIVET_ABI_ prefix keeps these apart from the kernel's own layout
 * macros for assembly.
 */
#ifndef RIVET_ABI_LAYOUT_H
#define RIVET_ABI_LAYOUT_H

/* Memory (Sv39). */
#define RIVET_ABI_PAGE_SIZE 4096
#define RIVET_ABI_PAGE_SHIFT 12
#define RIVET_ABI_USER_TOP 0x4000000000UL       /* one past the highest user address */
#define RIVET_ABI_TRAMPOLINE (RIVET_ABI_USER_TOP - RIVET_ABI_PAGE_SIZE)   /* top user page, not the program's */
#define RIVET_ABI_TRAPFRAME (RIVET_ABI_TRAMPOLINE - RIVET_ABI_PAGE_SIZE)  /* the page below it, likewise */
#define RIVET_ABI_KERNEL_BASE 0xffffffff80000000UL  /* the kernel image's (virtual) link address */
#define RIVET_ABI_USER_STACK_SIZE (8UL << 20)   /* reserved for the stack; pages come on first touch */

/* Tables. */
#define RIVET_ABI_MAX_HARTS 16          /* harts the kernel runs (kMaxHarts) */
#define RIVET_ABI_MAX_PROCESSES 128     /* process slots, kernel threads included */
#define RIVET_ABI_MAX_DEVICES 16        /* device major numbers 0 .. 15 */
#define RIVET_ABI_MAX_OPEN_FILES 256    /* open files in the whole system */
#define RIVET_ABI_INODE_CACHE 256       /* inodes in memory at once (the root file system's) */

/* File system. */
#define RIVET_ABI_BLOCK_SIZE 4096
#define RIVET_ABI_DIRECT_BLOCKS 12      /* block numbers in the inode itself */
#define RIVET_ABI_ADDRS_PER_BLOCK (RIVET_ABI_BLOCK_SIZE / 4 - 1)  /* the last word is the checksum */
/* direct + single + double + triple indirect */
#define RIVET_ABI_MAX_FILE_BLOCKS                                                  \
  (RIVET_ABI_DIRECT_BLOCKS + RIVET_ABI_ADDRS_PER_BLOCK +                               \
   RIVET_ABI_ADDRS_PER_BLOCK * RIVET_ABI_ADDRS_PER_BLOCK +                             \
   (unsigned long)RIVET_ABI_ADDRS_PER_BLOCK * RIVET_ABI_ADDRS_PER_BLOCK * RIVET_ABI_ADDRS_PER_BLOCK)
#define RIVET_ABI_MAX_OP_BLOCKS 64      /* blocks one file-system operation may log */

#endif

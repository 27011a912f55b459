/*
 * The user/kernel ABI: constants and structures both sides must agree on.
 * Plain C (no C++), included by the kernel and by the user library; the
 * names follow xv6's user API so xv6 programs compile unchanged.
 */
#ifndef RIVET_ABI_H
#define RIVET_ABI_H

/* open() flags (xv6 values, plus O_APPEND). */
#define O_RDONLY 0x000
#define O_WRONLY 0x001
#define O_RDWR 0x002
#define O_ACCMODE 0x003 /* the access-mode bits of the flags */
#define O_CREATE 0x200
#define O_TRUNC 0x400
#define O_APPEND 0x800

/* struct stat types. */
#define T_DIR 1
#define T_FILE 2
#define T_DEVICE 3

/* Device major numbers. */
#define CONSOLE 1

/* Limits. */
#define MAXPATH 128   /* longest path, including the NUL */
#define MAXARG 32     /* exec arguments */
#define MAXENV 64     /* execve environment strings (sharing the arguments' 64 KiB) */
#define NOFILE 16     /* open files per process */
#define DIRSIZ 60     /* a directory entry's name field; names are at most DIRSIZ-1 characters */

/* sbrk modes (xv6: sbrk() is eager, sbrklazy() maps nothing until touched). */
#define SBRK_EAGER 1
#define SBRK_LAZY 2

/* mmap */
#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_FAILED ((void*)-1)
#define MS_ASYNC 0x1
#define MS_INVALIDATE 0x2
#define MS_SYNC 0x4

/* posix_fadvise() advice (Linux's numbers). DONTNEED writes the range back
 * and drops its cached pages that nothing maps; the others are accepted and
 * change nothing. */
#define POSIX_FADV_NORMAL 0
#define POSIX_FADV_RANDOM 1
#define POSIX_FADV_SEQUENTIAL 2
#define POSIX_FADV_WILLNEED 3
#define POSIX_FADV_DONTNEED 4
#define POSIX_FADV_NOREUSE 5

/* consmode(fd, mode): the console's input mode. RAW: no echo or line
 * editing, every key readable at once (Ctrl-C still stops the job); it ends
 * when the process that set it exits. KEYS: the same, but Ctrl-C too is
 * just a key (byte 3), for a program that handles it itself (the shell's
 * line editor). Only a process in the console's foreground process group
 * may choose RAW or KEYS (EPERM otherwise), so a background job cannot take
 * the keyboard. Returns the mode before the call. */
#define CONSOLE_COOKED 0
#define CONSOLE_RAW 1
#define CONSOLE_KEYS 2

/* procinfo() states. */
#define PROC_EMBRYO 1    /* being created by fork */
#define PROC_SLEEPING 2
#define PROC_RUNNABLE 3
#define PROC_RUNNING 4
#define PROC_ZOMBIE 5

/* fsinfo() flags. */
#define FS_READONLY 0x1

/* sys_reboot() */
#define RIVET_POWEROFF 0
#define RIVET_REBOOT 1

/* Error numbers, as the kernel's rivet::Error. A failed system call returns
   -1 and leaves one of these in errno. The list of errors, with their
   descriptions, is rivet/error_list.h (kernel/lib/error_list.h); the kernel
   checks these numbers against it when it is built. */
#define EPERM 1
#define ENOENT 2
#define ESRCH 3
#define EINTR 4
#define EIO 5
#define E2BIG 7
#define ENOEXEC 8
#define EBADF 9
#define ECHILD 10
#define EAGAIN 11
#define ENOMEM 12
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EXDEV 18
#define ENODEV 19
#define ENOTDIR 20
#define EISDIR 21
#define EINVAL 22
#define ENFILE 23
#define EMFILE 24
#define ENOTTY 25
#define ETXTBSY 26
#define EFBIG 27
#define ENOSPC 28
#define ESPIPE 29
#define EROFS 30
#define EMLINK 31
#define EPIPE 32
#define ERANGE 34
#define ENAMETOOLONG 36
#define ENOSYS 38
#define ENOTEMPTY 39
#define EOVERFLOW 75
#define ETIMEDOUT 110

#ifndef __ASSEMBLER__
#include <stdint.h>

/* xv6's struct stat, field for field. */
struct stat {
  int dev;           /* file system's disk device */
  unsigned int ino;  /* inode number */
  short type;        /* T_DIR, T_FILE or T_DEVICE */
  short nlink;       /* number of links to the file */
  uint64_t size;     /* size of the file in bytes */
};

/* memstat(): memory figures for tests and the `free` utility. */
struct memstat {
  uint64_t total_pages;      /* usable physical pages */
  uint64_t free_pages;
  uint64_t resident_pages;   /* pages mapped by the calling process */
  uint64_t swap_total_pages;
  uint64_t swap_used_pages;
  uint64_t cached_pages;     /* file pages in the page cache (counted in neither free nor resident) */
  uint64_t dirty_pages;      /* of those, written but not yet on the disk */
  /* Allocated pages by what they are for (they sum to total - free): */
  uint64_t user_pages;       /* process memory (anonymous, copies, swapped in) */
  uint64_t cache_pages;      /* file data (the page cache, mapped or not) */
  uint64_t table_pages;      /* page tables, all processes' and the kernel's */
  uint64_t kstack_pages;     /* kernel stacks */
  uint64_t heap_pages;       /* the kernel heap (pipes, buffers, file records) */
  uint64_t process_pages;    /* trapframes */
  uint64_t other_pages;      /* boot-time and driver memory, the zero page */
  uint64_t own_table_pages;  /* the calling process's page tables */
};

/* diskstat(index, &d): what disk `index` (0, 1, ... in the order the kernel
 * found them) has done since boot; -1 with ENODEV past the last disk. One
 * request is one request the driver put to the device: a whole run of
 * pages when the device takes it at once, one per piece where the driver
 * must split at a hardware limit. */
struct diskstat {
  char name[16];             /* "vda", "mmcblk0", "ram0" */
  uint64_t sectors;          /* size in 512-byte sectors */
  uint64_t read_requests;
  uint64_t read_sectors;
  uint64_t write_requests;
  uint64_t write_sectors;
  uint64_t flushes;
};

/* procinfo(slot, &p): the process in the first used process-table slot at or
 * after `slot`; returns that slot (ask again with slot + 1), or -1 with
 * ESRCH when no slot from there on is used. */
#define PROCINFO_UNKNOWN ((uint64_t)-1)
struct procinfo {
  int pid;
  int ppid;                  /* 0 for init and kernel threads */
  int pgid;
  int state;                 /* PROC_SLEEPING, ... */
  int kernel_thread;         /* 1 for a kernel thread (no user memory) */
  int reserved;
  uint64_t resident_pages;   /* user pages mapped; PROCINFO_UNKNOWN while it runs on another hart */
  char name[16];
};

/* fsinfo(index, &f): mounted file system `index` (0 is the root); -1 with
 * ENODEV past the last. Block and inode figures as the superblock and the
 * free-block bitmap have them now. */
struct fsinfo {
  char device[16];           /* "vda2", "mmcblk0p4", "ram0" */
  char mount_point[32];      /* "/" */
  char type[16];             /* "rivetfs" */
  uint32_t flags;            /* FS_READONLY */
  uint32_t block_size;       /* bytes */
  uint64_t total_blocks;     /* the whole file system, metadata included */
  uint64_t data_blocks;      /* blocks that may hold file data */
  uint64_t free_blocks;      /* of those, free */
  uint64_t total_inodes;     /* usable inodes (inode 0 is never used) */
  uint64_t free_inodes;
};

/* sysinfo(&s): what `uname` prints. */
struct sysinfo {
  char sysname[16];          /* "Rivet" */
  char release[16];          /* "0.1.0" */
  char machine[16];          /* "riscv64" */
  char model[64];            /* the device tree's model, "riscv-virtio,qemu" */
  char compatible[64];       /* its first root compatible string */
  uint32_t harts_online;     /* harts running Rivet */
  uint32_t harts_total;      /* harts the device tree lists */
  uint64_t memory_bytes;     /* usable RAM */
  uint64_t uptime_ticks;
};
#endif

#endif

/*
 * The Rivet user library: xv6's user/user.h (same names and meaning, so
 * xv6 programs compile unchanged; sizes are size_t and printf returns int,
 * as in standard C), plus Rivet's extensions.
 *
 * A program starts with
 *   #include "kernel/types.h"
 *   #include "kernel/stat.h"
 *   #include "user/user.h"
 *   #include "kernel/fcntl.h"
 *
 * System calls return -1 on failure and leave the reason in errno (ENOENT,
 * EBADF, ... from rivet/abi.h); strerror(errno) and perror() describe it.
 */
#ifndef RIVET_SDK_USER_USER_H
#define RIVET_SDK_USER_USER_H

#include <stdarg.h>
#include <stddef.h>

#include "kernel/types.h"
#include "rivet/abi.h"
/* The functions that also have standard C names are declared once, in
   these headers, which <stdio.h>, <stdlib.h>, <string.h>, <ctype.h> and
   <unistd.h> share: a program may include those as well. */
#include "rivet/ctype_decls.h"
#include "rivet/stdio_decls.h"
#include "rivet/stdlib_decls.h"
#include "rivet/string_decls.h"
#include "rivet/unistd_decls.h"

#ifdef __cplusplus
extern "C" {
#endif

/* sbrk(), sbrklazy() and sys_sbrk() return this when they fail (xv6). */
#define SBRK_ERROR ((char*)-1)

/* ---- system calls (xv6; fork read write close pipe dup getpid chdir
   unlink link exit are in the headers above) ---- */
int wait(int*);
int kill(int);
int exec(const char*, char**);  /* execve(path, argv, environ), like POSIX execv */
int sys_exec(const char*, char**);  /* system call 7: xv6's exec, an empty environment */
int open(const char*, int);
int mknod(const char*, short, short);
int fstat(int fd, struct stat*);
int mkdir(const char*);
char* sys_sbrk(int, int);
int pause(int);
int uptime(void);

/* ---- system calls (Rivet; getppid setpgrp tcsetpgrp fsync fdatasync sync
   are in rivet/unistd_decls.h) ---- */
int sys_reboot(int how);     /* RIVET_POWEROFF or RIVET_REBOOT; returns only on failure */
void* mmap(void* addr, size_t length, int prot, int flags, int fd, long offset);
int munmap(void* addr, size_t length);
int mprotect(void* addr, size_t length, int prot);
int msync(void* addr, size_t length, int flags);
int memstat(struct memstat*);
int diskstat(int index, struct diskstat*);  /* a disk's I/O counters; -1 past the last */
int posix_fadvise(int fd, long offset, long length, int advice);  /* POSIX_FADV_DONTNEED drops cached pages */
int procinfo(int slot, struct procinfo*);  /* the first process at or after slot; returns its slot, -1 (ESRCH) past the last */
int fsinfo(int index, struct fsinfo*);     /* mounted file system `index` (0: the root); -1 (ENODEV) past the last */
int sysinfo(struct sysinfo*);              /* kernel name and version, machine model, harts */
int klog(char* buf, int n);                /* the newest n bytes of the kernel's messages; klog(0, 0): how many are held */
int consmode(int fd, int mode);            /* CONSOLE_RAW, CONSOLE_KEYS or CONSOLE_COOKED input; returns the mode before */

/* ---- ulib (xv6; the string functions, atoi and sbrk are in the headers
   above) ---- */
int stat(const char*, struct stat*);
char* gets(char*, int max);
char* sbrklazy(int);  /* grow the heap, pages allocated when first touched */

/* ---- ulib (Rivet) ---- */
extern int errno;
int sleep(int ticks);           /* the same as pause(): timer ticks, not seconds */
int poweroff(void);             /* returns only on failure */
int reboot(void);               /* returns only on failure */
const char* errname(int err);   /* "ENOENT" */
/* Where cp/mv SOURCE DEST put the file: DEST, or DEST/<SOURCE's last name>
   if DEST is a directory. 0, or -1 with errno ENAMETOOLONG if the path does
   not fit in out[size]. */
int target_path(const char* source, const char* dest, char* out, int size);

/* printf and friends (rivet/stdio_decls.h): xv6's %d %x %p %s %c %l, plus
   %u %o %X, %ld/%lld/%lu/%zu, widths, flags and precision; they return the
   number of characters, where xv6's return nothing. malloc, free, calloc,
   realloc: rivet/stdlib_decls.h. */


#ifdef __cplusplus
}
#endif

#endif

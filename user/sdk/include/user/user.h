/*
 * The Rivet user library: xv6's user/user.h (same names, signatures and
 * meaning, so xv6 programs compile unchanged), plus Rivet's extensions.
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

#ifdef __cplusplus
extern "C" {
#endif

/* xv6 declares the string functions with uint sizes, which differs from the
   compiler's built-in idea of them; that is intended. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wbuiltin-declaration-mismatch"

/* ---- system calls (xv6) ---- */
int fork(void);
int exit(int) __attribute__((noreturn));
int wait(int*);
int pipe(int*);
int write(int, const void*, int);
int read(int, void*, int);
int close(int);
int kill(int);
int exec(const char*, char**);
int open(const char*, int);
int mknod(const char*, short, short);
int unlink(const char*);
int fstat(int fd, struct stat*);
int link(const char*, const char*);
int mkdir(const char*);
int chdir(const char*);
int dup(int);
int getpid(void);
char* sys_sbrk(int, int);
int pause(int);
int uptime(void);

/* ---- system calls (Rivet) ---- */
int getppid(void);
int sys_reboot(int how);     /* RIVET_POWEROFF or RIVET_REBOOT; returns only on failure */
int setpgrp(void);           /* put the caller in its own process group (pgid = pid) */
int tcsetpgrp(int fd, int pgid);  /* make pgid the console's foreground group */
void* mmap(void* addr, size_t length, int prot, int flags, int fd, long offset);
int munmap(void* addr, size_t length);
int mprotect(void* addr, size_t length, int prot);
int msync(void* addr, size_t length, int flags);
int memstat(struct memstat*);
int diskstat(int index, struct diskstat*);  /* a disk's I/O counters; -1 past the last */
int fsync(int fd);           /* the file's data and inode on the disk; EINVAL for pipes and devices */
int fdatasync(int fd);       /* the same, but the inode only where its size changed */
int sync(void);              /* everything dirty, on every disk */
int posix_fadvise(int fd, long offset, long length, int advice);  /* POSIX_FADV_DONTNEED drops cached pages */
int procinfo(int slot, struct procinfo*);  /* the first process at or after slot; returns its slot, -1 (ESRCH) past the last */
int fsinfo(int index, struct fsinfo*);     /* mounted file system `index` (0: the root); -1 (ENODEV) past the last */
int sysinfo(struct sysinfo*);              /* kernel name and version, machine model, harts */
int klog(char* buf, int n);                /* the newest n bytes of the kernel's messages; klog(0, 0): how many are held */
int consmode(int fd, int mode);            /* CONSOLE_RAW or CONSOLE_COOKED input; returns the mode before */

/* ---- ulib (xv6) ---- */
int stat(const char*, struct stat*);
char* strcpy(char*, const char*);
void* memmove(void*, const void*, int);
char* strchr(const char*, char c);
int strcmp(const char*, const char*);
char* gets(char*, int max);
uint strlen(const char*);
void* memset(void*, int, uint);
int atoi(const char*);
int memcmp(const void*, const void*, uint);
void* memcpy(void*, const void*, uint);
char* sbrk(int);      /* grow (or shrink) the heap now; returns the old break */
char* sbrklazy(int);  /* grow the heap, pages allocated when first touched */

/* ---- ulib (Rivet) ---- */
extern int errno;
int sleep(int ticks);           /* the same as pause() */
int poweroff(void);             /* returns only on failure */
int reboot(void);               /* returns only on failure */
const char* strerror(int err);  /* "ENOENT (no such file or directory)" */
const char* errname(int err);   /* "ENOENT" */
void perror(const char* prefix);  /* "prefix: ENOENT (no such file or directory)" on fd 2 */
/* Where cp/mv SOURCE DEST put the file: DEST, or DEST/<SOURCE's last name>
   if DEST is a directory. 0, or -1 with errno ENAMETOOLONG if the path does
   not fit in out[size]. */
int target_path(const char* source, const char* dest, char* out, int size);
int strncmp(const char*, const char*, uint);
char* strncpy(char*, const char*, uint);
char* strcat(char*, const char*);
char* strrchr(const char*, int c);
char* strstr(const char*, const char*);
char* strdup(const char*);
long atol(const char*);
long strtol(const char* s, char** end, int base);
int isdigit(int c);
int isspace(int c);
int isalpha(int c);
int isprint(int c);

/* ---- printf (xv6: %d %x %p %s %c %l; Rivet adds %u %o %X, %ld/%lld/%lu/%zu,
   widths, '-', '0' and precision) ---- */
void fprintf(int, const char*, ...) __attribute__((format(printf, 2, 3)));
void printf(const char*, ...) __attribute__((format(printf, 1, 2)));
void vprintf(const char*, va_list) __attribute__((format(printf, 1, 0)));
void vfprintf(int, const char*, va_list) __attribute__((format(printf, 2, 0)));
int snprintf(char*, size_t, const char*, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char*, size_t, const char*, va_list) __attribute__((format(printf, 3, 0)));

/* ---- umalloc (xv6) ---- */
void* malloc(uint);
void free(void*);
/* Rivet */
void* calloc(uint count, uint size);
void* realloc(void* p, uint size);

#pragma GCC diagnostic pop

#ifdef __cplusplus
}
#endif

#endif

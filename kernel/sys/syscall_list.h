/*
 * The system calls: the single source of truth. Plain preprocessor only, so
 * C++ (the kernel's dispatch table), C and assembly (the user library's
 * stubs and SYS_ numbers) all include it.
 *
 * X(number, kernel handler name, user-library symbol)
 * Numbers 1-21 are xv6's, so xv6 programs and numbers carry over unchanged.
 * A handler sys_NAME is declared with typed arguments in kernel/sys/syscalls.h.
 * Number 7 (xv6's exec, no environment) is sys_exec in the user library,
 * whose exec() is a C wrapper over execve(path, argv, environ), like execv.
 */
#ifndef RIVET_SYSCALL_LIST_H
#define RIVET_SYSCALL_LIST_H

#define RIVET_SYSCALLS(X)        \
  X(1, fork, fork)               \
  X(2, exit, exit)               \
  X(3, wait, wait)               \
  X(4, pipe, pipe)               \
  X(5, read, read)               \
  X(6, kill, kill)               \
  X(7, exec, sys_exec)             \
  X(8, fstat, fstat)             \
  X(9, chdir, chdir)             \
  X(10, dup, dup)                \
  X(11, getpid, getpid)          \
  X(12, sbrk, sys_sbrk)          \
  X(13, pause, pause)            \
  X(14, uptime, uptime)          \
  X(15, open, open)              \
  X(16, write, write)            \
  X(17, mknod, mknod)            \
  X(18, unlink, unlink)          \
  X(19, link, link)              \
  X(20, mkdir, mkdir)            \
  X(21, close, close)            \
  X(22, reboot, sys_reboot)      \
  X(23, setpgrp, setpgrp)        \
  X(24, tcsetpgrp, tcsetpgrp)    \
  X(25, mmap, mmap)              \
  X(26, munmap, munmap)          \
  X(27, mprotect, mprotect)      \
  X(28, msync, msync)            \
  X(29, memstat, memstat)        \
  X(30, getppid, getppid)        \
  X(31, diskstat, diskstat)      \
  X(32, fsync, fsync)            \
  X(33, fdatasync, fdatasync)    \
  X(34, sync, sync)              \
  X(35, fadvise, posix_fadvise)  \
  X(36, procinfo, procinfo)      \
  X(37, fsinfo, fsinfo)          \
  X(38, sysinfo, sysinfo)        \
  X(39, klog, klog)              \
  X(40, consmode, consmode)      \
  X(41, execve, execve)

#define RIVET_SYSCALL_MAX 41

#endif

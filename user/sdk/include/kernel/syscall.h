/* xv6's kernel/syscall.h: SYS_fork 1 ... SYS_close 21 as in xv6, then
   Rivet's own calls. Generated from the kernel's system-call table. */
#ifndef RIVET_SDK_KERNEL_SYSCALL_H
#define RIVET_SDK_KERNEL_SYSCALL_H
#include "rivet/syscall.h"
#endif

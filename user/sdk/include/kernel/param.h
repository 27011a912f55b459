/* xv6's kernel/param.h: the limits a user program may care about. The ones
   the kernel enforces (NOFILE, MAXARG, MAXPATH) come from the Rivet ABI. */
#ifndef RIVET_SDK_KERNEL_PARAM_H
#define RIVET_SDK_KERNEL_PARAM_H
#include "rivet/abi.h"

#define NPROC 128           /* maximum number of processes */
#define NDEV 10             /* maximum major device number */
#define USERSTACK 1         /* pages of user stack (xv6's name; Rivet may give more) */

#endif

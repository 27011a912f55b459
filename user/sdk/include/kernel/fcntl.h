/* xv6's kernel/fcntl.h: open() flags O_RDONLY ... O_TRUNC, plus O_APPEND. */
#ifndef RIVET_SDK_KERNEL_FCNTL_H
#define RIVET_SDK_KERNEL_FCNTL_H
#include "rivet/abi.h"
#endif

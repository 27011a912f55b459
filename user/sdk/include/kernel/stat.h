/* xv6's kernel/stat.h: struct stat and T_DIR/T_FILE/T_DEVICE (from the
   Rivet ABI, which defines them with xv6's layout and values). */
#ifndef RIVET_SDK_KERNEL_STAT_H
#define RIVET_SDK_KERNEL_STAT_H
#include "rivet/abi.h"
#endif

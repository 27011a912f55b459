/* xv6's kernel/types.h: the short integer type names xv6 programs use. */
#ifndef RIVET_SDK_KERNEL_TYPES_H
#define RIVET_SDK_KERNEL_TYPES_H

typedef unsigned int uint;
typedef unsigned short ushort;
typedef unsigned char uchar;

typedef unsigned char uint8;
typedef unsigned short uint16;
typedef unsigned int uint32;
typedef unsigned long uint64;

typedef uint64 pde_t;

/* Not in xv6's types.h, but xv6 programs ported from elsewhere use it:
   a file offset (mmap's last argument). */
typedef long off_t;

#endif

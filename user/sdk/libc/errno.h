/* Rivet SDK: <errno.h>: errno and the error numbers the kernel returns
 * (Linux's numbers; rivet/abi.h lists them). strerror() and perror()
 * describe them. */
#ifndef RIVET_SDK_ERRNO_H
#define RIVET_SDK_ERRNO_H
#include "rivet/abi.h"
#ifdef __cplusplus
extern "C" {
#endif
extern int errno;
#ifdef __cplusplus
}
#endif
#endif

/*
 * The system-call stubs, one per entry of kernel/sys/syscall_list.h
 * (exported in the SDK as rivet/syscall_list.h), generated here by the C
 * preprocessor so the numbers cannot drift from the kernel's.
 *
 * Each stub puts the call number in a7 and traps; the arguments are already
 * in a0..a5. The kernel returns the result in a0, or -1 in a0 with the
 * error number in a1, which the stub stores in errno.
 */
#include "rivet/syscall_list.h"

#define RIVET_USER_STUB(number, kernel_name, user_name) \
  .globl user_name;                                     \
  .type user_name, @function;                           \
  .balign 4;                                            \
user_name:                                              \
  li a7, number;                                        \
  ecall;                                                \
  li t0, -1;                                            \
  beq a0, t0, __syscall_failed;                         \
  ret;                                                  \
  .size user_name, . - user_name;

  .text
RIVET_SYSCALLS(RIVET_USER_STUB)

/* a0 is already -1; keep the error number. */
  .type __syscall_failed, @function
__syscall_failed:
  .option push
  .option norelax
  lla t0, errno
  .option pop
  sw a1, 0(t0)
  ret
  .size __syscall_failed, . - __syscall_failed

/* Rivet SDK: <unistd.h>, the POSIX names the kernel has, with xv6's
 * signatures (int sizes and counts): fork read write close pipe dup getpid
 * getppid chdir unlink link setpgrp tcsetpgrp fsync fdatasync sync sbrk,
 * execve and environ.
 * Not here: sleep (Rivet's sleep(ticks) in user/user.h counts timer ticks,
 * not seconds), lseek, execv (exec() is in user/user.h), isatty, getcwd. */
#ifndef RIVET_SDK_UNISTD_H
#define RIVET_SDK_UNISTD_H
#include <stddef.h>
#include "rivet/unistd_decls.h"

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2
#endif

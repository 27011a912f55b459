/* Rivet SDK: <stdio.h>, the part librivet has: formatted output to a file
 * descriptor or a buffer, puts, putchar, perror. No FILE streams, no input
 * functions (read(0, ...) or gets() from user/user.h), no files by name
 * (open() from user/user.h). printf supports %d %i %u %x %X %o %p %s %c %%,
 * flags, width, precision and the length modifiers hh h l ll z t j; no
 * floating point. */
#ifndef RIVET_SDK_STDIO_H
#define RIVET_SDK_STDIO_H
#include <stdarg.h>
#include <stddef.h>
#include "rivet/stdio_decls.h"

#define EOF (-1)
/* File descriptors, for fprintf(stderr, ...). */
#define stdin 0
#define stdout 1
#define stderr 2
#endif

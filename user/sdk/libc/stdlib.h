/* Rivet SDK: <stdlib.h>, the part librivet has: malloc, calloc, realloc,
 * free, exit, atoi, atol, strtol, getenv, setenv, unsetenv. No abort, qsort
 * or floating-point conversions. */
#ifndef RIVET_SDK_STDLIB_H
#define RIVET_SDK_STDLIB_H
#include <stddef.h>
#include "rivet/stdlib_decls.h"

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1
#endif

/* The formatting engine behind printf, fprintf and snprintf. Pure C with no
   system calls, so the host unit tests compile it as it is. */
#ifndef RIVET_USER_FORMAT_H
#define RIVET_USER_FORMAT_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Receives the output, n bytes at a time (n > 0). */
typedef void (*format_sink)(void* ctx, const char* s, int n);

/* Formats fmt with ap into sink and returns the number of bytes produced.
   Conversions: %d %i %u %x %X %o %p %s %c %%, with flags '-' '0' '+' ' '
   '#', a width and precision (digits or '*'), and the length modifiers
   hh h l ll z t j. %p is 0x and 16 hex digits, like xv6. An unknown
   conversion is printed as it stands ('%' and the character). */
int rivet_vformat(format_sink sink, void* ctx, const char* fmt, va_list ap);

#ifdef __cplusplus
}
#endif

#endif

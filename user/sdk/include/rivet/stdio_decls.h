/* Declarations shared by <stdio.h> and user/user.h. There are no FILE
   streams: fprintf and vfprintf take a file descriptor, as in xv6, and
   <stdio.h> names descriptors 0, 1 and 2 stdin, stdout and stderr, so
   fprintf(stderr, ...) works. Output goes out in one write() per call
   (up to 256 bytes a write): nothing is buffered between calls. */
#ifndef RIVET_STDIO_DECLS_H
#define RIVET_STDIO_DECLS_H
#include <stdarg.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
int printf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
int fprintf(int fd, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
int vprintf(const char* fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int vfprintf(int fd, const char* fmt, va_list ap) __attribute__((format(printf, 2, 0)));
int snprintf(char* dst, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char* dst, size_t size, const char* fmt, va_list ap) __attribute__((format(printf, 3, 0)));
int putchar(int c);          /* c, or EOF (-1) if the write failed */
int puts(const char* s);     /* s and a newline on fd 1: a non-negative number, or EOF */
void perror(const char* prefix);  /* "prefix: ENOENT (no such file or directory)" on fd 2 */
#ifdef __cplusplus
}
#endif
#endif

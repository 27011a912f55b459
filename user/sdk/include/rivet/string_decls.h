/* Declarations shared by <string.h> and user/user.h, so that a program may
   include both: one prototype per function, with standard C's types.
   (xv6's user.h used uint sizes; every xv6 call compiles the same.) */
#ifndef RIVET_STRING_DECLS_H
#define RIVET_STRING_DECLS_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
size_t strlen(const char* s);
char* strcpy(char* dst, const char* src);
char* strncpy(char* dst, const char* src, size_t n);
char* strcat(char* dst, const char* src);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
char* strchr(const char* s, int c);
char* strrchr(const char* s, int c);
char* strstr(const char* haystack, const char* needle);
char* strdup(const char* s);   /* malloc'd copy; 0 when out of memory */
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
void* memmove(void* dst, const void* src, size_t n);  /* n of 2^63 or more (a negative int): nothing, as xv6 */
void* memcpy(void* dst, const void* src, size_t n);
char* strerror(int err);  /* "ENOENT (no such file or directory)"; do not write to it */
#ifdef __cplusplus
}
#endif
#endif

/* Declarations shared by <stdlib.h> and user/user.h. */
#ifndef RIVET_STDLIB_DECLS_H
#define RIVET_STDLIB_DECLS_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
void* malloc(size_t n);
void free(void* p);     /* a bad or twice freed pointer: a message, then exit(1) */
void* calloc(size_t count, size_t size);
void* realloc(void* p, size_t n);
void exit(int status) __attribute__((noreturn));  /* xv6: int exit(int) */
int atoi(const char* s);
long atol(const char* s);
long strtol(const char* s, char** end, int base);
char* getenv(const char* name);  /* the value of NAME in environ, or null */
int setenv(const char* name, const char* value, int overwrite);
int unsetenv(const char* name);
#ifdef __cplusplus
}
#endif
#endif

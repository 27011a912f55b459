/* Rivet SDK: <stddef.h> (the compiler's types, no C library needed). */
#ifndef RIVET_SDK_STDDEF_H
#define RIVET_SDK_STDDEF_H
typedef __SIZE_TYPE__ size_t;
typedef __PTRDIFF_TYPE__ ptrdiff_t;
#ifndef __cplusplus
typedef __WCHAR_TYPE__ wchar_t;
#define NULL ((void*)0)
#else
#define NULL __null
#endif
typedef struct {
  long long __ll __attribute__((__aligned__(__alignof__(long long))));
  long double __ld __attribute__((__aligned__(__alignof__(long double))));
} max_align_t;
#define offsetof(type, member) __builtin_offsetof(type, member)
#endif

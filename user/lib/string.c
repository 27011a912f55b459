/* String and memory functions, with standard C's signatures (xv6's took
   uint sizes; every xv6 call means the same). Simple byte loops:
   this library is small rather than fast. memmove and memcpy copy words
   when both pointers allow it, since the kernel's I/O paths lean on them. */
#include "kernel/types.h"
#include "user/user.h"

#include <stdint.h>

size_t strlen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') n++;
  return n;
}

char* strcpy(char* dst, const char* src) {
  char* d = dst;
  while ((*d++ = *src++) != '\0') {
  }
  return dst;
}

char* strncpy(char* dst, const char* src, size_t n) {
  size_t i = 0;
  for (; i < n && src[i] != '\0'; i++) dst[i] = src[i];
  for (; i < n; i++) dst[i] = '\0';
  return dst;
}

char* strcat(char* dst, const char* src) {
  strcpy(dst + strlen(dst), src);
  return dst;
}

int strcmp(const char* a, const char* b) {
  while (*a != '\0' && *a == *b) {
    a++;
    b++;
  }
  return (int)(uchar)*a - (int)(uchar)*b;
}

int strncmp(const char* a, const char* b, size_t n) {
  for (; n > 0; n--, a++, b++) {
    if (*a != *b || *a == '\0') return (int)(uchar)*a - (int)(uchar)*b;
  }
  return 0;
}

char* strchr(const char* s, int c) {
  for (;; s++) {
    if (*s == (char)c) return (char*)s;
    if (*s == '\0') return 0;
  }
}

char* strrchr(const char* s, int c) {
  const char* found = 0;
  for (;; s++) {
    if (*s == (char)c) found = s;
    if (*s == '\0') return (char*)found;
  }
}

char* strstr(const char* haystack, const char* needle) {
  size_t n = strlen(needle);
  for (; *haystack != '\0' || n == 0; haystack++) {
    if (strncmp(haystack, needle, n) == 0) return (char*)haystack;
    if (*haystack == '\0') break;
  }
  return 0;
}

void* memset(void* dst, int c, size_t n) {
  uchar* d = (uchar*)dst;
  for (size_t i = 0; i < n; i++) d[i] = (uchar)c;
  return dst;
}

int memcmp(const void* a, const void* b, size_t n) {
  const uchar* x = (const uchar*)a;
  const uchar* y = (const uchar*)b;
  for (size_t i = 0; i < n; i++) {
    if (x[i] != y[i]) return (int)x[i] - (int)y[i];
  }
  return 0;
}

static int words_aligned(const void* a, const void* b) { return (((uintptr_t)a | (uintptr_t)b) & 7) == 0; }

/* xv6's memmove took an int count and did nothing for n <= 0; a negative
   int converted to size_t is 2^63 or more, which no object can be, so
   that stays a no-op. */
void* memmove(void* dst, const void* src, size_t n) {
  if (n == 0 || n > (size_t)INTPTR_MAX) return dst;
  uchar* d = (uchar*)dst;
  const uchar* s = (const uchar*)src;
  if (d == s) return dst;
  if (d < s || d >= s + n) {
    /* Forwards: safe when dst is below src or the ranges do not overlap. */
    size_t i = 0;
    if (words_aligned(d, s)) {
      for (; i + 8 <= n; i += 8) *(uint64*)(d + i) = *(const uint64*)(s + i);
    }
    for (; i < n; i++) d[i] = s[i];
  } else {
    for (size_t i = n; i-- > 0;) d[i] = s[i];
  }
  return dst;
}

void* memcpy(void* dst, const void* src, size_t n) {
  /* memmove's forward copy. */
  uchar* d = (uchar*)dst;
  const uchar* s = (const uchar*)src;
  size_t i = 0;
  if (words_aligned(d, s)) {
    for (; i + 8 <= n && i + 8 > i; i += 8) *(uint64*)(d + i) = *(const uint64*)(s + i);
  }
  for (; i < n; i++) d[i] = s[i];
  return dst;
}

char* strdup(const char* s) {
  size_t n = strlen(s) + 1;
  char* copy = (char*)malloc(n);
  if (copy != 0) memcpy(copy, s, n);
  return copy;
}

int isdigit(int c) { return c >= '0' && c <= '9'; }
int isspace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
int isalpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
int isprint(int c) { return c >= 0x20 && c < 0x7f; }
int isupper(int c) { return c >= 'A' && c <= 'Z'; }
int islower(int c) { return c >= 'a' && c <= 'z'; }
int isalnum(int c) { return isalpha(c) || isdigit(c); }
int isxdigit(int c) { return isdigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int iscntrl(int c) { return (c >= 0 && c < 0x20) || c == 0x7f; }
int isgraph(int c) { return c > 0x20 && c < 0x7f; }
int ispunct(int c) { return isgraph(c) && !isalnum(c); }
int toupper(int c) { return islower(c) ? c - 'a' + 'A' : c; }
int tolower(int c) { return isupper(c) ? c - 'A' + 'a' : c; }

long strtol(const char* s, char** end, int base) {
  const char* p = s;
  while (isspace(*p)) p++;
  int negative = 0;
  if (*p == '-' || *p == '+') negative = *p++ == '-';
  if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
    p += 2;
    base = 16;
  } else if (base == 0 && p[0] == '0') {
    base = 8;
  } else if (base == 0) {
    base = 10;
  }
  unsigned long value = 0;
  const char* digits_start = p;
  for (;; p++) {
    int d;
    if (*p >= '0' && *p <= '9') d = *p - '0';
    else if (*p >= 'a' && *p <= 'z') d = *p - 'a' + 10;
    else if (*p >= 'A' && *p <= 'Z') d = *p - 'A' + 10;
    else break;
    if (d >= base) break;
    value = value * (unsigned long)base + (unsigned long)d;
  }
  if (end != 0) *end = (char*)(p == digits_start ? s : p);
  return negative ? -(long)value : (long)value;
}

long atol(const char* s) { return strtol(s, 0, 10); }

/* xv6's atoi: decimal digits only, no sign, stops at the first non-digit. */
int atoi(const char* s) {
  int n = 0;
  while (*s >= '0' && *s <= '9') n = n * 10 + (*s++ - '0');
  return n;
}

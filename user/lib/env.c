/* The environment: environ (set by start.c from the kernel's envp),
   getenv/setenv/unsetenv, and exec as a wrapper over execve.

   The first setenv or unsetenv copies the array the kernel built into the
   heap, so it can grow; strings made by setenv are heap "NAME=value"
   strings. A replaced heap string is not freed (the caller may still hold
   a pointer getenv returned, as POSIX allows), which costs a few bytes per
   change: fine for the shell and small programs. */
#include "kernel/types.h"
#include "user/user.h"

char** environ;

static char* empty_environment[1];
static int owned;     /* environ is our heap array */
static int capacity;  /* its slots, including the final null */

/* The index of NAME's entry, or -1. len is strlen(name). */
static int find(const char* name, int len) {
  if (environ == 0) return -1;
  for (int i = 0; environ[i] != 0; i++) {
    if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=') return i;
  }
  return -1;
}

static int count(void) {
  int n = 0;
  while (environ != 0 && environ[n] != 0) n++;
  return n;
}

static int valid_name(const char* name) {
  if (name == 0 || name[0] == '\0') return 0;
  for (const char* c = name; *c; c++) {
    if (*c == '=') return 0;
  }
  return 1;
}

/* Makes environ a heap array with room for at least `need` entries plus
   the null. */
static int reserve(int need) {
  if (owned && need + 1 <= capacity) return 0;
  int n = count();
  int cap = capacity > 0 ? capacity : 16;
  while (cap < need + 1) cap *= 2;
  char** grown = malloc(cap * sizeof(char*));
  if (grown == 0) {
    errno = ENOMEM;
    return -1;
  }
  for (int i = 0; i < n; i++) grown[i] = environ[i];
  grown[n] = 0;
  if (owned) free(environ);
  environ = grown;
  owned = 1;
  capacity = cap;
  return 0;
}

char* getenv(const char* name) {
  if (name == 0) return 0;
  int len = strlen(name);
  int i = find(name, len);
  return i < 0 ? 0 : environ[i] + len + 1;
}

int setenv(const char* name, const char* value, int overwrite) {
  if (!valid_name(name)) {
    errno = EINVAL;
    return -1;
  }
  int len = strlen(name);
  int i = find(name, len);
  if (i >= 0 && !overwrite) return 0;
  if (value == 0) value = "";
  int vlen = strlen(value);
  char* entry = malloc(len + vlen + 2);
  if (entry == 0) {
    errno = ENOMEM;
    return -1;
  }
  memcpy(entry, name, len);
  entry[len] = '=';
  memcpy(entry + len + 1, value, vlen + 1);
  int n = count();
  if (reserve(i >= 0 ? n : n + 1) < 0) {
    free(entry);
    return -1;
  }
  if (i >= 0) {
    environ[i] = entry;
  } else {
    environ[n] = entry;
    environ[n + 1] = 0;
  }
  return 0;
}

int unsetenv(const char* name) {
  if (!valid_name(name)) {
    errno = EINVAL;
    return -1;
  }
  int len = strlen(name);
  if (find(name, len) < 0) return 0;
  if (reserve(count()) < 0) return -1;
  int out = 0;
  for (int i = 0; environ[i] != 0; i++) {
    if (strncmp(environ[i], name, len) == 0 && environ[i][len] == '=') continue;
    environ[out++] = environ[i];
  }
  environ[out] = 0;
  return 0;
}

/* xv6's exec, as POSIX's execv: the program gets this process's
   environment. (System call 7, sys_exec, gives it an empty one.) */
int exec(const char* path, char** argv) {
  return execve(path, argv, environ != 0 ? environ : empty_environment);
}

/* The rest of xv6's ulib (stat, gets, sbrk, sbrklazy) and Rivet's small
   additions: errno and its names, sleep, poweroff, reboot. */
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "user/user.h"
#include "rivet/error_list.h"

/* Set by the system-call stubs (usys.S) when a call fails. */
int errno;

int stat(const char* path, struct stat* st) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  int r = fstat(fd, st);
  int saved = errno;
  close(fd);
  errno = saved;
  return r;
}

/* xv6's gets: reads up to max-1 bytes, stopping after a newline or at end
   of file, and always terminates the string. */
char* gets(char* buf, int max) {
  int i = 0;
  while (i + 1 < max) {
    char c;
    if (read(0, &c, 1) < 1) break;
    buf[i++] = c;
    if (c == '\n' || c == '\r') break;
  }
  buf[i] = '\0';
  return buf;
}

char* sbrk(int n) { return sys_sbrk(n, SBRK_EAGER); }
char* sbrklazy(int n) { return sys_sbrk(n, SBRK_LAZY); }

int sleep(int ticks) { return pause(ticks); }
int poweroff(void) { return sys_reboot(RIVET_POWEROFF); }
int reboot(void) { return sys_reboot(RIVET_REBOOT); }

struct error_text {
  int number;
  const char* text;  /* "ENAME (description)" */
};

static const struct error_text kErrors[] = {
#define RIVET_ERROR_TEXT(name, number, errno_name, text) {errno_name, #errno_name " (" text ")"},
    RIVET_USER_ERRORS(RIVET_ERROR_TEXT)
#undef RIVET_ERROR_TEXT
};

/* C's strerror returns char*; the text is not to be written to. */
char* strerror(int err) {
  for (uint i = 0; i < sizeof kErrors / sizeof kErrors[0]; i++) {
    if (kErrors[i].number == err) return (char*)kErrors[i].text;
  }
  return (char*)"unknown error";
}

const char* errname(int err) {
  static char name[16];
  const char* text = strerror(err);
  if (text[0] != 'E') {
    snprintf(name, sizeof name, "E%d", err);
    return name;
  }
  uint n = 0;
  while (text[n] != ' ' && n + 1 < sizeof name) {
    name[n] = text[n];
    n++;
  }
  name[n] = '\0';
  return name;
}

void perror(const char* prefix) {
  int err = errno;
  if (prefix != 0 && prefix[0] != '\0') {
    fprintf(2, "%s: %s\n", prefix, strerror(err));
  } else {
    fprintf(2, "%s\n", strerror(err));
  }
}

int target_path(const char* source, const char* dest, char* out, int size) {
  struct stat st;
  int n;
  if (stat(dest, &st) == 0 && st.type == T_DIR) {
    const char* slash = strrchr(source, '/');
    n = snprintf(out, size, "%s/%s", dest, slash ? slash + 1 : source);
  } else {
    n = snprintf(out, size, "%s", dest);
  }
  if (n >= size) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}

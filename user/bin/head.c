// head [-n N] [FILE...]: the first N lines (10) of each file, or of the
// standard input; with several files, each under a "==> FILE <==" header.
#include "kernel/types.h"
#include "user/user.h"
#include "kernel/fcntl.h"

// Parses the count of -n N / -nN / -N; -1 if it is not a number >= 0.
static long parse_count(const char* s) {
  char* end;
  long n = strtol(s, &end, 10);
  if (end == s || *end != '\0' || n < 0) return -1;
  return n;
}

static int head(int fd, const char* name, long lines) {
  char buf[512];
  long seen = 0;
  int n;
  while (seen < lines && (n = read(fd, buf, sizeof buf)) > 0) {
    int upto = 0;
    while (upto < n && seen < lines) {
      if (buf[upto++] == '\n') seen++;
    }
    if (write(1, buf, upto) != upto) return -1;
  }
  if (seen < lines && n < 0) {
    fprintf(2, "head: %s: %s\n", name, strerror(errno));
    return -1;
  }
  return 0;
}

int main(int argc, char* argv[]) {
  long lines = 10;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    const char* a = argv[i];
    const char* count = 0;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[1] == 'n') {
      if (a[2] != '\0') count = a + 2;
      else if (i + 1 < argc) count = argv[++i];
      else {
        fprintf(2, "head: -n needs a number\n");
        exit(1);
      }
    } else if (isdigit(a[1])) {
      count = a + 1;
    } else {
      fprintf(2, "head: %s: unknown option (have -n N)\n", a);
      exit(1);
    }
    lines = parse_count(count);
    if (lines < 0) {
      fprintf(2, "head: %s: not a line count\n", count);
      exit(1);
    }
  }
  if (i == argc) exit(head(0, "standard input", lines) == 0 ? 0 : 1);
  int status = 0, files = argc - i;
  for (int first = i; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "head: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    if (files > 1) printf("%s==> %s <==\n", i > first ? "\n" : "", argv[i]);
    if (head(fd, argv[i], lines) < 0) status = 1;
    close(fd);
  }
  exit(status);
}

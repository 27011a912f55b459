// tail [-n N] [FILE...]: the last N lines (10) of each file, or of the
// standard input; with several files, each under a "==> FILE <==" header.
// The input is read whole into memory (files here are small).
#include "kernel/types.h"
#include "user/user.h"
#include "kernel/fcntl.h"

static long parse_count(const char* s) {
  char* end;
  long n = strtol(s, &end, 10);
  if (end == s || *end != '\0' || n < 0) return -1;
  return n;
}

static int tail(int fd, const char* name, long lines) {
  uint size = 0, cap = 4096;
  char* data = malloc(cap);
  if (!data) {
    fprintf(2, "tail: out of memory\n");
    return -1;
  }
  for (;;) {
    if (size == cap) {
      char* bigger = realloc(data, cap * 2);
      if (!bigger) {
        fprintf(2, "tail: %s: out of memory\n", name);
        free(data);
        return -1;
      }
      data = bigger;
      cap *= 2;
    }
    int n = read(fd, data + size, cap - size);
    if (n < 0) {
      fprintf(2, "tail: %s: %s\n", name, strerror(errno));
      free(data);
      return -1;
    }
    if (n == 0) break;
    size += n;
  }
  // Walk back over `lines` line ends (a last line without one counts too).
  uint start = size;
  long seen = 0;
  if (start > 0 && data[start - 1] == '\n') start--;
  while (start > 0) {
    if (data[start - 1] == '\n' && ++seen == lines) break;
    start--;
  }
  if (lines == 0) start = size;
  int status = write(1, data + start, size - start) == (int)(size - start) ? 0 : -1;
  free(data);
  return status;
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
        fprintf(2, "tail: -n needs a number\n");
        exit(1);
      }
    } else if (isdigit(a[1])) {
      count = a + 1;
    } else {
      fprintf(2, "tail: %s: unknown option (have -n N)\n", a);
      exit(1);
    }
    lines = parse_count(count);
    if (lines < 0) {
      fprintf(2, "tail: %s: not a line count\n", count);
      exit(1);
    }
  }
  if (i == argc) exit(tail(0, "standard input", lines) == 0 ? 0 : 1);
  int status = 0, files = argc - i;
  for (int first = i; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "tail: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    if (files > 1) printf("%s==> %s <==\n", i > first ? "\n" : "", argv[i]);
    if (tail(fd, argv[i], lines) < 0) status = 1;
    close(fd);
  }
  exit(status);
}

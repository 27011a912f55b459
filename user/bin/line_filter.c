// The command line and file walk head and tail share (line_filter.h).
#include "line_filter.h"

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

int line_filter_main(const char* program, int argc, char* argv[],
                     int (*each)(int fd, const char* name, long lines)) {
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
        fprintf(2, "%s: -n needs a number\n", program);
        return 1;
      }
    } else if (isdigit(a[1])) {
      count = a + 1;
    } else {
      fprintf(2, "%s: %s: unknown option (have -n N)\n", program, a);
      return 1;
    }
    lines = parse_count(count);
    if (lines < 0) {
      fprintf(2, "%s: %s: not a line count\n", program, count);
      return 1;
    }
  }
  if (i == argc) return each(0, "standard input", lines) == 0 ? 0 : 1;
  int status = 0, files = argc - i;
  for (int first = i; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "%s: %s: %s\n", program, argv[i], strerror(errno));
      status = 1;
      continue;
    }
    if (files > 1) printf("%s==> %s <==\n", i > first ? "\n" : "", argv[i]);
    if (each(fd, argv[i], lines) < 0) status = 1;
    close(fd);
  }
  return status;
}

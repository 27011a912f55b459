// head [-n N] [FILE...]: the first N lines (10) of each file, or of the
// standard input; with several files, each under a "==> FILE <==" header.
#include "kernel/types.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "line_filter.h"

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

int main(int argc, char* argv[]) { exit(line_filter_main("head", argc, argv, head)); }

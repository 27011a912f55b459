// tail [-n N] [FILE...]: the last N lines (10) of each file, or of the
// standard input; with several files, each under a "==> FILE <==" header.
// The input is read whole into memory (files here are small).
#include "kernel/types.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "line_filter.h"

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

int main(int argc, char* argv[]) { exit(line_filter_main("tail", argc, argv, tail)); }

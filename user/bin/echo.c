// echo [-n] [ARG...]: prints its arguments separated by spaces.
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  int first = 1;
  int newline = 1;
  if (argc > 1 && strcmp(argv[1], "-n") == 0) {
    newline = 0;
    first = 2;
  }
  // One write, so that concurrent echoes do not interleave within a line.
  uint total = 1;
  for (int i = first; i < argc; i++) total += strlen(argv[i]) + 1;
  char* line = malloc(total);
  if (line == 0) {
    fprintf(2, "echo: %s\n", strerror(errno));
    exit(1);
  }
  uint n = 0;
  for (int i = first; i < argc; i++) {
    if (i > first) line[n++] = ' ';
    uint len = strlen(argv[i]);
    memmove(line + n, argv[i], len);
    n += len;
  }
  if (newline) line[n++] = '\n';
  if (n > 0 && write(1, line, n) != (int)n) {
    fprintf(2, "echo: write: %s\n", strerror(errno));
    exit(1);
  }
  exit(0);
}

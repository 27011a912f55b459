// wc [FILE...]: lines, words and bytes of each file (or standard input).
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

static char buf[4096];

static int count(int fd, const char* name) {
  long lines = 0, words = 0, bytes = 0;
  int in_word = 0;
  int n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    for (int i = 0; i < n; i++) {
      bytes++;
      if (buf[i] == '\n') lines++;
      if (isspace((uchar)buf[i])) {
        in_word = 0;
      } else if (!in_word) {
        words++;
        in_word = 1;
      }
    }
  }
  if (n < 0) {
    fprintf(2, "wc: %s: %s\n", name, strerror(errno));
    return -1;
  }
  printf("%ld %ld %ld %s\n", lines, words, bytes, name);
  return 0;
}

int main(int argc, char* argv[]) {
  if (argc < 2) exit(count(0, "") == 0 ? 0 : 1);
  int status = 0;
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "wc: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    if (count(fd, argv[i]) != 0) status = 1;
    close(fd);
  }
  exit(status);
}

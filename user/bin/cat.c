// cat [FILE...]: copies the files (or standard input) to standard output.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

static char buf[4096];

// 0 on success, -1 after printing what went wrong.
static int copy(int fd, const char* name) {
  for (;;) {
    int n = read(fd, buf, sizeof buf);
    if (n == 0) return 0;
    if (n < 0) {
      fprintf(2, "cat: %s: %s\n", name, strerror(errno));
      return -1;
    }
    for (int done = 0; done < n;) {
      int w = write(1, buf + done, n - done);
      if (w <= 0) {
        fprintf(2, "cat: write: %s\n", strerror(errno));
        exit(1);
      }
      done += w;
    }
  }
}

int main(int argc, char* argv[]) {
  if (argc < 2) exit(copy(0, "standard input") == 0 ? 0 : 1);
  int status = 0;
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "cat: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    if (copy(fd, argv[i]) != 0) status = 1;
    close(fd);
  }
  exit(status);
}

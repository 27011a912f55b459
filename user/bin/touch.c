// touch FILE...: creates files that do not exist yet.
#include "kernel/types.h"
#include "user/user.h"
#include "kernel/fcntl.h"

int main(int argc, char* argv[]) {
  if (argc < 2) {
    fprintf(2, "usage: touch FILE...\n");
    exit(1);
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_CREATE | O_RDONLY);
    if (fd < 0) {
      fprintf(2, "touch: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    close(fd);
  }
  exit(status);
}

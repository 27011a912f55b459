// kill PID...: kills processes.
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  if (argc < 2) {
    fprintf(2, "usage: kill PID...\n");
    exit(1);
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    char* end;
    long pid = strtol(argv[i], &end, 10);
    if (end == argv[i] || *end != '\0' || pid <= 0) {
      fprintf(2, "kill: %s: not a process id\n", argv[i]);
      status = 1;
      continue;
    }
    if (kill((int)pid) < 0) {
      fprintf(2, "kill: %ld: %s\n", pid, strerror(errno));
      status = 1;
    }
  }
  exit(status);
}

// printenv [NAME...]: prints the whole environment, one NAME=value a line,
// or the value of each NAME. Exit status 1 if any NAME is not set (POSIX
// shells' scripts use that as a test).
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  if (argc == 1) {
    for (int i = 0; environ != 0 && environ[i] != 0; i++) printf("%s\n", environ[i]);
    exit(0);
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    const char* value = getenv(argv[i]);
    if (value == 0) {
      status = 1;
      continue;
    }
    printf("%s\n", value);
  }
  exit(status);
}

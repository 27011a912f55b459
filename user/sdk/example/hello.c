// A program built out of tree against the Rivet SDK.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

int main(int argc, char* argv[]) {
  printf("hello from pid %d with %d argument(s)\n", getpid(), argc - 1);
  for (int i = 1; i < argc; i++) printf("  argv[%d] = %s\n", i, argv[i]);
  return 0;
}

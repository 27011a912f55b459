// sync: writes everything the file systems hold dirty to the disks.
#include "kernel/types.h"
#include "user/user.h"

int main(void) {
  if (sync() < 0) {
    fprintf(2, "sync: %s\n", strerror(errno));
    exit(1);
  }
  exit(0);
}

// reboot: restarts the machine.
#include "kernel/types.h"
#include "user/user.h"

int main(void) {
  reboot();
  fprintf(2, "reboot: %s\n", strerror(errno));
  exit(1);
}

// poweroff: turns the machine off.
#include "kernel/types.h"
#include "user/user.h"

int main(void) {
  poweroff();
  fprintf(2, "poweroff: %s\n", strerror(errno));
  exit(1);
}

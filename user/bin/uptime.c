// uptime: time since boot, in clock ticks and seconds.
#include "kernel/types.h"
#include "user/user.h"

#define TICKS_PER_SECOND 100  // the kernel's timer rate

int main(void) {
  int ticks = uptime();
  if (ticks < 0) {
    fprintf(2, "uptime: %s\n", strerror(errno));
    exit(1);
  }
  int seconds = ticks / TICKS_PER_SECOND;
  printf("up %d:%02d:%02d (%d ticks)\n", seconds / 3600, seconds / 60 % 60, seconds % 60, ticks);
  exit(0);
}

// iostat: every disk with its size and what it has done since boot
// (requests and sectors read and written, cache flushes).
#include "kernel/types.h"
#include "user/user.h"

int main(void) {
  printf("%-9s %9s %10s %10s %10s %10s %8s\n", "disk", "MiB", "reads", "read KiB", "writes", "write KiB",
         "flushes");
  for (int i = 0;; i++) {
    struct diskstat d;
    if (diskstat(i, &d) < 0) {
      if (i == 0) printf("(no disks)\n");
      break;
    }
    printf("%-9s %9lu %10lu %10lu %10lu %10lu %8lu\n", d.name, (unsigned long)(d.sectors / 2048),
           (unsigned long)d.read_requests, (unsigned long)(d.read_sectors / 2), (unsigned long)d.write_requests,
           (unsigned long)(d.write_sectors / 2), (unsigned long)d.flushes);
  }
  exit(0);
}

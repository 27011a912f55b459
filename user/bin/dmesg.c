// dmesg: the kernel's messages since boot (as many as its ring holds, the
// newest last), from klog().
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  if (argc > 1) {
    fprintf(2, "dmesg: %s: no arguments are taken\n", argv[1]);
    exit(1);
  }
  int held = klog(0, 0);
  if (held < 0) {
    fprintf(2, "dmesg: %s\n", strerror(errno));
    exit(1);
  }
  if (held == 0) exit(0);
  char* buf = malloc(held);
  if (!buf) {
    fprintf(2, "dmesg: out of memory\n");
    exit(1);
  }
  int n = klog(buf, held);
  if (n < 0) {
    fprintf(2, "dmesg: %s\n", strerror(errno));
    exit(1);
  }
  // The ring may begin in the middle of a message: start at a line.
  int start = 0;
  if (n == held && n >= 16384) {
    while (start < n && buf[start] != '\n') start++;
    if (start < n) start++;
  }
  for (int done = start; done < n;) {
    int w = write(1, buf + done, n - done);
    if (w <= 0) exit(1);
    done += w;
  }
  exit(0);
}

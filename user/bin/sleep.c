// sleep SECONDS: waits. SECONDS may have a fraction ("0.25"); "5t" means
// five clock ticks.
#include "kernel/types.h"
#include "user/user.h"

#define TICKS_PER_SECOND 100  // the kernel's timer rate

int main(int argc, char* argv[]) {
  if (argc != 2) {
    fprintf(2, "usage: sleep SECONDS\n");
    exit(1);
  }
  const char* p = argv[1];
  long ticks = 0;
  if (!isdigit(*p) && *p != '.') goto bad;
  long whole = 0;
  while (isdigit(*p)) whole = whole * 10 + (*p++ - '0');
  if (*p == 't' && p[1] == '\0') {
    ticks = whole;
  } else {
    ticks = whole * TICKS_PER_SECOND;
    if (*p == '.') {
      p++;
      long scale = TICKS_PER_SECOND / 10;
      for (; isdigit(*p); p++, scale /= 10) ticks += (*p - '0') * scale;
    }
    if (*p != '\0') goto bad;
  }
  if (ticks > 0x7fffffff) ticks = 0x7fffffff;
  if (pause((int)ticks) < 0) {
    fprintf(2, "sleep: %s\n", strerror(errno));
    exit(1);
  }
  exit(0);
bad:
  fprintf(2, "sleep: %s: not a number of seconds\n", argv[1]);
  exit(1);
}

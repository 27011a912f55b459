// ps: every process: pid, parent, state, resident memory and name (kernel
// threads in brackets). Resident memory is "-" for a process running on
// another hart at that moment (the kernel does not look at a page table
// that is changing under it).
#include "kernel/types.h"
#include "user/user.h"

static const char* state_name(int state) {
  switch (state) {
    case PROC_EMBRYO: return "new";
    case PROC_SLEEPING: return "sleep";
    case PROC_RUNNABLE: return "ready";
    case PROC_RUNNING: return "run";
    case PROC_ZOMBIE: return "zombie";
  }
  return "?";
}

int main(int argc, char* argv[]) {
  if (argc > 1) {
    fprintf(2, "ps: %s: no arguments are taken\n", argv[1]);
    exit(1);
  }
  printf("  PID  PPID STATE        RSS NAME\n");
  struct procinfo p;
  int slot = 0, n;
  while ((n = procinfo(slot, &p)) >= 0) {
    char rss[24];
    if (p.resident_pages == PROCINFO_UNKNOWN)
      snprintf(rss, sizeof rss, "-");
    else
      snprintf(rss, sizeof rss, "%luK", (unsigned long)p.resident_pages * 4);
    char name[24];
    snprintf(name, sizeof name, p.kernel_thread ? "[%s]" : "%s", p.name);
    printf("%5d %5d %-7s %8s %s\n", p.pid, p.ppid, state_name(p.state), rss, name);
    slot = n + 1;
  }
  if (errno != ESRCH) {
    fprintf(2, "ps: %s\n", strerror(errno));
    exit(1);
  }
  exit(0);
}

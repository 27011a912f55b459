// kill [-SIGNAL] PID...: ends processes. Rivet has no signals: kill always
// ends the process (as SIGKILL would). For scripts and habits, a signal
// whose default action is to end the process is accepted and means the
// same: -9 -KILL -15 -TERM -1 -HUP -2 -INT -3 -QUIT (also -s NAME and
// SIG-prefixed names). Any other signal (-STOP, -0, ...) is refused with a
// message, since kill cannot do what it asks.
#include "kernel/types.h"
#include "user/user.h"

static const struct {
  const char* name;
  int number;
} kEnding[] = {{"HUP", 1}, {"INT", 2}, {"QUIT", 3}, {"KILL", 9}, {"TERM", 15}};

// 1 if `signal` (without the dash) names a signal that ends a process.
static int ends_process(const char* signal) {
  if (strncmp(signal, "SIG", 3) == 0) signal += 3;
  char* end;
  long number = strtol(signal, &end, 10);
  int numeric = end != signal && *end == '\0';
  for (uint i = 0; i < sizeof kEnding / sizeof kEnding[0]; i++) {
    if (numeric ? number == kEnding[i].number : strcmp(signal, kEnding[i].name) == 0) return 1;
  }
  return 0;
}

int main(int argc, char* argv[]) {
  int i = 1;
  if (i < argc && argv[i][0] == '-') {
    const char* signal = argv[i] + 1;
    if (strcmp(argv[i], "-s") == 0) {
      if (i + 1 >= argc) {
        fprintf(2, "kill: -s needs a signal name\n");
        exit(1);
      }
      signal = argv[++i];
    }
    if (!ends_process(signal)) {
      fprintf(2, "kill: %s: Rivet has no signals; kill only ends processes (-9 -KILL -15 -TERM -HUP -INT -QUIT)\n",
              argv[i]);
      exit(1);
    }
    i++;
  }
  if (i >= argc) {
    fprintf(2, "usage: kill [-9] PID...\n");
    exit(1);
  }
  int status = 0;
  for (; i < argc; i++) {
    char* end;
    long pid = strtol(argv[i], &end, 10);
    if (end == argv[i] || *end != '\0' || pid <= 0) {
      fprintf(2, "kill: %s: not a process id\n", argv[i]);
      status = 1;
      continue;
    }
    if (kill((int)pid) < 0) {
      fprintf(2, "kill: %ld: %s\n", pid, strerror(errno));
      status = 1;
    }
  }
  exit(status);
}

// uname [-asrmin]: the kernel's name (-s, the default), its release (-r),
// the machine (-m: riscv64), the board's model from the device tree (-i),
// the harts running Rivet (-n: "4 harts"); -a: all of them.
#include "kernel/types.h"
#include "user/user.h"

enum { SHOW_NAME = 1, SHOW_RELEASE = 2, SHOW_MACHINE = 4, SHOW_MODEL = 8, SHOW_HARTS = 16 };

int main(int argc, char* argv[]) {
  int show = 0;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (a[0] != '-' || a[1] == '\0') {
      fprintf(2, "uname: %s: unexpected argument\n", a);
      exit(1);
    }
    for (const char* c = a + 1; *c; c++) {
      switch (*c) {
        case 'a': show |= SHOW_NAME | SHOW_RELEASE | SHOW_MACHINE | SHOW_MODEL | SHOW_HARTS; break;
        case 's': show |= SHOW_NAME; break;
        case 'r': show |= SHOW_RELEASE; break;
        case 'm': show |= SHOW_MACHINE; break;
        case 'i': show |= SHOW_MODEL; break;
        case 'n': show |= SHOW_HARTS; break;
        default:
          fprintf(2, "uname: -%c: unknown option (have -a -s -r -m -i -n)\n", *c);
          exit(1);
      }
    }
  }
  if (show == 0) show = SHOW_NAME;
  struct sysinfo s;
  if (sysinfo(&s) < 0) {
    fprintf(2, "uname: %s\n", strerror(errno));
    exit(1);
  }
  char line[256];
  int n = 0;
  line[0] = '\0';
#define ADD(...) n += snprintf(line + n, sizeof line - n, __VA_ARGS__)
  if (show & SHOW_NAME) ADD("%s%s", n ? " " : "", s.sysname);
  if (show & SHOW_RELEASE) ADD("%s%s", n ? " " : "", s.release);
  if (show & SHOW_MACHINE) ADD("%s%s", n ? " " : "", s.machine);
  if (show & SHOW_MODEL) ADD("%s%s", n ? " " : "", s.model[0] ? s.model : "unknown");
  if (show & SHOW_HARTS) ADD("%s%u hart%s", n ? " " : "", s.harts_online, s.harts_online == 1 ? "" : "s");
#undef ADD
  printf("%s\n", line);
  exit(0);
}

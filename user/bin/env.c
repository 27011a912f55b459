// env [-i] [NAME=value...] [COMMAND [ARG...]]: with no command prints the
// environment (after the changes), one NAME=value a line; with one runs
// COMMAND (looked up in /bin unless it has a '/') with NAME=value added to
// its environment. -i starts from an empty environment.
#include "kernel/types.h"
#include "user/user.h"

static int is_assignment(const char* word) {
  const char* eq = strchr(word, '=');
  return eq != 0 && eq != word;
}

int main(int argc, char* argv[]) {
  int i = 1;
  if (i < argc && strcmp(argv[i], "-i") == 0) {
    static char* empty[1];
    environ = empty;
    i++;
  }
  for (; i < argc && is_assignment(argv[i]); i++) {
    char name[64];
    int n = strchr(argv[i], '=') - argv[i];
    if (n >= (int)sizeof name) {
      fprintf(2, "env: %s: name too long\n", argv[i]);
      exit(1);
    }
    memmove(name, argv[i], n);
    name[n] = '\0';
    if (setenv(name, argv[i] + n + 1, 1) < 0) {
      fprintf(2, "env: %s: %s\n", name, strerror(errno));
      exit(1);
    }
  }
  if (i == argc) {
    for (int k = 0; environ != 0 && environ[k] != 0; k++) printf("%s\n", environ[k]);
    exit(0);
  }
  const char* name = argv[i];
  if (strchr(name, '/') == 0) {
    char path[MAXPATH];
    if (snprintf(path, sizeof path, "/bin/%s", name) < (int)sizeof path) exec(path, argv + i);
  }
  exec(name, argv + i);
  fprintf(2, "env: %s: %s\n", name, strerror(errno));
  exit(errno == ENOENT ? 127 : 126);
}

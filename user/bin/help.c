// help: the shell's built-in commands and every program in /bin.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"

// The commands sh runs itself (user/bin/sh.c: kBuiltins); keep in step.
static const char* const kBuiltins = "cd exit export set unset";

enum { kMaxNames = 128 };

int main(int argc, char* argv[]) {
  if (argc > 1) {
    fprintf(2, "help: %s: no arguments are taken\n", argv[1]);
    exit(1);
  }
  int fd = open("/bin", O_RDONLY);
  if (fd < 0) {
    fprintf(2, "help: /bin: %s\n", strerror(errno));
    exit(1);
  }
  static char names[kMaxNames][DIRSIZ + 1];
  int count = 0;
  struct dirent de;
  while (count < kMaxNames && read(fd, &de, sizeof de) == sizeof de) {
    if (de.inum == 0 || de.name[0] == '.') continue;
    memmove(names[count], de.name, DIRSIZ);
    names[count][DIRSIZ] = '\0';
    // Insertion sort: a few dozen names.
    int i = count++;
    while (i > 0 && strcmp(names[i - 1], names[i]) > 0) {
      char tmp[DIRSIZ + 1];
      strcpy(tmp, names[i]);
      strcpy(names[i], names[i - 1]);
      strcpy(names[i - 1], tmp);
      i--;
    }
  }
  close(fd);
  printf("Shell built-ins: %s\n", kBuiltins);
  printf("Commands in /bin:\n");
  int column = 0;
  for (int i = 0; i < count; i++) {
    int len = strlen(names[i]);
    if (column > 0 && column + 1 + len > 72) {
      printf("\n");
      column = 0;
    }
    printf("%s%s", column ? " " : "  ", names[i]);
    column += len + (column ? 1 : 2);
  }
  if (column) printf("\n");
  printf("Shell: a | b, < > >> 2>, a ; b, a &, ( ... ), quotes; Ctrl-C stops, Ctrl-D ends.\n");
  printf("       $VAR ${VAR} $?, NAME=value, export; Tab completes; arrows, ^A ^E ^W ^U ^L edit.\n");
  exit(0);
}

// clear: clears the terminal (ANSI: cursor home, erase the screen).
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  if (argc > 1) {
    fprintf(2, "clear: %s: no arguments are taken\n", argv[1]);
    exit(1);
  }
  write(1, "\033[H\033[2J", 7);
  exit(0);
}

// init: the first user process. Gives itself the console as file
// descriptors 0, 1 and 2 (creating /dev/console if the file system lacks
// it), then keeps a shell running: whenever /bin/sh exits it says so and
// starts another. It also reaps orphans, which the kernel gives to init.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

static const char kConsole[] = "/dev/console";

static int open_console(void) {
  int fd = open(kConsole, O_RDWR);
  if (fd >= 0) return fd;
  // First boot of a fresh file system: make the device node.
  if (mkdir("/dev") < 0 && errno != EEXIST) return -1;
  if (mknod(kConsole, CONSOLE, 0) < 0 && errno != EEXIST) return -1;
  return open(kConsole, O_RDWR);
}

int main(void) {
  if (open_console() != 0) {
    // Nowhere to report this: descriptor 0 is not the console.
    exit(1);
  }
  dup(0);  // stdout
  dup(0);  // stderr

  char* sh_argv[] = {"sh", 0};
  for (;;) {
    printf("init: starting /bin/sh\n");
    int started = uptime();
    int pid = fork();
    if (pid < 0) {
      fprintf(2, "init: fork: %s\n", strerror(errno));
      pause(100);
      continue;
    }
    if (pid == 0) {
      exec("/bin/sh", sh_argv);
      fprintf(2, "init: exec /bin/sh: %s\n", strerror(errno));
      exit(1);
    }
    for (;;) {
      int status = 0;
      int reaped = wait(&status);
      if (reaped == pid) {
        printf("init: sh (pid %d) exited with status %d; restarting it\n", pid, status);
        break;
      }
      if (reaped < 0) {
        fprintf(2, "init: wait: %s\n", strerror(errno));
        pause(10);
      }
      // Anything else was an orphan; nothing more to do for it.
    }
    // A shell that dies at once (say, /bin/sh is missing) should not spin.
    if (uptime() - started < 100) pause(100);
  }
}

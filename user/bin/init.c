// init: the first user process. Gives itself the console as file
// descriptors 0, 1 and 2 (creating /dev/console if the file system lacks
// it, and repairing it if something else took its name), then keeps a shell
// running: whenever /bin/sh exits it says so and starts another. It also
// reaps orphans, which the kernel gives to init.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

static const char kConsole[] = "/dev/console";
// Used when /dev/console cannot be put right (say, a directory with files
// in it took its name): a node of init's own, at the root.
static const char kFallbackConsole[] = "/.console";

// What init had to repair to get a console; said once the console works.
static const char* repaired = 0;

// Opens path, keeping it only if it really is a device (not a file or a
// directory that took the console's name).
static int open_device(const char* path) {
  int fd = open(path, O_RDWR);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) < 0 || st.type != T_DEVICE) {
    close(fd);
    errno = ENODEV;
    return -1;
  }
  return fd;
}

static int make_console_node(const char* path) {
  if (mknod(path, CONSOLE, 0) < 0) return -1;
  return open_device(path);
}

static int open_console(void) {
  int fd = open_device(kConsole);
  if (fd >= 0) return fd;
  if (errno == ENOENT) {
    // First boot of a fresh file system: make the device node.
    if (mkdir("/dev") < 0 && errno != EEXIST) return -1;
    fd = make_console_node(kConsole);
    if (fd >= 0) return fd;
  }
  // Something else has the name, or its inode is damaged: remove it (a file
  // or an empty directory) and make the node again.
  if (unlink(kConsole) == 0) {
    fd = make_console_node(kConsole);
    if (fd >= 0) {
      repaired = "/dev/console was not the console device; made it again";
      return fd;
    }
  }
  unlink(kFallbackConsole);
  fd = make_console_node(kFallbackConsole);
  if (fd >= 0) repaired = "/dev/console is not the console device and cannot be removed; using /.console";
  return fd;
}

int main(void) {
  if (open_console() != 0) {
    // Nowhere to report this: descriptor 0 is not the console. The kernel
    // says that init exited, and stops the machine.
    exit(1);
  }
  dup(0);  // stdout
  dup(0);  // stderr
  if (repaired) printf("init: %s\n", repaired);

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

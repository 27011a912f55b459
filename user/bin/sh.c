// sh: the shell. xv6's grammar (see sh_parse.h): pipes, < > >> redirection,
// ';' lists, '&' background, ( ) subshells, quotes; built-ins cd and exit.
//
//   sh              interactive on the console: prompt "$ ", Ctrl-D exits
//   sh FILE         runs the commands in FILE
//   sh -c COMMAND   runs one command line
//
// Commands are looked up as given if they contain '/', otherwise in /bin
// and then in the current directory. A foreground command runs in its own
// process group, which becomes the console's foreground group (so Ctrl-C
// kills it and not the shell); the shell takes the console back when it
// ends. Failures are reported: "sh: foo: not found", and the exit status of
// a command that fails.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "sh_parse.h"

static int interactive;  // reading the console: prompt and job control
static int last_status;

static struct sh_arena arena;

static int run(struct sh_node* node, int job_control);
static void run_in_child(struct sh_node* node) __attribute__((noreturn));

static void apply_redirs(const struct sh_node* node) {
  for (int i = 0; i < node->redir_count; i++) {
    const struct sh_redir* r = &node->redirs[i];
    int flags = r->mode == SH_READ    ? O_RDONLY
                : r->mode == SH_WRITE ? O_WRONLY | O_CREATE | O_TRUNC
                                      : O_WRONLY | O_CREATE | O_APPEND;
    // No dup2: close the target descriptor so open() reuses it (the
    // lowest free descriptor), then check that it did.
    close(r->fd);
    int fd = open(r->path, flags);
    if (fd < 0) {
      fprintf(2, "sh: %s: %s\n", r->path, strerror(errno));
      exit(1);
    }
    if (fd != r->fd) {
      fprintf(2, "sh: %s: cannot redirect descriptor %d\n", r->path, r->fd);
      exit(1);
    }
  }
}

static void exec_command(struct sh_node* node) __attribute__((noreturn));
static void exec_command(struct sh_node* node) {
  apply_redirs(node);
  const char* name = node->argv[0];
  if (strcmp(name, "cd") == 0 || strcmp(name, "exit") == 0) {
    // In a pipeline or subshell a built-in affects only this child.
    if (strcmp(name, "exit") == 0) exit(node->argc > 1 ? (int)atol(node->argv[1]) : 0);
    exit(node->argc > 1 && chdir(node->argv[1]) < 0 ? 1 : 0);
  }
  int err;
  if (strchr(name, '/') != 0) {
    exec(name, node->argv);
    err = errno;
  } else {
    char path[MAXPATH];
    if (snprintf(path, sizeof path, "/bin/%s", name) < (int)sizeof path) exec(path, node->argv);
    err = errno;
    exec(name, node->argv);  // xv6 keeps programs in the root directory
    if (err == ENOENT) err = errno;
  }
  if (err == ENOENT) {
    fprintf(2, "sh: %s: not found\n", name);
    exit(127);
  }
  fprintf(2, "sh: %s: %s\n", name, strerror(err));
  exit(126);
}

// Waits for one particular child; returns its exit status.
static int wait_for(int pid) {
  for (;;) {
    int status = 0;
    int reaped = wait(&status);
    if (reaped == pid) return status;
    if (reaped < 0) {
      fprintf(2, "sh: wait: %s\n", strerror(errno));
      return -1;
    }
  }
}

// Runs node in this process, which is a child of the shell, and exits.
static void run_in_child(struct sh_node* node) {
  switch (node->type) {
    case SH_EXEC:
      exec_command(node);
    case SH_SUBSHELL:
      apply_redirs(node);
      exit(run(node->left, 0));
    case SH_PIPE: {
      int p[2];
      if (pipe(p) < 0) {
        fprintf(2, "sh: pipe: %s\n", strerror(errno));
        exit(1);
      }
      int left = fork();
      if (left == 0) {
        close(1);
        dup(p[1]);
        close(p[0]);
        close(p[1]);
        run_in_child(node->left);
      }
      int right = left < 0 ? -1 : fork();
      if (right == 0) {
        close(0);
        dup(p[0]);
        close(p[0]);
        close(p[1]);
        run_in_child(node->right);
      }
      close(p[0]);
      close(p[1]);
      if (left < 0 || right < 0) {
        fprintf(2, "sh: fork: %s\n", strerror(errno));
        if (left > 0) wait_for(left);
        exit(1);
      }
      // The pipeline's status is its last command's.
      int right_status = 0;
      for (int remaining = 2; remaining > 0; remaining--) {
        int status = 0;
        int reaped = wait(&status);
        if (reaped < 0) break;
        if (reaped == right) right_status = status;
      }
      exit(right_status);
    }
    default:
      exit(run(node, 0));
  }
}

static int is_builtin(const struct sh_node* node) {
  return node->type == SH_EXEC && node->redir_count == 0 &&
         (strcmp(node->argv[0], "cd") == 0 || strcmp(node->argv[0], "exit") == 0);
}

static int run_builtin(struct sh_node* node) {
  if (strcmp(node->argv[0], "exit") == 0) {
    exit(node->argc > 1 ? (int)atol(node->argv[1]) : last_status);
  }
  const char* dir = node->argc > 1 ? node->argv[1] : "/";
  if (chdir(dir) < 0) {
    fprintf(2, "sh: cd: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  return 0;
}

static const char* describe(const struct sh_node* node) {
  while (node->type != SH_EXEC) node = node->type == SH_PIPE ? node->right : node->left;
  return node->argv[0];
}

// Runs a command in the foreground; returns its exit status.
static int run_foreground(struct sh_node* node, int job_control) {
  int pid = fork();
  if (pid < 0) {
    fprintf(2, "sh: fork: %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    if (job_control) {
      // Both sides set the foreground group, so it is right whichever
      // runs first.
      setpgrp();
      tcsetpgrp(0, getpid());
    }
    run_in_child(node);
  }
  if (job_control) tcsetpgrp(0, pid);
  int status = wait_for(pid);
  if (job_control) tcsetpgrp(0, 0);
  // Report failures, except "not found" (127), reported by the child.
  if (status != 0 && status != 127 && node->type != SH_SUBSHELL) {
    fprintf(2, "sh: %s: exit status %d\n", describe(node), status);
  }
  return status;
}

// Starts a command in the background and does not wait for it: an
// intermediate child starts it and exits, so init reaps it later.
static int run_background(struct sh_node* node, int job_control) {
  int pid = fork();
  if (pid < 0) {
    fprintf(2, "sh: fork: %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    int job = fork();
    if (job < 0) {
      fprintf(2, "sh: fork: %s\n", strerror(errno));
      exit(1);
    }
    if (job == 0) {
      if (job_control) setpgrp();  // out of the foreground group: Ctrl-C spares it
      run_in_child(node);
    }
    if (job_control) printf("[%d]\n", job);
    exit(0);
  }
  return wait_for(pid);
}

static int run(struct sh_node* node, int job_control) {
  if (node == 0) return 0;
  switch (node->type) {
    case SH_SEQ:
      run(node->left, job_control);
      return run(node->right, job_control);
    case SH_BACK:
      return run_background(node->left, job_control);
    case SH_EXEC:
      if (is_builtin(node)) return run_builtin(node);
      return run_foreground(node, job_control);
    default:
      return run_foreground(node, job_control);
  }
}

// Runs one line; returns the last command's status.
static int run_line(const char* line) {
  struct sh_node* tree;
  char error[96];
  if (sh_parse(line, &arena, &tree, error, sizeof error) < 0) {
    fprintf(2, "sh: %s\n", error);
    return 2;
  }
  last_status = run(tree, interactive);
  return last_status;
}

// Reads one line from fd into buf, without the newline. Returns its length,
// -1 at end of input with nothing read, or -2 if the line was too long.
static int read_line(int fd, char* buf, int size) {
  int n = 0;
  int too_long = 0;
  for (;;) {
    char c;
    int r = read(fd, &c, 1);
    if (r < 1) {
      if (n == 0 && !too_long) return -1;
      break;
    }
    if (c == '\n') break;
    if (n + 1 < size) {
      buf[n++] = c;
    } else {
      too_long = 1;
    }
  }
  buf[n] = '\0';
  return too_long ? -2 : n;
}

static int run_stream(int fd) {
  static char line[SH_MAX_LINE];
  for (;;) {
    if (interactive) write(2, "$ ", 2);
    int n = read_line(fd, line, sizeof line);
    if (n == -1) return last_status;  // end of input (Ctrl-D at the prompt)
    if (n == -2) {
      fprintf(2, "sh: line too long (at most %d characters)\n", SH_MAX_LINE - 1);
      continue;
    }
    run_line(line);
  }
}

int main(int argc, char* argv[]) {
  // Make sure descriptors 0, 1 and 2 are open, on the console.
  int fd;
  while ((fd = open("/dev/console", O_RDWR)) >= 0) {
    if (fd >= 3) {
      close(fd);
      break;
    }
  }

  if (argc >= 3 && strcmp(argv[1], "-c") == 0) exit(run_line(argv[2]));
  if (argc >= 2) {
    int script = open(argv[1], O_RDONLY);
    if (script < 0) {
      fprintf(2, "sh: %s: %s\n", argv[1], strerror(errno));
      exit(1);
    }
    exit(run_stream(script));
  }

  struct stat st;
  interactive = fstat(0, &st) == 0 && st.type == T_DEVICE;
  if (interactive) {
    // Between commands no group owns the console, so a Ctrl-C typed before
    // a new job has claimed it cannot hit the shell itself.
    setpgrp();
    tcsetpgrp(0, 0);
  }
  exit(run_stream(0));
}

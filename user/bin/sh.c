// sh: the shell. xv6's grammar (see sh_parse.h): pipes, < > >> redirection,
// ';' lists, '&' background, ( ) subshells, quotes; $VAR, ${VAR} and $?;
// built-ins cd, exit, export, unset and set.
//
//   sh              interactive on the console: prompt "DIR $ ", line
//                   editing (sh_edit.h), Tab completion, history kept in
//                   /.sh_history; Ctrl-D exits
//   sh FILE         runs the commands in FILE
//   sh -c COMMAND   runs one command line
//
// Commands are looked up as given if they contain '/', otherwise in /bin
// and then in the current directory. A foreground command runs in its own
// process group, which becomes the console's foreground group (so Ctrl-C
// kills it and not the shell); the shell takes the console back when it
// ends. "sh: foo: not found" is reported; other failures only set $? (and
// are reported under `set -x`, which also traces each command).
//
// Variables: NAME=value sets a shell variable; `export NAME[=value]` moves
// it into the environment (environ), which commands inherit; `unset NAME`
// removes it from both; `NAME=value cmd` puts NAME in cmd's environment
// only. HOME=/ and PATH=/bin are set at start unless already set.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "sh_edit.h"
#include "sh_parse.h"

static int interactive;  // reading the console: prompt and job control
static int last_status;
static int trace;        // set -x: show each command, report failures

static struct sh_arena arena;
static struct sh_edit editor;

static const char kHistoryFile[] = "/.sh_history";
static const char* const kBuiltins[] = {"cd", "exit", "export", "set", "unset", 0};

// ---- variables ------------------------------------------------------------------
// Shell variables that are not exported; exported ones live in environ only.
enum { kMaxVars = 64 };
static char* var_names[kMaxVars];
static char* var_values[kMaxVars];

static int var_index(const char* name) {
  for (int i = 0; i < kMaxVars; i++) {
    if (var_names[i] != 0 && strcmp(var_names[i], name) == 0) return i;
  }
  return -1;
}

static void var_remove(const char* name) {
  int i = var_index(name);
  if (i < 0) return;
  free(var_names[i]);
  free(var_values[i]);
  var_names[i] = var_values[i] = 0;
}

// NAME=value: an exported variable stays exported (environ changes);
// otherwise it is a shell variable.
static int set_var(const char* name, const char* value) {
  if (getenv(name) != 0) return setenv(name, value, 1);
  int i = var_index(name);
  if (i < 0) {
    for (i = 0; i < kMaxVars && var_names[i] != 0; i++) {
    }
    if (i == kMaxVars) {
      fprintf(2, "sh: %s: too many variables\n", name);
      return -1;
    }
    var_names[i] = strdup(name);
  } else {
    free(var_values[i]);
  }
  var_values[i] = strdup(value);
  if (var_names[i] == 0 || var_values[i] == 0) {
    fprintf(2, "sh: %s: out of memory\n", name);
    return -1;
  }
  return 0;
}

static const char* lookup(void* context, const char* name) {
  (void)context;
  static char number[16];
  if (strcmp(name, "?") == 0 || strcmp(name, "$") == 0) {
    snprintf(number, sizeof number, "%d", name[0] == '?' ? last_status : getpid());
    return number;
  }
  if (strcmp(name, "0") == 0) return "sh";
  int i = var_index(name);
  if (i >= 0) return var_values[i];
  return getenv(name);
}

// Splits "NAME=value": copies NAME (cut to size - 1 bytes) into name and
// returns the value, which follows the first '='.
static const char* split_assignment(const char* word, char* name, int size) {
  const char* eq = strchr(word, '=');
  int n = 0;
  while (word + n != eq && word[n] != '\0' && n + 1 < size) {
    name[n] = word[n];
    n++;
  }
  name[n] = '\0';
  return eq != 0 ? eq + 1 : word + strlen(word);
}

// Expands a command's words (argv and redirection paths, as typed: see
// sh_parse_raw) just before it runs, so $? is the status of the command
// before it on the line. The node's pointers move to the expanded copies.
static int expand_words(struct sh_node* node) {
  static char text[SH_MAX_LINE * 4];
  int used = 0;
  char error[64];
  for (int i = 0; i < node->argc + node->redir_count; i++) {
    char** word = i < node->argc ? &node->argv[i] : &node->redirs[i - node->argc].path;
    int n = sh_expand_word(*word, lookup, 0, text + used, sizeof text - used, error, sizeof error);
    if (n < 0) {
      fprintf(2, "sh: %s\n", error);
      return -1;
    }
    *word = text + used;
    used += n + 1;
  }
  return 0;
}

static void trace_command(const struct sh_node* node) {
  if (!trace) return;
  char line[SH_MAX_LINE];
  int n = 0;
  line[0] = '\0';
  for (int i = 0; i < node->argc && n < (int)sizeof line; i++) {
    n += snprintf(line + n, sizeof line - n, " %s", node->argv[i]);
  }
  fprintf(2, "+%s\n", line);
}

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

static int is_builtin_name(const char* name) {
  for (int i = 0; kBuiltins[i] != 0; i++) {
    if (strcmp(name, kBuiltins[i]) == 0) return 1;
  }
  return 0;
}

static int run_builtin(int argc, char** argv);

static void exec_command(struct sh_node* node) __attribute__((noreturn));
static void exec_command(struct sh_node* node) {
  if (expand_words(node) < 0) exit(2);
  trace_command(node);
  apply_redirs(node);
  // NAME=value before the command: in its environment only (this is the
  // child, so the shell's own environment is untouched).
  for (int i = 0; i < node->assigns; i++) {
    char name[64];
    const char* value = split_assignment(node->argv[i], name, sizeof name);
    if (node->argc == node->assigns) {
      set_var(name, value);
    } else if (setenv(name, value, 1) < 0) {
      fprintf(2, "sh: %s: %s\n", name, strerror(errno));
    }
  }
  if (node->argc == node->assigns) exit(0);
  char** argv = node->argv + node->assigns;
  const char* name = argv[0];
  // In a pipeline or subshell a built-in affects only this child.
  if (is_builtin_name(name)) exit(run_builtin(node->argc - node->assigns, argv));
  int err;
  if (strchr(name, '/') != 0) {
    exec(name, argv);
    err = errno;
  } else {
    char path[MAXPATH];
    if (snprintf(path, sizeof path, "/bin/%s", name) < (int)sizeof path) exec(path, argv);
    err = errno;
    exec(name, argv);  // xv6 keeps programs in the root directory
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
      if (expand_words(node) < 0) exit(2);
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

// Built-ins run in the shell itself when they are a whole command without
// redirections (so cd and export change the shell); assignments alone too.
static int is_builtin(const struct sh_node* node) {
  if (node->type != SH_EXEC || node->redir_count != 0) return 0;
  if (node->argc == node->assigns) return 1;
  return node->assigns == 0 && is_builtin_name(node->argv[0]);
}

// ---- the current directory ----------------------------------------------------
// The kernel keeps no path for it, so the shell keeps its own (what cd was
// given, with "." and ".." worked out) for the prompt, PWD and `cd -`.
static char cwd[MAXPATH] = "/";
static char old_cwd[MAXPATH];

// Joins dir onto base into out (MAXPATH bytes), resolving "." and "..".
static int join_path(const char* base, const char* dir, char* out) {
  char path[MAXPATH * 2];
  snprintf(path, sizeof path, "%s/%s", dir[0] == '/' ? "" : base, dir);
  int n = 0;
  out[0] = '\0';
  for (char* p = path; *p;) {
    while (*p == '/') p++;
    char* end = p;
    while (*end != '\0' && *end != '/') end++;
    int len = end - p;
    if (len == 0 || (len == 1 && p[0] == '.')) {
      // nothing
    } else if (len == 2 && p[0] == '.' && p[1] == '.') {
      while (n > 0 && out[n - 1] != '/') n--;
      if (n > 0) n--;
    } else {
      if (n + 1 + len + 1 > MAXPATH) return -1;
      out[n++] = '/';
      memmove(out + n, p, len);
      n += len;
    }
    p = end;
  }
  if (n == 0) out[n++] = '/';
  out[n] = '\0';
  return 0;
}

static int builtin_cd(int argc, char** argv) {
  const char* dir = argc > 1 ? argv[1] : lookup(0, "HOME");
  if (dir == 0 || dir[0] == '\0') dir = "/";
  int back = argc > 1 && strcmp(dir, "-") == 0;
  if (back) {
    if (old_cwd[0] == '\0') {
      fprintf(2, "sh: cd: no previous directory\n");
      return 1;
    }
    dir = old_cwd;
  }
  char target[MAXPATH];
  if (chdir(dir) < 0) {
    fprintf(2, "sh: cd: %s: %s\n", dir, strerror(errno));
    return 1;
  }
  if (join_path(cwd, dir, target) < 0) strcpy(target, "?");
  strcpy(old_cwd, cwd);
  strcpy(cwd, target);
  setenv("OLDPWD", old_cwd, 1);
  setenv("PWD", cwd, 1);
  if (back) printf("%s\n", cwd);
  return 0;
}

static int builtin_export(int argc, char** argv) {
  if (argc == 1) {
    for (int i = 0; environ != 0 && environ[i] != 0; i++) printf("export %s\n", environ[i]);
    return 0;
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    char name[64];
    const char* value = strchr(argv[i], '=') ? split_assignment(argv[i], name, sizeof name) : 0;
    if (value == 0) snprintf(name, sizeof name, "%s", argv[i]);
    char probe[72];  // NAME= is an assignment exactly when NAME is a valid name
    snprintf(probe, sizeof probe, "%s=", name);
    if (!sh_is_assignment(probe) || strlen(name) >= sizeof name - 1) {
      fprintf(2, "sh: export: %s: not a valid name\n", argv[i]);
      status = 1;
      continue;
    }
    if (value == 0) {
      // export NAME: a shell variable moves into the environment.
      int v = var_index(name);
      if (v < 0) continue;
      value = var_values[v];
    }
    if (setenv(name, value, 1) < 0) {
      fprintf(2, "sh: export: %s: %s\n", name, strerror(errno));
      status = 1;
    }
    var_remove(name);
  }
  return status;
}

static int run_builtin(int argc, char** argv) {
  const char* name = argv[0];
  if (strcmp(name, "exit") == 0) exit(argc > 1 ? (int)atol(argv[1]) : last_status);
  if (strcmp(name, "cd") == 0) return builtin_cd(argc, argv);
  if (strcmp(name, "export") == 0) return builtin_export(argc, argv);
  if (strcmp(name, "unset") == 0) {
    for (int i = 1; i < argc; i++) {
      var_remove(argv[i]);
      unsetenv(argv[i]);
    }
    return 0;
  }
  // set: -x traces commands and reports failures, +x stops; with no
  // option it lists the shell's variables.
  if (argc == 1) {
    for (int i = 0; i < kMaxVars; i++) {
      if (var_names[i] != 0) printf("%s=%s\n", var_names[i], var_values[i]);
    }
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-x") == 0) {
      trace = 1;
    } else if (strcmp(argv[i], "+x") == 0) {
      trace = 0;
    } else {
      fprintf(2, "sh: set: %s: unknown option (-x or +x)\n", argv[i]);
      return 2;
    }
  }
  return 0;
}

// A built-in or an assignment in the shell itself.
static int run_in_shell(struct sh_node* node) {
  if (expand_words(node) < 0) return 2;
  trace_command(node);
  if (node->argc == node->assigns) {
    for (int i = 0; i < node->assigns; i++) {
      char name[64];
      const char* value = split_assignment(node->argv[i], name, sizeof name);
      if (set_var(name, value) < 0) return 1;
    }
    return 0;
  }
  return run_builtin(node->argc, node->argv);
}

static const char* describe(const struct sh_node* node) {
  while (node->type != SH_EXEC) node = node->type == SH_PIPE ? node->right : node->left;
  return node->argc > node->assigns ? node->argv[node->assigns] : node->argv[0];
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
  // Under set -x, report failures, except "not found" (127), reported by
  // the child. A command killed by Ctrl-C (status -1) is never reported:
  // the console has already shown ^C.
  if (trace && status != 0 && status != 127 && status != -1 && node->type != SH_SUBSHELL) {
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
      last_status = run(node->left, job_control);  // for $? in the commands after it
      return run(node->right, job_control);
    case SH_BACK:
      return run_background(node->left, job_control);
    case SH_EXEC:
      if (is_builtin(node)) return run_in_shell(node);
      return run_foreground(node, job_control);
    default:
      return run_foreground(node, job_control);
  }
}

// Runs one line; returns the last command's status.
static int run_line(const char* line) {
  struct sh_node* tree;
  char error[96];
  if (sh_parse_raw(line, &arena, &tree, error, sizeof error) < 0) {
    fprintf(2, "sh: %s\n", error);
    last_status = 2;
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

// ---- interactive input ----------------------------------------------------------

static void editor_write(void* context, const char* text, int n) {
  (void)context;
  write(2, text, n);
}

// Adds the entries of dir that start with base to m (directories marked);
// names starting with '.' only if base does. only_files: skip directories
// (commands in /bin).
static void list_matches(const char* dir, const char* base, int only_files, struct sh_edit_matches* m) {
  int fd = open(dir, O_RDONLY);
  if (fd < 0) return;
  int len = strlen(base);
  struct dirent de;
  while (m->count < SH_EDIT_MATCHES && read(fd, &de, sizeof de) == sizeof de) {
    if (de.inum == 0) continue;
    char name[DIRSIZ + 1];
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = '\0';
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
    if (name[0] == '.' && base[0] != '.') continue;
    if (strncmp(name, base, len) != 0 || strlen(name) >= SH_EDIT_NAME) continue;
    char path[MAXPATH];
    struct stat st;
    int is_dir = 0;
    if (snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path && stat(path, &st) == 0) {
      is_dir = st.type == T_DIR;
    }
    if (only_files && is_dir) continue;
    strcpy(m->names[m->count], name);
    m->is_dir[m->count++] = is_dir;
  }
  close(fd);
}

// Tab: the first word is a built-in or a program in /bin; any other word
// (or one with a '/') is a path.
static void complete_word(void* context, const char* word, int first_word, struct sh_edit_matches* m) {
  (void)context;
  const char* slash = strrchr(word, '/');
  if (first_word && slash == 0) {
    int len = strlen(word);
    for (int i = 0; kBuiltins[i] != 0 && m->count < SH_EDIT_MATCHES; i++) {
      if (strncmp(kBuiltins[i], word, len) == 0) {
        strcpy(m->names[m->count], kBuiltins[i]);
        m->is_dir[m->count++] = 0;
      }
    }
    list_matches("/bin", word, 1, m);
    return;
  }
  char dir[MAXPATH];
  if (slash == 0) {
    strcpy(dir, ".");
  } else {
    int n = slash - word;
    if (n == 0) n = 1;  // "/x": the root
    if (n >= (int)sizeof dir) return;
    memmove(dir, word, n);
    dir[n] = '\0';
  }
  list_matches(dir, slash ? slash + 1 : word, 0, m);
}

// The history file: one line per command, appended as each is run. At
// start the last SH_EDIT_HISTORY lines are loaded; a file grown past four
// times that is rewritten with just those. Any failure (read-only or full
// file system) is ignored: history is a convenience.
static int history_lines;

static void history_load(void) {
  int fd = open(kHistoryFile, O_RDONLY);
  if (fd < 0) return;
  static char chunk[512];
  static char line[SH_EDIT_MAX];
  int len = 0, n;
  while ((n = read(fd, chunk, sizeof chunk)) > 0) {
    for (int i = 0; i < n; i++) {
      if (chunk[i] != '\n') {
        if (len + 1 < (int)sizeof line) line[len++] = chunk[i];
        continue;
      }
      line[len] = '\0';
      sh_edit_history_add(&editor, line);
      history_lines++;
      len = 0;
    }
  }
  close(fd);
  if (history_lines <= 4 * SH_EDIT_HISTORY) return;
  fd = open(kHistoryFile, O_WRONLY | O_CREATE | O_TRUNC);
  if (fd < 0) return;
  history_lines = 0;
  for (int back = SH_EDIT_HISTORY; back >= 1; back--) {
    const char* h = sh_edit_history_get(&editor, back);
    if (h == 0) continue;
    write(fd, h, strlen(h));
    write(fd, "\n", 1);
    history_lines++;
  }
  close(fd);
}

static void history_save(const char* line) {
  int before = editor.history_count;
  sh_edit_history_add(&editor, line);
  if (editor.history_count == before) return;  // empty, or the same as the last
  int fd = open(kHistoryFile, O_WRONLY | O_CREATE | O_APPEND);
  if (fd < 0) return;
  write(fd, line, strlen(line));
  write(fd, "\n", 1);
  close(fd);
  history_lines++;
}

// Reads one line with the editor, the console in CONSOLE_KEYS mode (raw,
// with Ctrl-C as a key) while the shell holds it as the foreground group.
// Returns the length, -1 at end of input, or -3 if the console could not
// be put in keys mode (then the caller reads a cooked line).
static int edit_line(char* buf, const char* prompt) {
  tcsetpgrp(0, getpid());
  if (consmode(0, CONSOLE_KEYS) < 0) {
    tcsetpgrp(0, 0);
    return -3;
  }
  int result = -1;
  sh_edit_begin(&editor, prompt);
  for (;;) {
    char c;
    if (read(0, &c, 1) < 1) break;
    int r = sh_edit_key(&editor, (unsigned char)c);
    if (r == SH_EDIT_MORE) continue;
    if (r == SH_EDIT_INTERRUPT) {
      last_status = 130;  // as if the line had been a command stopped by Ctrl-C
      sh_edit_begin(&editor, prompt);
      continue;
    }
    if (r == SH_EDIT_LINE) {
      strcpy(buf, editor.line);
      result = editor.len;
    }
    break;
  }
  // Give up the console before leaving keys mode: a Ctrl-C typed in
  // between then kills nobody (cooked mode, no foreground group).
  tcsetpgrp(0, 0);
  consmode(0, CONSOLE_COOKED);
  return result;
}

static int run_stream(int fd) {
  static char line[SH_MAX_LINE];
  for (;;) {
    int n = -3;
    if (interactive) {
      char prompt[MAXPATH + 4];
      snprintf(prompt, sizeof prompt, "%s $ ", cwd);
      n = edit_line(line, prompt);
      if (n >= 0) history_save(line);
      if (n == -3) write(2, prompt, strlen(prompt));
    }
    if (n == -3) n = read_line(fd, line, sizeof line);
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

  // A sensible environment when init started us with none.
  setenv("HOME", "/", 0);
  setenv("PATH", "/bin", 0);
  // The current directory as PWD says, if that is where we are (the shell
  // may have been started by another one); else the root, if we are there.
  const char* pwd = getenv("PWD");
  struct stat here, there;
  if (pwd != 0 && pwd[0] == '/' && strlen(pwd) < sizeof cwd && stat(".", &here) == 0 && stat(pwd, &there) == 0 &&
      here.ino == there.ino && here.dev == there.dev) {
    strcpy(cwd, pwd);
  } else if (stat(".", &here) == 0 && stat("/", &there) == 0 && here.ino == there.ino) {
    strcpy(cwd, "/");
  } else {
    strcpy(cwd, ".");
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
    sh_edit_init(&editor, editor_write, complete_word, 0);
    history_load();
  }
  exit(run_stream(0));
}

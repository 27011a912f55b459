// more [-n ROWS] [FILE...]: pages files (or the standard input) on the
// console: a screenful (ROWS - 1 lines, ROWS = 24; lines longer than 80
// columns take several), then "--More--" and a key: space shows the next
// page, Enter the next line, q (or Ctrl-D) quits. Keys come from
// /dev/console in raw mode (consmode), so they need no Enter and are not
// echoed. When the output is not the console, more copies like cat.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

enum { kColumns = 80 };

static int keys = -1;   // /dev/console, raw
static int rows_left;   // rows before the next prompt
static int page_rows;
static int column;
static int quit;

// Shows the prompt and waits for a key; sets rows_left (or quit).
static void ask(void) {
  write(1, "--More--", 8);
  for (;;) {
    char c;
    if (read(keys, &c, 1) != 1 || c == 'q' || c == 'Q') {
      quit = 1;
      break;
    }
    if (c == ' ') {
      rows_left = page_rows;
      break;
    }
    if (c == '\n' || c == '\r') {
      rows_left = 1;
      break;
    }
  }
  write(1, "\r        \r", 10);  // erase the prompt
}

// Writes text, stopping for a key after each screenful.
static void page(const char* text, int n) {
  int from = 0;
  for (int i = 0; i < n && !quit; i++) {
    // A screenful is out and there is more to show: wait for a key (not at
    // the end of the input, which ends more without a prompt).
    if (rows_left == 0) {
      ask();
      if (quit) break;
    }
    column++;
    if (text[i] != '\n' && column < kColumns) continue;
    // A row ends here (a newline, or the line wrapped at the last column).
    column = 0;
    write(1, text + from, i + 1 - from);
    from = i + 1;
    rows_left--;
  }
  if (!quit && from < n) write(1, text + from, n - from);
}

static int more(int fd, const char* name, int paging) {
  char buf[512];
  int n;
  while (!quit && (n = read(fd, buf, sizeof buf)) > 0) {
    if (paging)
      page(buf, n);
    else if (write(1, buf, n) != n)
      return -1;
  }
  if (!quit && n < 0) {
    fprintf(2, "more: %s: %s\n", name, strerror(errno));
    return -1;
  }
  return 0;
}

int main(int argc, char* argv[]) {
  int rows = 24;
  int i = 1;
  if (i < argc && strncmp(argv[i], "-n", 2) == 0) {
    const char* count = argv[i][2] ? argv[i] + 2 : (i + 1 < argc ? argv[++i] : "");
    char* end;
    rows = (int)strtol(count, &end, 10);
    if (end == count || *end != '\0' || rows < 2 || rows > 1000) {
      fprintf(2, "more: %s: not a screen height (2 to 1000 rows)\n", count);
      exit(1);
    }
    i++;
  }
  if (i < argc && argv[i][0] == '-' && argv[i][1] != '\0') {
    fprintf(2, "more: %s: unknown option (have -n ROWS)\n", argv[i]);
    exit(1);
  }
  // Check every file first: a missing one is reported before any paging.
  for (int k = i; k < argc; k++) {
    struct stat st;
    if (stat(argv[k], &st) < 0) {
      fprintf(2, "more: %s: %s\n", argv[k], strerror(errno));
      exit(1);
    }
    if (st.type == T_DIR) {
      fprintf(2, "more: %s: is a directory\n", argv[k]);
      exit(1);
    }
  }
  struct stat out;
  int paging = fstat(1, &out) == 0 && out.type == T_DEVICE;
  if (paging) {
    keys = open("/dev/console", O_RDWR);
    if (keys < 0 || consmode(keys, CONSOLE_RAW) < 0) paging = 0;
  }
  page_rows = rows - 1;
  rows_left = page_rows;
  int status = 0;
  if (i == argc) {
    status = more(0, "standard input", paging);
  } else {
    for (; i < argc && !quit; i++) {
      int fd = open(argv[i], O_RDONLY);
      if (fd < 0) {
        fprintf(2, "more: %s: %s\n", argv[i], strerror(errno));
        status = 1;
        continue;
      }
      if (more(fd, argv[i], paging) < 0) status = 1;
      close(fd);
    }
  }
  if (keys >= 0) consmode(keys, CONSOLE_COOKED);
  exit(status ? 1 : 0);
}

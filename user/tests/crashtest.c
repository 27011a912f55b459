// crashtest: the user side of the crash-consistency test
// (tests/user/test_crash.py), which kills QEMU while this runs.
//
//   crashtest write    creates /crash/f0, f1, ... each with its own content,
//                      removes every third file again and renames by link +
//                      unlink, printing "crashtest: done N" after the system
//                      calls of step N have all returned. Runs until killed.
//   crashtest check N  after a crash: every step up to N must be fully there;
//                      the step after N may be there or not, but a file that
//                      exists must hold its complete content or be empty
//                      (created, write not yet done) — never a torn write.
//                      Prints "crashtest: ok" or the problems found.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

#define MAXSTEPS 100000

static char buffer[8192];

// The size and content of file n: deterministic, different per file.
static int file_size(int n) { return 100 + (n * 1237) % 7000; }
static void fill(int n) {
  for (int i = 0; i < file_size(n); i++) buffer[i] = (char)('a' + (n * 7 + i * 13) % 26);
}

static void name_of(char* out, const char* prefix, int n) {
  // "/crash/" prefix + decimal n
  int len = 0;
  while (prefix[len]) {
    out[len] = prefix[len];
    len++;
  }
  char digits[12];
  int d = 0;
  do {
    digits[d++] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  while (d) out[len++] = digits[--d];
  out[len] = 0;
}

// Step n: create f<n> with its content; when n % 5 == 4, rename f<n-1> to
// g<n-1> (link, then unlink); when n % 3 == 2, remove f<n-2> unless it was
// renamed. A file is renamed or removed, never both.
static int renamed_by(int s) { return s >= 1 && s % 5 == 4; }                   // renames f<s-1>
static int removes(int s) { return s >= 2 && s % 3 == 2 && !renamed_by(s - 1); }  // removes f<s-2>

static void step(int n) {
  char f[32], g[32];
  name_of(f, "/crash/f", n);
  int fd = open(f, O_CREATE | O_WRONLY | O_TRUNC);
  if (fd < 0) {
    fprintf(2, "crashtest: create %s: %s\n", f, strerror(errno));
    exit(1);
  }
  fill(n);
  if (write(fd, buffer, file_size(n)) != file_size(n)) {
    fprintf(2, "crashtest: write %s: %s\n", f, strerror(errno));
    exit(1);
  }
  close(fd);
  if (renamed_by(n)) {
    name_of(f, "/crash/f", n - 1);
    name_of(g, "/crash/g", n - 1);
    if (link(f, g) < 0 || unlink(f) < 0) {
      fprintf(2, "crashtest: rename %s: %s\n", f, strerror(errno));
      exit(1);
    }
  }
  if (removes(n)) {
    name_of(f, "/crash/f", n - 2);
    if (unlink(f) < 0) {
      fprintf(2, "crashtest: unlink %s: %s\n", f, strerror(errno));
      exit(1);
    }
  }
  printf("crashtest: done %d\n", n);
}

// What a file that exists must hold: all of its content, or nothing.
static int check_file(const char* path, int n, int must_be_complete) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -1;
  struct stat st;
  fstat(fd, &st);
  int got = read(fd, buffer, sizeof buffer);
  close(fd);
  if (got == 0 && !must_be_complete) return 0;
  char expected[8192];
  int size = file_size(n);
  for (int i = 0; i < size; i++) expected[i] = (char)('a' + (n * 7 + i * 13) % 26);
  if (got != size || (int)st.size != size || memcmp(buffer, expected, size) != 0) {
    printf("crashtest: %s holds %d bytes, expected %d%s\n", path, got, size,
           got == size ? " (content differs)" : "");
    return 1;
  }
  return 0;
}

static int check(int last) {
  int problems = 0;
  char f[32], g[32];
  for (int n = 0; n <= last + 1; n++) {
    name_of(f, "/crash/f", n);
    name_of(g, "/crash/g", n);
    int fs = check_file(f, n, n <= last);  // -1 missing, 0 good, 1 torn
    int gs = check_file(g, n, 1);
    if (fs > 0 || gs > 0) {
      problems++;
      continue;
    }
    // What the completed steps (<= last) did to file n.
    int renamed = n + 1 <= last && renamed_by(n + 1);
    int removed = n + 2 <= last && removes(n + 2);
    // What the step in flight (last + 1) may have done, in part or whole.
    int may_rename = n + 1 == last + 1 && renamed_by(n + 1);
    int may_remove = n + 2 == last + 1 && removes(n + 2);
    int ok;
    if (n == last + 1) {
      ok = gs < 0;  // its own create/write: anything complete is fine
    } else if (renamed) {
      ok = fs < 0 && gs == 0;
    } else if (removed) {
      ok = fs < 0 && gs < 0;
    } else if (may_rename) {
      ok = (fs == 0 && gs < 0) || (fs == 0 && gs == 0) || (fs < 0 && gs == 0);
    } else if (may_remove) {
      ok = gs < 0;
    } else {
      ok = fs == 0 && gs < 0;
    }
    if (!ok) {
      printf("crashtest: file %d: f %s, g %s after step %d\n", n, fs < 0 ? "missing" : "present",
             gs < 0 ? "missing" : "present", last);
      problems++;
    }
  }
  if (problems == 0) printf("crashtest: ok (%d steps)\n", last + 1);
  return problems;
}

int main(int argc, char** argv) {
  if (argc >= 2 && strcmp(argv[1], "write") == 0) {
    mkdir("/crash");
    for (int n = 0; n < MAXSTEPS; n++) step(n);
    exit(0);
  }
  if (argc == 3 && strcmp(argv[1], "check") == 0) exit(check(atoi(argv[2])) == 0 ? 0 : 1);
  fprintf(2, "usage: crashtest write | crashtest check LAST\n");
  exit(2);
}

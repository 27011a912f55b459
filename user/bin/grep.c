// grep PATTERN [FILE...]: prints the lines that match PATTERN, a simple
// regular expression (xv6's): c matches itself, '.' any character, 'x*'
// zero or more x, '^' the start and '$' the end of the line.
// Exit status 0 if a line matched, 1 if none did or on error.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

#define MAX_ATOMS 128

// The pattern, compiled: a sequence of atoms, each one character (or any
// character) possibly repeated.
struct atom {
  char ch;
  char any;   // '.'
  char star;  // followed by '*'
};

static struct atom atoms[MAX_ATOMS];
static int atom_count;
static int anchored_start, anchored_end;

static int compile(const char* re) {
  if (*re == '^') {
    anchored_start = 1;
    re++;
  }
  while (*re != '\0') {
    if (re[0] == '$' && re[1] == '\0') {
      anchored_end = 1;
      break;
    }
    if (atom_count == MAX_ATOMS) return -1;
    struct atom* a = &atoms[atom_count++];
    a->ch = *re;
    a->any = *re == '.';
    re++;
    if (*re == '*') {
      a->star = 1;
      re++;
    }
  }
  return 0;
}

static int atom_matches(const struct atom* a, char c) { return c != '\0' && (a->any || a->ch == c); }

// Does atoms[i..] match text at its start?
static int match_from(int i, const char* text) {
  for (; i < atom_count; i++) {
    const struct atom* a = &atoms[i];
    if (a->star) {
      // Try the fewest repetitions first; any success will do.
      for (const char* t = text;; t++) {
        if (match_from(i + 1, t)) return 1;
        if (!atom_matches(a, *t)) return 0;
      }
    }
    if (!atom_matches(a, *text)) return 0;
    text++;
  }
  return !anchored_end || *text == '\0';
}

static int match_line(const char* line) {
  if (anchored_start) return match_from(0, line);
  for (const char* t = line;; t++) {
    if (match_from(0, t)) return 1;
    if (*t == '\0') return 0;
  }
}

static char buf[4096];

static int grep(int fd, const char* name, int* matched) {
  int used = 0;
  for (;;) {
    int n = read(fd, buf + used, (int)sizeof buf - 1 - used);
    if (n < 0) {
      fprintf(2, "grep: %s: %s\n", name, strerror(errno));
      return -1;
    }
    int end = used + n;
    int start = 0;
    for (int i = used; i < end; i++) {
      if (buf[i] != '\n') continue;
      buf[i] = '\0';
      if (match_line(buf + start)) {
        buf[i] = '\n';
        write(1, buf + start, i - start + 1);
        *matched = 1;
      }
      start = i + 1;
    }
    // A line longer than the buffer, or the last line without a newline.
    if ((n == 0 && end > start) || (start == 0 && end == (int)sizeof buf - 1)) {
      buf[end] = '\0';
      if (match_line(buf + start)) {
        buf[end] = '\n';
        write(1, buf + start, end - start + 1);
        *matched = 1;
      }
      start = end;
    }
    memmove(buf, buf + start, end - start);
    used = end - start;
    if (n == 0) return 0;
  }
}

int main(int argc, char* argv[]) {
  if (argc < 2) {
    fprintf(2, "usage: grep PATTERN [FILE...]\n");
    exit(1);
  }
  if (compile(argv[1]) != 0) {
    fprintf(2, "grep: pattern too long\n");
    exit(1);
  }
  int matched = 0;
  int failed = 0;
  if (argc == 2) {
    failed = grep(0, "standard input", &matched) != 0;
  } else {
    for (int i = 2; i < argc; i++) {
      int fd = open(argv[i], O_RDONLY);
      if (fd < 0) {
        fprintf(2, "grep: %s: %s\n", argv[i], strerror(errno));
        failed = 1;
        continue;
      }
      if (grep(fd, argv[i], &matched) != 0) failed = 1;
      close(fd);
    }
  }
  exit(matched && !failed ? 0 : 1);
}

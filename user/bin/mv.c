// mv SOURCE DEST: renames a file (a new link, then the old one removed).
// If DEST is a directory, the file moves into it under its own name; an
// existing DEST file is replaced.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

int main(int argc, char* argv[]) {
  if (argc != 3) {
    fprintf(2, "usage: mv SOURCE DEST\n");
    exit(1);
  }
  const char* source = argv[1];
  char dest[MAXPATH];
  struct stat st;
  if (target_path(source, argv[2], dest, sizeof dest) < 0) {
    fprintf(2, "mv: %s: %s\n", argv[2], strerror(errno));
    exit(1);
  }
  if (stat(source, &st) < 0) {
    fprintf(2, "mv: %s: %s\n", source, strerror(errno));
    exit(1);
  }
  if (link(source, dest) < 0) {
    if (errno != EEXIST) {
      fprintf(2, "mv: %s -> %s: %s\n", source, dest, strerror(errno));
      exit(1);
    }
    // Replace an existing file (never a directory).
    struct stat old;
    if (stat(dest, &old) < 0) {
      fprintf(2, "mv: %s: %s\n", dest, strerror(errno));
      exit(1);
    }
    if (old.type == T_DIR) {
      fprintf(2, "mv: %s: %s\n", dest, strerror(EISDIR));
      exit(1);
    }
    if (old.ino == st.ino && old.dev == st.dev) exit(0);  // the same file
    if (unlink(dest) < 0 || link(source, dest) < 0) {
      fprintf(2, "mv: %s -> %s: %s\n", source, dest, strerror(errno));
      exit(1);
    }
  }
  if (unlink(source) < 0) {
    fprintf(2, "mv: removing %s: %s\n", source, strerror(errno));
    exit(1);
  }
  exit(0);
}

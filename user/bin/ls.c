// ls [PATH...]: for a file, one line; for a directory, a line per entry:
// name, type (1 directory, 2 file, 3 device), inode number, size (xv6's format).
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"

static void print_entry(const char* name, const struct stat* st) {
  printf("%-14s %d %d %lu\n", name, st->type, st->ino, (unsigned long)st->size);
}

// The last component of a path, for listing a single file.
static const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash != 0 && slash[1] != '\0' ? slash + 1 : path;
}

static int list(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    fprintf(2, "ls: cannot open %s: %s\n", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    fprintf(2, "ls: cannot stat %s: %s\n", path, strerror(errno));
    close(fd);
    return -1;
  }
  if (st.type != T_DIR) {
    print_entry(base_name(path), &st);
    close(fd);
    return 0;
  }
  char full[MAXPATH + DIRSIZ + 2];
  uint len = strlen(path);
  if (len + 1 + DIRSIZ + 1 > sizeof full) {
    fprintf(2, "ls: %s: path too long\n", path);
    close(fd);
    return -1;
  }
  strcpy(full, path);
  if (len > 0 && full[len - 1] != '/') full[len++] = '/';
  int status = 0;
  struct dirent de;
  int n;
  while ((n = read(fd, &de, sizeof de)) == sizeof de) {
    if (de.inum == 0) continue;
    char name[DIRSIZ + 1];
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = '\0';
    strcpy(full + len, name);
    struct stat entry;
    if (stat(full, &entry) < 0) {
      fprintf(2, "ls: cannot stat %s: %s\n", full, strerror(errno));
      status = -1;
      continue;
    }
    print_entry(name, &entry);
  }
  if (n < 0) {
    fprintf(2, "ls: reading %s: %s\n", path, strerror(errno));
    status = -1;
  }
  close(fd);
  return status;
}

int main(int argc, char* argv[]) {
  if (argc < 2) exit(list(".") == 0 ? 0 : 1);
  int status = 0;
  for (int i = 1; i < argc; i++) {
    if (list(argv[i]) != 0) status = 1;
  }
  exit(status);
}

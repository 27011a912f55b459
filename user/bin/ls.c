// ls [-l] [PATH...]: for a file, one line; for a directory, a line per
// entry. Without -l a line is xv6's: name, type (1 directory, 2 file,
// 3 device), inode number, size. With -l it is what stat gives, in the
// order of `ls -l`: type (d directory, - file, c device), link count, size,
// inode number, name. Given several paths, ls lists the files first, then
// each directory under a "PATH:" header, with a blank line between.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"

static int long_format;

static void print_entry(const char* name, const struct stat* st) {
  if (!long_format) {
    printf("%-14s %d %d %lu\n", name, st->type, st->ino, (unsigned long)st->size);
    return;
  }
  char type = st->type == T_DIR ? 'd' : st->type == T_DEVICE ? 'c' : '-';
  printf("%c %3d %9lu %5u %s\n", type, st->nlink, (unsigned long)st->size, st->ino, name);
}

// The last component of a path, for listing a single file.
static const char* base_name(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash != 0 && slash[1] != '\0' ? slash + 1 : path;
}

static int list_directory(const char* path, int fd) {
  char full[MAXPATH + DIRSIZ + 2];
  uint len = strlen(path);
  if (len + 1 + DIRSIZ + 1 > sizeof full) {
    fprintf(2, "ls: %s: path too long\n", path);
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
  return status;
}

// want_dirs 0: list `path` if it is not a directory; 1: list it if it is
// (under a header if `header`). Errors are reported in the first pass only.
static int list(const char* path, int want_dirs, int header, int* shown) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    if (!want_dirs) fprintf(2, "ls: cannot open %s: %s\n", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    if (!want_dirs) fprintf(2, "ls: cannot stat %s: %s\n", path, strerror(errno));
    close(fd);
    return -1;
  }
  int status = 0;
  if ((st.type == T_DIR) != want_dirs) {
    close(fd);
    return 0;
  }
  if (!want_dirs) {
    print_entry(base_name(path), &st);
  } else {
    if (header) printf("%s%s:\n", *shown ? "\n" : "", path);
    status = list_directory(path, fd);
  }
  (*shown)++;
  close(fd);
  return status;
}

int main(int argc, char* argv[]) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
    for (const char* c = argv[i] + 1; *c; c++) {
      if (*c != 'l') {
        fprintf(2, "ls: -%c: unknown option (have -l)\n", *c);
        exit(1);
      }
      long_format = 1;
    }
  }
  static char* here[] = {".", 0};
  char** paths = i < argc ? argv + i : here;
  int count = i < argc ? argc - i : 1;
  int status = 0, shown = 0;
  for (int k = 0; k < count; k++)
    if (list(paths[k], 0, 0, &shown) != 0) status = 1;
  for (int k = 0; k < count; k++)
    if (list(paths[k], 1, count > 1, &shown) != 0 && status == 0) status = 1;
  exit(status);
}

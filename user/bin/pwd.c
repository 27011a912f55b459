// pwd: prints the current directory. The kernel keeps no path for it, so
// pwd climbs "..", finding each directory's name in its parent by inode
// number, until ".." is the directory itself (the root).
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"

// The name under which `parent` lists inode `ino`, into name[DIRSIZ + 1].
static int name_in(const char* parent, uint ino, char* name) {
  int fd = open(parent, O_RDONLY);
  if (fd < 0) return -1;
  struct dirent de;
  int found = -1;
  while (read(fd, &de, sizeof de) == sizeof de) {
    if (de.inum != ino || strncmp(de.name, ".", DIRSIZ) == 0 || strncmp(de.name, "..", DIRSIZ) == 0) continue;
    memmove(name, de.name, DIRSIZ);
    name[DIRSIZ] = '\0';
    found = 0;
    break;
  }
  close(fd);
  if (found < 0) errno = ENOENT;
  return found;
}

int main(int argc, char* argv[]) {
  if (argc > 1) {
    fprintf(2, "pwd: %s: no arguments are taken\n", argv[1]);
    exit(1);
  }
  char here[MAXPATH] = ".";
  char path[MAXPATH] = "";  // built from the end
  int at = MAXPATH - 1;
  for (;;) {
    struct stat st, up;
    char parent[MAXPATH];
    if (strlen(here) + 4 > sizeof parent) {
      fprintf(2, "pwd: the directory is too deep\n");
      exit(1);
    }
    strcpy(parent, here);
    strcat(parent, "/..");
    if (stat(here, &st) < 0 || stat(parent, &up) < 0) {
      fprintf(2, "pwd: %s\n", strerror(errno));
      exit(1);
    }
    if (st.ino == up.ino) break;  // the root is its own parent
    char name[DIRSIZ + 1];
    if (name_in(parent, st.ino, name) < 0) {
      fprintf(2, "pwd: cannot find %s in its parent: %s\n", here, strerror(errno));
      exit(1);
    }
    int len = strlen(name);
    if (at - len - 1 < 0) {
      fprintf(2, "pwd: the path is too long\n");
      exit(1);
    }
    at -= len;
    memmove(path + at, name, len);
    path[--at] = '/';
    strcpy(here, parent);
  }
  path[MAXPATH - 1] = '\0';
  printf("%s\n", at == MAXPATH - 1 ? "/" : path + at);
  exit(0);
}

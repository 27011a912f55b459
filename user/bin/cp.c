// cp SOURCE DEST: copies a file. If DEST is a directory, the copy goes
// into it under SOURCE's name.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

static char buf[8192];

static void fail(const char* what, const char* path) {
  fprintf(2, "cp: %s%s%s\n", path, *path ? ": " : "", what);
  exit(1);
}

int main(int argc, char* argv[]) {
  if (argc != 3) {
    fprintf(2, "usage: cp SOURCE DEST\n");
    exit(1);
  }
  const char* source = argv[1];
  char dest[MAXPATH];
  struct stat st;
  if (target_path(source, argv[2], dest, sizeof dest) < 0) fail(strerror(errno), argv[2]);

  int in = open(source, O_RDONLY);
  if (in < 0) fail(strerror(errno), source);
  if (fstat(in, &st) < 0) fail(strerror(errno), source);
  if (st.type == T_DIR) {
    errno = EISDIR;
    fail(strerror(errno), source);
  }
  int out = open(dest, O_WRONLY | O_CREATE | O_TRUNC);
  if (out < 0) fail(strerror(errno), dest);
  int n;
  while ((n = read(in, buf, sizeof buf)) > 0) {
    for (int done = 0; done < n;) {
      int w = write(out, buf + done, n - done);
      if (w <= 0) fail(strerror(errno), dest);
      done += w;
    }
  }
  if (n < 0) fail(strerror(errno), source);
  close(in);
  close(out);
  exit(0);
}

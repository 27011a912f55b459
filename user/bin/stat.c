// stat PATH...: what the file system knows about each path.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

static const char* type_name(int type) {
  switch (type) {
    case T_DIR: return "directory";
    case T_FILE: return "file";
    case T_DEVICE: return "device";
    default: return "unknown";
  }
}

int main(int argc, char* argv[]) {
  if (argc < 2) {
    fprintf(2, "usage: stat PATH...\n");
    exit(1);
  }
  int status = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) < 0) {
      fprintf(2, "stat: %s: %s\n", argv[i], strerror(errno));
      status = 1;
      continue;
    }
    printf("%s: %s (type %d), device %d, inode %u, links %d, size %lu\n", argv[i], type_name(st.type),
           st.type, st.dev, st.ino, st.nlink, (unsigned long)st.size);
  }
  exit(status);
}

// df [PATH...]: blocks and inodes of the mounted file systems, used and
// free. Blocks are the file system's data blocks (its block size is in the
// header); inodes are the usable ones. With paths, the file system of each
// (there is one: the root), after checking that the path exists.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"

static void show(const struct fsinfo* f) {
  printf("%-12s %8lu %8lu %8lu %7lu %7lu %7lu  %s\n", f->device, (unsigned long)f->data_blocks,
         (unsigned long)(f->data_blocks - f->free_blocks), (unsigned long)f->free_blocks,
         (unsigned long)f->total_inodes, (unsigned long)(f->total_inodes - f->free_inodes),
         (unsigned long)f->free_inodes, f->mount_point);
}

int main(int argc, char* argv[]) {
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (argv[i][0] == '-') {
      fprintf(2, "df: %s: unknown option\n", argv[i]);
      exit(1);
    }
    if (stat(argv[i], &st) < 0) {
      fprintf(2, "df: %s: %s\n", argv[i], strerror(errno));
      exit(1);
    }
  }
  struct fsinfo f;
  if (fsinfo(0, &f) < 0) {
    fprintf(2, "df: %s\n", strerror(errno));
    exit(1);
  }
  printf("%-12s %8s %8s %8s %7s %7s %7s  %s\n", "Filesystem", "Blocks", "Used", "Free", "Inodes", "IUsed",
         "IFree", "Mounted on");
  uint block_size = f.block_size;
  show(&f);
  for (int i = 1; fsinfo(i, &f) == 0; i++) show(&f);
  printf("(blocks of %u bytes)\n", block_size);
  exit(0);
}

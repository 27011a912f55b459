// mount: what is mounted where: device, mount point, type, ro/rw. Rivet
// mounts its root file system at boot and nothing else, so mount takes no
// arguments (mounting more is not supported).
#include "kernel/types.h"
#include "user/user.h"

int main(int argc, char* argv[]) {
  if (argc > 1) {
    fprintf(2, "mount: %s: mounting is not supported (Rivet mounts only its root, at boot)\n", argv[1]);
    exit(1);
  }
  struct fsinfo f;
  for (int i = 0; fsinfo(i, &f) == 0; i++)
    printf("%s on %s type %s (%s)\n", f.device, f.mount_point, f.type, (f.flags & FS_READONLY) ? "ro" : "rw");
  if (errno != ENODEV) {
    fprintf(2, "mount: %s\n", strerror(errno));
    exit(1);
  }
  exit(0);
}

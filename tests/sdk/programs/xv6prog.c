// An xv6 program as xv6 writes them: xv6's headers, in xv6's order, and
// its names (PGSIZE, r_sp, MAXVA, TRAMPOLINE, SYS_write, BSIZE, DIRSIZ ...).
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/memlayout.h"
#include "kernel/syscall.h"
#include "kernel/fs.h"
#include "user/user.h"
#include "kernel/fcntl.h"

char buf[BSIZE];

int
main(int argc, char *argv[])
{
  uint64 sp = r_sp();
  uint64 page = PGROUNDDOWN(sp);
  struct stat st;
  struct dirent de;
  int fd;

  if(sizeof(de) != sizeof(de.inum) + DIRSIZ){
    fprintf(2, "xv6prog: dirent is %d bytes\n", (int)sizeof(de));
    exit(1);
  }
  if(page % PGSIZE != 0 || sp >= MAXVA || TRAMPOLINE != MAXVA - PGSIZE){
    fprintf(2, "xv6prog: bad layout\n");
    exit(1);
  }
  if((fd = open("/", O_RDONLY)) < 0){
    fprintf(2, "xv6prog: cannot open /\n");
    exit(1);
  }
  if(fstat(fd, &st) < 0 || st.type != T_DIR){
    fprintf(2, "xv6prog: / is not a directory\n");
    exit(1);
  }
  close(fd);
  char *p = sbrk(PGSIZE);
  if(p == SBRK_ERROR){
    fprintf(2, "xv6prog: sbrk failed\n");
    exit(1);
  }
  memset(p, 0, PGSIZE);
  printf("xv6prog: sp page %p, NPROC %d, NOFILE %d, MAXARG %d, USERSTACK %d, SYS_write %d, MAXFILE %ld, %d args\n",
         (void*)page, NPROC, NOFILE, MAXARG, (int)USERSTACK, SYS_write, (long)MAXFILE, argc - 1);
  exit(0);
}

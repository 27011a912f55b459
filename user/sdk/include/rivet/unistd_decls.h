/* Declarations shared by <unistd.h> and user/user.h: the system calls with
   POSIX names, but with xv6's signatures (int counts, no ssize_t). */
#ifndef RIVET_UNISTD_DECLS_H
#define RIVET_UNISTD_DECLS_H
#ifdef __cplusplus
extern "C" {
#endif
int fork(void);
int read(int fd, void* buf, int n);
int write(int fd, const void* buf, int n);
int close(int fd);
int pipe(int* fds);
int dup(int fd);
int getpid(void);
int getppid(void);
int chdir(const char* path);
int unlink(const char* path);
int link(const char* old_path, const char* new_path);
int setpgrp(void);
int tcsetpgrp(int fd, int pgid);
int fsync(int fd);
int fdatasync(int fd);
int sync(void);       /* POSIX: void; here 0, or -1 with errno */
char* sbrk(int n);    /* grow (or shrink) the heap now; returns the old break */
/* The environment ("NAME=value" strings, null-terminated), set at start-up
   from what execve passed; exec() passes it on. */
extern char** environ;
int execve(const char* path, char* const argv[], char* const envp[]);
#ifdef __cplusplus
}
#endif
#endif

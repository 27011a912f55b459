// sysfuzz: a seeded, reproducible system-call fuzzer (issue 11).
//
//   sysfuzz [-s SEED] [-w WORKERS] [-p PARALLEL] [-c CALLS] [-t TOLERANCE] [-k SECONDS]
//
// Forks WORKERS worker processes, PARALLEL at a time (so every hart has
// some), each making CALLS raw `ecall`s with a call number and six
// arguments drawn from a PRNG seeded from SEED and the worker's index:
// numbers 0..35 and out-of-range ones, arguments from edge values (0, -1,
// INT_MIN/MAX, huge lengths), user addresses at the edges of mapped,
// read-only and unmapped pages, kernel addresses and addresses just below
// the user limit, bad, closed and large descriptors, and paths that are
// bad pointers, too long, or end at an unmapped page. The same seed gives
// every worker the same calls (their interleaving on the harts differs).
//
// After all workers are reaped (and the files they made removed, and the
// file system synced), the count of free plus cached pages must be back
// within TOLERANCE pages of what it was before: cached file pages count as
// free (the kernel gives clean ones back on demand), and sync installs the
// log so its block copies are freed too. What may legitimately stay is a
// kernel heap slab page kept by a long-lived object a worker's call made
// (an inode-table record, a path lookup's buffer): a few pages, and the
// default tolerance is 8.
//
// What is left out, and why (so the test cannot end itself or hang):
//   - reboot (22): powers the machine off. Replaced by an unknown number.
//   - kill takes only the worker's own pid, init, the flush thread, and
//     pids that do not exist: never the shell or the fuzzer.
//   - exec is given no real program (nonexistent paths, directories, the
//     worker's own non-ELF files, bad pointers): an exec that succeeded
//     would end the fuzzing of that worker.
//   - exit is drawn rarely (1 call in 512), so workers make most of their
//     calls; a child made by fork exits at once (its parent reaps it).
//   - pause sleeps 0-2 ticks at most; mknod never makes a console node.
//   - A worker closes the console descriptors first, and keeps only one end
//     of every pipe it makes, so no read or write can wait for ever.
// Each batch has a watchdog (-k, default 120 s): a worker still running
// then is killed, reported with the call it was in, and fails the run
// (a process stuck in the kernel is a bug too).
//
// Output: "sysfuzz: seed S ..." first; "sysfuzz: ok ..." or
// "sysfuzz: FAIL ..." last.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "rivet/syscall.h"
#include "rivet/syscall_list.h"

#define PAGE 4096UL
#define KERNEL_ADDR 0xffffffff80000000UL
#define DIRECT_MAP_ADDR 0xffffffc000000000UL
#define TRAPFRAME_ADDR 0x3fffffe000UL
#define TRAMPOLINE_ADDR 0x3ffffff000UL
#define INT_MAX_ 0x7fffffff
#define INT_MIN_ (-INT_MAX_ - 1)
#define MAX_WORKERS 4096
#define MAX_PARALLEL 32

// ---- the PRNG (splitmix64: tiny, and any seed is a good one) ----------------------

static uint64 rng_state;
static uint64 next_random(void) {
  uint64 z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static uint64 below(uint64 n) { return next_random() % n; }
static uint64 pick(const uint64* pool, int n) { return pool[below((uint64)n)]; }

// ---- what the workers share with the parent (one MAP_SHARED page) ------------------

struct worker_state {
  int pid;
  int number;        // the call in progress (or last made)
  int calls;         // calls made so far
  int finished;      // 1: ran all its calls
  int reaped;        // 1: the parent has waited for it
  int killed;        // set by the watchdog
};
static struct worker_state* shared;

// ---- one worker's world ------------------------------------------------------------

static int self_pid;
static int fds[NOFILE];  // 1: this worker believes the descriptor is open
static char* region;     // 8 pages read-write, page 4 unmapped (a hole)
static char* readonly;   // 2 pages, PROT_READ
static char* shared_anon;
static char* file_private;
static char* file_shared;

enum { PATH_COUNT = 12 };
static uint64 paths[PATH_COUNT];
static uint64 argvs[4];

static int lowest_closed_fd(int from) {
  for (int fd = from; fd < NOFILE; fd++)
    if (!fds[fd]) return fd;
  return -1;
}

// Puts a string at `at` (inside region) and returns its address.
static uint64 place(char* at, const char* s) {
  strcpy(at, s);
  return (uint64)at;
}

static void set_up_world(void) {
  for (int fd = 0; fd < 3; fd++) close(fd);  // nothing may reach the console
  memset(fds, 0, sizeof fds);
  // Nine pages, the top one unmapped once the other areas are placed: the
  // addresses "just past the region" must be nobody's.
  region = mmap(0, 9 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  readonly = mmap(0, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  shared_anon = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED || readonly == MAP_FAILED || shared_anon == MAP_FAILED) exit(3);
  munmap(region + 4 * PAGE, PAGE);
  // Files of its own, with data in the cache: f0 is mapped privately and
  // shared, f1 is opened read-only, d0 is a directory.
  int fd = open("f0", O_CREATE | O_RDWR);
  if (fd < 0) exit(3);
  for (int i = 0; i < 3; i++) write(fd, region, (int)PAGE);
  file_private = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  file_shared = mmap(0, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PAGE);
  if (file_private == MAP_FAILED || file_shared == MAP_FAILED) exit(3);
  fds[fd] = 1;
  munmap(region + 8 * PAGE, PAGE);
  int f1 = open("f1", O_CREATE | O_RDWR);
  if (f1 >= 0) {
    write(f1, "not a program\n", 14);
    close(f1);
  }
  f1 = open("f1", O_RDONLY);
  if (f1 >= 0) fds[f1] = 1;
  mkdir("d0");
  // Touch everything so fork has pages of every kind to share.
  for (int i = 0; i < 8; i++)
    if (i != 4) region[i * PAGE] = (char)i;
  (void)*(volatile char*)readonly;
  shared_anon[0] = 1;
  file_private[0] = 'x';
  (void)*(volatile char*)(file_private + PAGE);
  file_shared[0] = 'y';

  // Paths: good ones, a directory, missing ones, one too long, one running
  // into the hole (no NUL before the unmapped page), and bad pointers.
  char* s = region + 2 * PAGE;
  paths[0] = place(s, "f0");
  paths[1] = place(s + 16, "f1");
  paths[2] = place(s + 32, "d0");
  paths[3] = place(s + 48, "d0/f2");
  paths[4] = place(s + 64, "fz");
  paths[5] = place(s + 80, "");
  paths[6] = place(s + 96, "/nonexistent/x");
  char* longname = s + 128;
  for (int i = 0; i < 300; i++) longname[i] = 'a' + i % 26;
  longname[300] = 0;
  paths[7] = (uint64)longname;
  char* edge = region + 4 * PAGE - 10;  // "ggggggggg" up to the hole, no NUL
  for (int i = 0; i < 10; i++) edge[i] = 'g';
  paths[8] = (uint64)edge;
  paths[9] = 0;
  paths[10] = KERNEL_ADDR;
  paths[11] = (uint64)(region + 4 * PAGE);  // in the hole
  // argv arrays: a good one, one without its terminating 0 before the
  // hole, one pointing at a kernel address, one in the read-only pages.
  uint64* good = (uint64*)(region + 3 * PAGE);
  good[0] = paths[0];
  good[1] = paths[1];
  good[2] = 0;
  argvs[0] = (uint64)good;
  uint64* runaway = (uint64*)(region + 4 * PAGE - 16);
  runaway[0] = paths[0];
  runaway[1] = paths[1];
  argvs[1] = (uint64)runaway;
  uint64* bad = (uint64*)(region + 3 * PAGE + 64);
  bad[0] = KERNEL_ADDR;
  bad[1] = 0;
  argvs[2] = (uint64)bad;
  argvs[3] = (uint64)readonly;
}

// ---- argument kinds ----------------------------------------------------------------

enum kind { K_NONE, K_INT, K_FD, K_ADDR, K_LEN, K_PATH, K_OPEN_FLAGS, K_PROT, K_MAP_FLAGS, K_PID, K_ARGV, K_TICKS, K_MAJOR };

static const uint64 edge_ints[] = {0, 1, 2, 3, 4, 5, 16, 255, 4096, (uint64)-1, (uint64)-2, (uint64)INT_MAX_,
                                   (uint64)(long)INT_MIN_, 0x80000000UL, 0xffffffffUL, 0x100000001UL,
                                   0x7fffffffffffffffUL, 0x8000000000000000UL};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static uint64 any_edge(void) {
  if (below(4) == 0) return next_random();
  return pick(edge_ints, COUNT(edge_ints));
}

static uint64 an_address(void) {
  uint64 r = (uint64)region;
  switch (below(24)) {
    case 0: return 0;
    case 1: return 1;
    case 2: return PAGE - 1;
    case 3: return r;
    case 4: return r + 4 * PAGE - 1;   // the last byte before the hole
    case 5: return r + 4 * PAGE - 8;   // 8 bytes before the hole
    case 6: return r + 4 * PAGE;       // the hole
    case 7: return r + 8 * PAGE - 8;   // the end of the region
    case 8: return r + 8 * PAGE;       // just past it
    case 9: return (uint64)readonly;
    case 10: return (uint64)readonly + 2 * PAGE - 4;
    case 11: return (uint64)shared_anon + below(2 * PAGE);
    case 12: return (uint64)file_private + below(2 * PAGE);
    case 13: return (uint64)file_shared;
    case 14: return TRAPFRAME_ADDR - 1;
    case 15: return TRAPFRAME_ADDR - 8;
    case 16: return TRAPFRAME_ADDR;
    case 17: return TRAMPOLINE_ADDR;
    case 18: return 0x4000000000UL;     // past Sv39's user half
    case 19: return KERNEL_ADDR;
    case 20: return DIRECT_MAP_ADDR + below(1UL << 30);
    case 21: return (uint64)-PAGE;
    case 22: return r + below(8) * PAGE + below(PAGE);
    default: return any_edge();
  }
}

static uint64 a_length(void) {
  static const uint64 lengths[] = {0, 1, 7, 8, 64, 512, PAGE - 1, PAGE, PAGE + 1, 2 * PAGE, 3 * PAGE, 8 * PAGE,
                                   65536, 1UL << 20, (uint64)INT_MAX_, 0x80000000UL, (uint64)-1, 1UL << 40};
  return below(8) == 0 ? any_edge() : pick(lengths, COUNT(lengths));
}

static uint64 a_descriptor(void) {
  switch (below(6)) {
    case 0: return any_edge();
    case 1: return below(NOFILE + 2);  // often closed
    default: {
      int open_fds[NOFILE], n = 0;
      for (int fd = 0; fd < NOFILE; fd++)
        if (fds[fd]) open_fds[n++] = fd;
      return n ? (uint64)open_fds[below((uint64)n)] : below(NOFILE);
    }
  }
}

static uint64 an_argument(enum kind k) {
  // Anything, anywhere, now and then; but never for a pid (a small one may
  // be the shell's), a sleep (it could be for ever) or a device's major
  // number (the console's).
  if (k != K_NONE && k != K_PID && k != K_TICKS && k != K_MAJOR && below(16) == 0) return any_edge();
  switch (k) {
    case K_NONE: return below(2) ? 0 : next_random();  // registers a call ignores
    case K_INT: return any_edge();
    case K_FD: return a_descriptor();
    case K_ADDR: return an_address();
    case K_LEN: return a_length();
    case K_PATH: return below(5) == 0 ? an_address() : paths[below(PATH_COUNT)];
    case K_OPEN_FLAGS: {
      static const uint64 flags[] = {O_RDONLY, O_WRONLY, O_RDWR, O_CREATE | O_RDWR, O_CREATE | O_WRONLY | O_TRUNC,
                                     O_RDWR | O_APPEND, O_CREATE, 3, 0xfff, (uint64)-1};
      return pick(flags, COUNT(flags));
    }
    case K_PROT: return below(4) == 0 ? any_edge() : below(8);
    case K_MAP_FLAGS: {
      static const uint64 flags[] = {MAP_PRIVATE | MAP_ANONYMOUS, MAP_SHARED | MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED,
                                     MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, MAP_SHARED | MAP_FIXED,
                                     MAP_PRIVATE | MAP_FIXED, MAP_SHARED | MAP_PRIVATE, 0, (uint64)-1};
      return pick(flags, COUNT(flags));
    }
    case K_PID: {
      static const uint64 pids[] = {0, 1, 2, (uint64)-1, (uint64)INT_MAX_, (uint64)(long)INT_MIN_, 99999, 65536};
      // Itself rarely: that ends the worker.
      return below(64) == 0 ? (uint64)self_pid : pick(pids, COUNT(pids));
    }
    case K_ARGV: return below(4) == 0 ? an_address() : argvs[below(4)];
    case K_TICKS: return below(4) == 0 ? (uint64)-1 : below(3);
    case K_MAJOR: {
      // Never a console node (the kernel takes the low bits): reading one
      // would wait for a typist.
      uint64 major = any_edge();
      return (major & 0xffff) == CONSOLE ? 0 : major;
    }
  }
  return 0;
}

// The kinds of each call's six arguments, by call number.
static const unsigned char kinds[RIVET_SYSCALL_MAX + 1][6] = {
    [SYS_fork] = {0},
    [SYS_exit] = {K_INT},
    [SYS_wait] = {K_ADDR},
    [SYS_pipe] = {K_ADDR},
    [SYS_read] = {K_FD, K_ADDR, K_LEN},
    [SYS_kill] = {K_PID},
    [SYS_exec] = {K_PATH, K_ARGV},
    [SYS_fstat] = {K_FD, K_ADDR},
    [SYS_chdir] = {K_PATH},
    [SYS_dup] = {K_FD},
    [SYS_getpid] = {0},
    [SYS_sbrk] = {K_LEN, K_INT},
    [SYS_pause] = {K_TICKS},
    [SYS_uptime] = {0},
    [SYS_open] = {K_PATH, K_OPEN_FLAGS},
    [SYS_write] = {K_FD, K_ADDR, K_LEN},
    [SYS_mknod] = {K_PATH, K_MAJOR, K_INT},
    [SYS_unlink] = {K_PATH},
    [SYS_link] = {K_PATH, K_PATH},
    [SYS_mkdir] = {K_PATH},
    [SYS_close] = {K_FD},
    [SYS_setpgrp] = {0},
    [SYS_tcsetpgrp] = {K_FD, K_PID},
    [SYS_mmap] = {K_ADDR, K_LEN, K_PROT, K_MAP_FLAGS, K_FD, K_LEN},
    [SYS_munmap] = {K_ADDR, K_LEN},
    [SYS_mprotect] = {K_ADDR, K_LEN, K_PROT},
    [SYS_msync] = {K_ADDR, K_LEN, K_INT},
    [SYS_memstat] = {K_ADDR},
    [SYS_getppid] = {0},
    [SYS_diskstat] = {K_INT, K_ADDR},
    [SYS_fsync] = {K_FD},
    [SYS_fdatasync] = {K_FD},
    [SYS_sync] = {0},
    [SYS_fadvise] = {K_FD, K_LEN, K_LEN, K_INT},
    [SYS_execve] = {K_PATH, K_ARGV, K_ARGV},
};

static long raw_syscall(uint64 number, const uint64* a) {
  register uint64 a0 __asm__("a0") = a[0];
  register uint64 a1 __asm__("a1") = a[1];
  register uint64 a2 __asm__("a2") = a[2];
  register uint64 a3 __asm__("a3") = a[3];
  register uint64 a4 __asm__("a4") = a[4];
  register uint64 a5 __asm__("a5") = a[5];
  register uint64 a7 __asm__("a7") = number;
  __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a2), "r"(a3), "r"(a4), "r"(a5), "r"(a7) : "memory");
  return (long)a0;
}

static uint64 a_call_number(void) {
  for (;;) {
    uint64 n;
    switch (below(32)) {
      case 0: {
        static const uint64 unknown[] = {0, RIVET_SYSCALL_MAX + 1, RIVET_SYSCALL_MAX + 2, 64, 1000, (uint64)-1,
                                         (uint64)INT_MAX_, 0x100000001UL, 0x100000000UL + SYS_exit};
        n = pick(unknown, COUNT(unknown));
        break;
      }
      default: n = 1 + below(RIVET_SYSCALL_MAX); break;
    }
    if (n == SYS_reboot) continue;                       // would end the machine
    if (n == SYS_exit && below(512) != 0) continue;      // would end the worker
    return n;
  }
}

// Keeps the descriptor table it believes in up to date after a call.
static void track(uint64 number, const uint64* a, long r) {
  if (r < 0) return;
  switch (number) {
    case SYS_open:
    case SYS_dup:
      if (r < NOFILE) fds[r] = 1;
      break;
    case SYS_close:
      if (a[0] < NOFILE) fds[a[0]] = 0;
      break;
    case SYS_pipe: {
      // The two lowest free descriptors: keep one end only, so no read or
      // write on it can wait for the other.
      int rfd = lowest_closed_fd(0), wfd = rfd < 0 ? -1 : lowest_closed_fd(rfd + 1);
      if (rfd < 0 || wfd < 0) break;
      int keep = below(2) ? rfd : wfd, drop = keep == rfd ? wfd : rfd;
      close(drop);
      fds[keep] = 1;
      break;
    }
    default: break;
  }
}

static void worker(int index, uint64 seed, int calls) {
  rng_state = seed ^ (0x9e3779b97f4a7c15ULL * (uint64)(index + 1));
  (void)next_random();
  self_pid = getpid();
  struct worker_state* me = &shared[index];
  char dir[16] = "w";
  // The parent made fuzz.tmp/wINDEX for it.
  char digits[12];
  int n = 0, v = index;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++) dir[1 + i] = digits[n - 1 - i];
  dir[1 + n] = 0;
  if (chdir(dir) < 0) exit(3);
  set_up_world();
  for (int i = 0; i < calls; i++) {
    uint64 number = a_call_number();
    uint64 a[6];
    const unsigned char* k = number <= RIVET_SYSCALL_MAX ? kinds[number] : kinds[0];
    for (int j = 0; j < 6; j++) a[j] = an_argument((enum kind)k[j]);
    me->number = (int)number;
    long r = raw_syscall(number, a);
    if (r == 0 && (number == SYS_fork || number > RIVET_SYSCALL_MAX) && getpid() != self_pid)
      exit((int)below(4));  // a child: it has done its part
    track(number, a, r);
    me->calls = i + 1;
  }
  me->finished = 1;
  // Reap what fork made (they exit at once).
  while (wait(0) >= 0) {
  }
  exit(0);
}

// ---- the parent --------------------------------------------------------------------

static uint64 pages_free_or_cached(void) {
  struct memstat m;
  if (memstat(&m) < 0) return 0;
  return m.free_pages + m.cached_pages;
}

static const char* call_name(int n) {
  static const char* names[] = {"(0)", "fork", "exit", "wait", "pipe", "read", "kill", "exec", "fstat", "chdir",
                                "dup", "sbrk", "pause", "uptime", "open", "write", "mknod", "unlink", "link",
                                "mkdir", "close", "reboot", "setpgrp", "tcsetpgrp", "mmap", "munmap",
                                "mprotect", "msync", "memstat", "getppid", "diskstat", "fsync", "fdatasync",
                                "sync", "fadvise"};
  return n >= 0 && n < COUNT(names) ? names[n] : "(unknown)";
}

// Removes `path` and everything under it (a worker's directory).
static void remove_tree(char* path, int depth) {
  struct stat st;
  if (stat(path, &st) < 0) return;
  if (st.type == T_DIR && depth < 8) {
    int fd = open(path, O_RDONLY);
    if (fd >= 0) {
      struct dirent de;
      char child[MAXPATH];
      while (read(fd, &de, sizeof de) == sizeof de) {
        if (de.inum == 0 || strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0) continue;
        int len = strlen(path);
        if (len + 2 + DIRSIZ >= MAXPATH) continue;
        strcpy(child, path);
        child[len] = '/';
        memmove(child + len + 1, de.name, DIRSIZ);
        child[len + 1 + DIRSIZ] = 0;
        remove_tree(child, depth + 1);
      }
      close(fd);
    }
  }
  unlink(path);
}

static void worker_dir(char* out, int index) {
  strcpy(out, "fuzz.tmp/w");
  char digits[12];
  int n = 0, v = index;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  int len = strlen(out);
  for (int i = 0; i < n; i++) out[len + i] = digits[n - 1 - i];
  out[len + n] = 0;
}

// Runs workers [first, first+count) at once under a watchdog; returns how
// many were stuck (killed by the watchdog).
static int run_batch(uint64 seed, int first, int count, int calls, int watchdog_seconds) {
  for (int i = first; i < first + count; i++) {
    char dir[MAXPATH];
    worker_dir(dir, i);
    remove_tree(dir, 0);
    if (mkdir(dir) < 0) {
      printf("sysfuzz: FAIL cannot make %s: %s\n", dir, strerror(errno));
      exit(1);
    }
    shared[i] = (struct worker_state){0, -1, 0, 0, 0, 0};
  }
  for (int i = first; i < first + count; i++) {
    int pid = fork();
    if (pid < 0) {
      printf("sysfuzz: FAIL fork: %s\n", strerror(errno));
      exit(1);
    }
    if (pid == 0) {
      if (chdir("fuzz.tmp") < 0) exit(3);
      worker(i, seed, calls);
    }
    shared[i].pid = pid;
  }
  int watchdog = fork();
  if (watchdog == 0) {
    // Killed by the parent once every worker is reaped: the pause is
    // interrupted, and that is the end of it.
    if (pause(watchdog_seconds * 100) < 0) exit(0);
    for (int i = first; i < first + count; i++) {
      if (shared[i].finished || shared[i].reaped) continue;
      shared[i].killed = 1;
      kill(shared[i].pid);
    }
    exit(0);
  }
  int left = count;
  while (left > 0) {
    int pid = wait(0);
    if (pid < 0) break;
    if (pid == watchdog) continue;
    left--;
    for (int i = first; i < first + count; i++)
      if (shared[i].pid == pid) shared[i].reaped = 1;
  }
  if (watchdog > 0) {
    kill(watchdog);
    wait(0);
  }
  int stuck = 0;
  for (int i = first; i < first + count; i++) {
    if (!shared[i].killed) continue;
    stuck++;
    printf("sysfuzz: worker %d (pid %d) was still running after %d s, in call %d (%s) after %d calls: killed\n",
           i, shared[i].pid, watchdog_seconds, shared[i].number, call_name(shared[i].number), shared[i].calls);
  }
  for (int i = first; i < first + count; i++) {
    char dir[MAXPATH];
    worker_dir(dir, i);
    remove_tree(dir, 0);
  }
  return stuck;
}

static uint64 parse_number(const char* s) {
  uint64 v = 0;
  for (; *s >= '0' && *s <= '9'; s++) v = v * 10 + (uint64)(*s - '0');
  return v;
}

int main(int argc, char* argv[]) {
  uint64 seed = 0;
  int have_seed = 0, workers = 16, parallel = 4, calls = 300, tolerance = 8, watchdog_seconds = 120;
  for (int i = 1; i < argc; i++) {
    if (i + 1 < argc && strcmp(argv[i], "-s") == 0) {
      seed = parse_number(argv[++i]);
      have_seed = 1;
    } else if (i + 1 < argc && strcmp(argv[i], "-w") == 0) {
      workers = (int)parse_number(argv[++i]);
    } else if (i + 1 < argc && strcmp(argv[i], "-p") == 0) {
      parallel = (int)parse_number(argv[++i]);
    } else if (i + 1 < argc && strcmp(argv[i], "-c") == 0) {
      calls = (int)parse_number(argv[++i]);
    } else if (i + 1 < argc && strcmp(argv[i], "-t") == 0) {
      tolerance = (int)parse_number(argv[++i]);
    } else if (i + 1 < argc && strcmp(argv[i], "-k") == 0) {
      watchdog_seconds = (int)parse_number(argv[++i]);
    } else {
      fprintf(2, "usage: sysfuzz [-s SEED] [-w WORKERS] [-p PARALLEL] [-c CALLS] [-t TOLERANCE] [-k SECONDS]\n");
      exit(1);
    }
  }
  if (workers < 1 || workers > MAX_WORKERS) workers = workers < 1 ? 1 : MAX_WORKERS;
  if (parallel < 1 || parallel > MAX_PARALLEL) parallel = parallel < 1 ? 1 : MAX_PARALLEL;
  if (watchdog_seconds < 1) watchdog_seconds = 1;
  if (!have_seed) {
    uint64 t;
    __asm__ volatile("csrr %0, time" : "=r"(t));
    seed = t % 1000000007UL;
  }
  printf("sysfuzz: seed %lu, %d workers of %d calls, %d at a time (sysfuzz -s %lu -w %d -p %d -c %d repeats it)\n",
         (unsigned long)seed, workers, calls, parallel, (unsigned long)seed, workers, parallel, calls);
  // Far below the workers' areas (which go top-down under the stack), so
  // no address they draw lands in it.
  shared = mmap((void*)0x10000000UL, sizeof(struct worker_state) * MAX_WORKERS, PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) {
    printf("sysfuzz: FAIL mmap: %s\n", strerror(errno));
    exit(1);
  }
  mkdir("fuzz.tmp");
  // A warm-up batch first: caches the calls fill once (heap slabs, the
  // inode table, the directory's blocks) are not a leak.
  run_batch(seed + 1000003, MAX_WORKERS - parallel, parallel, calls < 50 ? calls : 50, watchdog_seconds);
  sync();
  uint64 before = pages_free_or_cached();
  int start = uptime();
  int stuck = 0;
  for (int first = 0; first < workers; first += parallel) {
    int count = workers - first < parallel ? workers - first : parallel;
    stuck += run_batch(seed, first, count, calls, watchdog_seconds);
  }
  int ticks = uptime() - start;
  long total = 0;
  for (int i = 0; i < workers; i++) total += shared[i].calls;
  unlink("fuzz.tmp");
  sync();
  uint64 after = pages_free_or_cached();
  long leaked = (long)before - (long)after;
  printf("sysfuzz: %ld calls in %d.%02d s (%ld calls/s); pages free or cached: %lu before, %lu after\n", total,
         ticks / 100, ticks % 100, ticks > 0 ? total * 100 / ticks : 0, (unsigned long)before,
         (unsigned long)after);
  if (stuck > 0) {
    printf("sysfuzz: FAIL %d worker(s) stuck in the kernel (seed %lu)\n", stuck, (unsigned long)seed);
    exit(1);
  }
  if (leaked > tolerance) {
    printf("sysfuzz: FAIL %ld pages leaked (tolerance %d; seed %lu)\n", leaked, tolerance, (unsigned long)seed);
    exit(1);
  }
  printf("sysfuzz: ok (seed %lu)\n", (unsigned long)seed);
  exit(0);
}

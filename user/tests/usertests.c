// usertests: the system-call test suite, in the spirit of xv6's usertests.
//
//   usertests          every test
//   usertests -q       the quick subset
//   usertests NAME...  only the named tests
//   usertests -l       list the tests
//
// Output, one line per test, for a host harness to turn into CTest results:
//   usertests: <name>: ok
//   usertests: <name>: FAIL <reason>
// and at the end
//   usertests: N passed, M failed
//
// Each test runs in a child process, so a test that crashes fails alone. The
// suite reads memstat().free_pages before the test and after reaping it; a
// test that leaves pages allocated is run a second time (kernel caches may
// legitimately fill up once), and fails if it leaks again. Tests create their
// files in the directory "usertests.tmp" under the current directory.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"
#include "rivet/syscall.h"
#include "rivet/syscall_list.h"

#define PAGE 4096
#define KERNEL_ADDR 0xffffffff80000000ul
#define TRAPFRAME_ADDR 0x3fffffe000ul
#define TRAMPOLINE_ADDR 0x3ffffff000ul
#define ECHO "/bin/echo"
#define PRINTENV "/bin/printenv"

#define SUITE "usertests"
#include "testlib.h"

// ---- child processes -------------------------------------------------------------

// Runs fn in a child that must be killed by the kernel (a fault in user
// mode). The kill is what the test wants, so it does not count as a failure.
static void expect_killed(void (*fn)(void), const char* what) {
  int pid = fork_or_fail();
  if (pid == 0) {
    fn();
    exit(STATUS_NOT_KILLED);
  }
  int status = wait_pid(pid);
  CHECK(status != STATUS_NOT_KILLED, "%s: the child was not killed", what);
  CHECK(status != 0, "%s: the child exited normally", what);
}

// ---- files -------------------------------------------------------------------------

static int create_file(const char* path, const void* data, int n) {
  int fd = OK(open(path, O_CREATE | O_RDWR | O_TRUNC));
  if (n > 0) CHECK(write(fd, data, n) == n, "write %s: %s", path, strerror(errno));
  return fd;
}

static void write_file(const char* path, const void* data, int n) { close(create_file(path, data, n)); }

// Reads a whole (small) file into buf; returns its length.
static int read_file(const char* path, char* buf, int size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) fail("open %s: %s", path, strerror(errno));
  int total = 0;
  for (;;) {
    int n = read(fd, buf + total, size - 1 - total);
    if (n < 0) fail("read %s: %s", path, strerror(errno));
    if (n == 0) break;
    total += n;
    if (total == size - 1) break;
  }
  buf[total] = '\0';
  close(fd);
  return total;
}

static uint64 file_size(const char* path) {
  struct stat st;
  OK(stat(path, &st));
  return st.size;
}

// The top of the heap, made page aligned: [.., top) is mapped, top is not.
static char* aligned_break(void) {
  char* top = sbrk(0);
  if ((uint64)top % PAGE != 0) top = OKP(sbrk(PAGE - (uint64)top % PAGE)) + (PAGE - (uint64)top % PAGE);
  CHECK(sbrk(0) == top, "sbrk(0) %p, expected %p", sbrk(0), top);
  return top;
}


// ===================================================================================
// Memory: sbrk, sbrklazy, faults, fork's copy (mmap is vmtests' business)
// ===================================================================================

// sbrk grows with zeroed writable memory, returns the old break, and shrinks.
static void test_sbrkbasic(void) {
  char* start = sbrk(0);
  char* old = OKP(sbrk(10 * PAGE));
  CHECK(old == start, "sbrk returned %p, break was %p", old, start);
  CHECK(sbrk(0) == start + 10 * PAGE, "break did not move by 10 pages");
  for (int i = 0; i < 10 * PAGE; i++) CHECK(start[i] == 0, "new memory not zero at %d", i);
  for (int i = 0; i < 10 * PAGE; i++) start[i] = (char)i;
  for (int i = 0; i < 10 * PAGE; i++) CHECK(start[i] == (char)i, "memory lost its value at %d", i);
  // Many small increments.
  char* p = sbrk(0);
  for (int i = 0; i < 500; i++) {
    char* q = OKP(sbrk(7));
    CHECK(q == p, "sbrk(7) #%d returned %p, expected %p", i, q, p);
    *q = 1;
    p = q + 7;
  }
  OK(sbrk(-(int)(sbrk(0) - start)));
  CHECK(sbrk(0) == start, "shrinking did not restore the break");
  // Shrinking below zero is refused, and the process survives.
  FAILS_ANY(sbrk(-(int)((uint64)start + PAGE)));
  CHECK(sbrk(0) == start, "a refused sbrk moved the break");
}

static char* freed_page;
static void touch_freed_page(void) { *(volatile char*)freed_page = 1; }

// Memory given back with sbrk(-n) is unmapped: touching it kills the process.
static void test_sbrkshrink(void) {
  char* top = aligned_break();
  OK(sbrk(4 * PAGE));
  top[0] = 1;
  top[4 * PAGE - 1] = 1;
  OK(sbrk(-4 * PAGE));
  freed_page = top + PAGE;
  expect_killed(touch_freed_page, "touching memory freed by sbrk");
}

// Shrinking the heap gives back the page-table pages that mapped it, not only
// its pages, without the process exiting: after 64 MiB (32 table pages) grown
// and given back, the free-page count is where it was.
static void test_sbrktables(void) {
  char* start = aligned_break();
  uint64 before = free_pages();
  long size = 64L << 20;
  OK(sbrk(size));
  for (long i = 0; i < size; i += PAGE) start[i] = 1;
  uint64 grown = free_pages();
  CHECK(grown + size / PAGE <= before, "growing took only %lu pages", (unsigned long)(before - grown));
  OK(sbrk(-size));
  uint64 after = free_pages();
  CHECK(after + 2 >= before, "%lu pages still used after the heap shrank back (page tables kept?)",
        (unsigned long)(before - after));
}

// Growing the heap until memory runs out fails with ENOMEM and does not kill
// the process; giving the memory back lets it grow again.
static void test_sbrkfail(void) {
  char* start = sbrk(0);
  int step = 1 << 20;
  long grown = 0;
  for (;;) {
    char* p = sbrk(step);
    if (p == (char*)-1) {
      CHECK(errno == ENOMEM, "sbrk failed with %s, expected ENOMEM", errname(errno));
      if (step == PAGE) break;
      step /= 2;  // find the limit to the page
      continue;
    }
    p[0] = 1;  // eager memory is usable
    grown += step;
    CHECK(grown < (64l << 30), "grew 64 GiB without failing");
  }
  CHECK(grown > 0, "could not grow at all");
  // Still alive: give it all back and grow a little again.
  while (sbrk(0) > start) {
    long back = sbrk(0) - start;
    if (back > (1l << 30)) back = 1l << 30;
    OK(sbrk(-(int)back));
  }
  char* p = OKP(sbrk(PAGE));
  p[0] = 1;
  OK(sbrk(-PAGE));
}

// sbrklazy reserves address space without allocating pages until touched.
static void test_sbrklazy(void) {
  struct memstat before, after;
  OK(memstat(&before));
  int size = 64 << 20;  // 64 MiB
  char* p = OKP(sbrklazy(size));
  OK(memstat(&after));
  CHECK(before.free_pages - after.free_pages < 64, "sbrklazy allocated %lu pages up front",
        (unsigned long)(before.free_pages - after.free_pages));
  // Touch a few pages far apart: each becomes a zeroed, writable page.
  for (int off = 0; off < size; off += 8 << 20) {
    CHECK(p[off] == 0, "lazy page at +%d not zero", off);
    p[off] = 'x';
    CHECK(p[off] == 'x', "lazy page at +%d not writable", off);
  }
  OK(sbrk(-size));
}

// A lazily grown page not yet touched can be passed to a system call.
static void test_sbrklazy_syscall(void) {
  char* p = OKP(sbrklazy(4 * PAGE));
  int fds[2];
  OK(pipe(fds));
  CHECK(write(fds[1], "lazy", 4) == 4, "write to pipe");
  CHECK(read(fds[0], p + 2 * PAGE, 4) == 4, "read into an untouched lazy page: %s", strerror(errno));
  CHECK(memcmp(p + 2 * PAGE, "lazy", 4) == 0, "wrong data in lazy page");
  CHECK(write(fds[1], p + 3 * PAGE, 8) == 8, "write from an untouched lazy page: %s", strerror(errno));
  char buf[8];
  CHECK(read(fds[0], buf, 8) == 8, "read back");
  for (int i = 0; i < 8; i++) CHECK(buf[i] == 0, "untouched lazy page not zero");
  close(fds[0]);
  close(fds[1]);
  OK(sbrk(-4 * PAGE));
}

static void deref_null(void) { (void)*(volatile int*)0; }
static void write_null(void) { *(volatile int*)0 = 1; }
static void deref_kernel(void) { (void)*(volatile int*)KERNEL_ADDR; }
static void write_kernel(void) { *(volatile int*)KERNEL_ADDR = 1; }
static void deref_trampoline(void) { (void)*(volatile int*)TRAMPOLINE_ADDR; }
static void deref_trapframe(void) { (void)*(volatile int*)TRAPFRAME_ADDR; }
static void write_text(void) { *(volatile char*)(uint64)&write_text = 0; }
static void deref_hole(void) { (void)*(volatile int*)(sbrk(0) + (64 << 20)); }
static void jump_to_data(void) {
  static uint32 code[2] = {0x00008067, 0x00008067};  // ret
  ((void (*)(void))(uint64)code)();
}
static void jump_to_null(void) { ((void (*)(void))0)(); }
static void illegal_instruction(void) { __asm__ volatile(".word 0"); }
static void privileged_instruction(void) { __asm__ volatile("csrr t0, sstatus" ::: "t0"); }
static volatile int keep_recursing = 1;
static void recurse_forever(void) {
  volatile char frame[512];
  frame[0] = 1;
  if (keep_recursing) recurse_forever();
  frame[1] = frame[0];
}

// Faults in user mode kill only the faulting process; the suite goes on.
static void test_userfault(void) {
  expect_killed(deref_null, "reading address 0");
  expect_killed(write_null, "writing address 0");
  expect_killed(deref_kernel, "reading a kernel address");
  expect_killed(write_kernel, "writing a kernel address");
  expect_killed(deref_trampoline, "reading the trampoline");
  expect_killed(deref_trapframe, "reading the trap frame");
  expect_killed(write_text, "writing the program text");
  expect_killed(deref_hole, "reading an unmapped hole above the heap");
  expect_killed(jump_to_data, "executing data");
  expect_killed(jump_to_null, "jumping to address 0");
  expect_killed(illegal_instruction, "an illegal instruction");
  expect_killed(privileged_instruction, "a supervisor instruction");
}

// Endless recursion kills the process (stack guard or memory exhaustion).
static void test_stackoverflow(void) { expect_killed(recurse_forever, "endless recursion"); }

// fork copies memory: changes in the child are invisible to the parent.
static void test_forkcopy(void) {
  int size = 64 * PAGE;
  char* p = OKP(sbrk(size));
  for (int i = 0; i < size; i += 64) p[i] = 'p';
  static int global = 1;
  int pid = fork_or_fail();
  if (pid == 0) {
    for (int i = 0; i < size; i += 64) CHECK(p[i] == 'p', "child does not see the parent's memory");
    for (int i = 0; i < size; i += 64) p[i] = 'c';
    global = 2;
    exit(0);
  }
  wait_ok(pid, "forkcopy child");
  for (int i = 0; i < size; i += 64) CHECK(p[i] == 'p', "the child's write reached the parent at %d", i);
  CHECK(global == 1, "the child's write to a global reached the parent");
  OK(sbrk(-size));
}

// memstat gives sensible figures.
static void test_memstat(void) {
  struct memstat ms;
  OK(memstat(&ms));
  CHECK(ms.total_pages > 0, "no pages");
  CHECK(ms.free_pages <= ms.total_pages, "more free pages than pages");
  CHECK(ms.resident_pages > 0, "this process has no resident pages");
  CHECK(ms.swap_used_pages <= ms.swap_total_pages, "more swap used than exists");
  // Eager growth shows up in the free count.
  uint64 before = free_pages();
  char* p = OKP(sbrk(32 * PAGE));
  p[0] = 1;
  uint64 after = free_pages();
  CHECK(before - after >= 32, "sbrk(32 pages) took %lu pages", (unsigned long)(before - after));
  OK(sbrk(-32 * PAGE));
}

// memstat()'s pages by owner: they add up to the allocated pages exactly,
// eager heap growth and shrinking move the user count by at least the pages
// asked for, a forked child costs one trapframe and its page tables until it
// is reaped, and the caller's own page tables are counted.
static uint64 owned_sum(const struct memstat* m) {
  return m->user_pages + m->cache_pages + m->table_pages + m->kstack_pages + m->heap_pages +
         m->process_pages + m->other_pages;
}

static void test_memowners(void) {
  struct memstat a, b, c;
  OK(memstat(&a));
  CHECK(owned_sum(&a) == a.total_pages - a.free_pages, "owners add up to %lu, allocated pages are %lu",
        (unsigned long)owned_sum(&a), (unsigned long)(a.total_pages - a.free_pages));
  CHECK(a.own_table_pages >= 3 && a.own_table_pages <= a.table_pages, "own page tables %lu of %lu",
        (unsigned long)a.own_table_pages, (unsigned long)a.table_pages);
  CHECK(a.user_pages > 0 && a.heap_pages > 0 && a.kstack_pages > 0 && a.process_pages > 0,
        "an owner has no pages: user %lu heap %lu kstack %lu process %lu", (unsigned long)a.user_pages,
        (unsigned long)a.heap_pages, (unsigned long)a.kstack_pages, (unsigned long)a.process_pages);
  char* p = OKP(sbrk(64 * PAGE));
  p[0] = 1;
  OK(memstat(&b));
  CHECK(b.user_pages >= a.user_pages + 64, "sbrk(64 pages): user pages %lu -> %lu", (unsigned long)a.user_pages,
        (unsigned long)b.user_pages);
  OK(sbrk(-64 * PAGE));
  OK(memstat(&c));
  CHECK(c.user_pages + 64 <= b.user_pages, "sbrk(-64 pages): user pages %lu -> %lu", (unsigned long)b.user_pages,
        (unsigned long)c.user_pages);
  // A child: one more trapframe and page tables of its own while it lives.
  int fds[2];
  OK(pipe(fds));
  OK(memstat(&a));
  int pid = OK(fork());
  if (pid == 0) {
    char x;
    close(fds[1]);
    read(fds[0], &x, 1);  // until the parent has looked
    exit(0);
  }
  OK(memstat(&b));
  CHECK(b.process_pages == a.process_pages + 1, "fork: trapframes %lu -> %lu", (unsigned long)a.process_pages,
        (unsigned long)b.process_pages);
  CHECK(b.table_pages >= a.table_pages + 3, "fork: page tables %lu -> %lu", (unsigned long)a.table_pages,
        (unsigned long)b.table_pages);
  OK(close(fds[0]));
  OK(close(fds[1]));
  int status;
  CHECK(wait(&status) == pid, "wait: %s", strerror(errno));
  OK(memstat(&c));
  CHECK(c.process_pages == a.process_pages, "after wait: trapframes %lu -> %lu", (unsigned long)a.process_pages,
        (unsigned long)c.process_pages);
  CHECK(c.table_pages == a.table_pages, "after wait: page tables %lu -> %lu", (unsigned long)a.table_pages,
        (unsigned long)c.table_pages);
}

// diskstat(): the root disk is disk 0, its counters move when a file is
// written and synced to it, and a bad index or pointer is refused.
static void test_diskstat(void) {
  struct diskstat d0, d1;
  OK(diskstat(0, &d0));
  CHECK(d0.name[0] != 0 && d0.sectors > 0, "disk 0: name \"%s\", %lu sectors", d0.name,
        (unsigned long)d0.sectors);
  CHECK(d0.read_requests > 0 && d0.read_sectors >= d0.read_requests, "disk 0: %lu reads of %lu sectors",
        (unsigned long)d0.read_requests, (unsigned long)d0.read_sectors);
  // write() only fills the page cache; fsync() puts the data and the log
  // on the disk before it returns.
  int fd = OK(open("diskstat.tmp", O_CREATE | O_RDWR | O_TRUNC));
  char block[512];
  memset(block, 'd', sizeof block);
  CHECK(write(fd, block, sizeof block) == sizeof block, "write: %s", strerror(errno));
  OK(fsync(fd));
  OK(diskstat(0, &d1));
  OK(close(fd));
  OK(unlink("diskstat.tmp"));
  CHECK(d1.write_requests > d0.write_requests && d1.write_sectors > d0.write_sectors,
        "writing a file moved no write counter: %lu -> %lu requests", (unsigned long)d0.write_requests,
        (unsigned long)d1.write_requests);
  FAILS(ENODEV, diskstat(-1, &d0));
  FAILS(ENODEV, diskstat(64, &d0));
  FAILS(EFAULT, diskstat(0, (struct diskstat*)(aligned_break() + PAGE)));
  FAILS(EFAULT, diskstat(0, (struct diskstat*)0xffffffffffffff00ull));
}

// procinfo, fsinfo, sysinfo, klog, consmode (ps, df, uname, dmesg, more):
// what they report about this process and the system, and every bad
// argument failing with an error, including buffers across the end of the
// heap.
static void test_infocalls(void) {
  struct procinfo p;
  int slot = 0, n, found = 0, count = 0;
  while ((n = procinfo(slot, &p)) >= 0) {
    CHECK(n >= slot, "procinfo(%d) returned slot %d", slot, n);
    count++;
    if (p.pid == getpid()) {
      found = 1;
      CHECK(p.ppid == getppid() && p.state == PROC_RUNNING && !p.kernel_thread,
            "this process: ppid %d (getppid %d), state %d, kernel thread %d", p.ppid, getppid(), p.state,
            p.kernel_thread);
      CHECK(p.resident_pages > 0 && p.resident_pages != PROCINFO_UNKNOWN, "resident pages %lu",
            (unsigned long)p.resident_pages);
      CHECK(strcmp(p.name, "usertests") == 0, "name \"%s\"", p.name);
    }
    slot = n + 1;
  }
  CHECK(errno == ESRCH, "procinfo ended with %s", strerror(errno));
  CHECK(found && count >= 3, "this process found %d, %d processes", found, count);
  FAILS(EINVAL, procinfo(-1, &p));
  FAILS(ESRCH, procinfo(1 << 20, &p));
  char* top = aligned_break();
  FAILS(EFAULT, procinfo(0, (struct procinfo*)(top - sizeof p / 2)));
  FAILS(EFAULT, procinfo(0, (struct procinfo*)0xffffffffffffff00ull));

  struct fsinfo f;
  OK(fsinfo(0, &f));
  CHECK(strcmp(f.mount_point, "/") == 0 && strcmp(f.type, "rivetfs") == 0 && f.device[0] != 0,
        "root: %s on %s type %s", f.device, f.mount_point, f.type);
  CHECK(f.block_size == 4096 && f.free_blocks <= f.data_blocks && f.data_blocks < f.total_blocks,
        "blocks: size %u, %lu free of %lu data, %lu in all", f.block_size, (unsigned long)f.free_blocks,
        (unsigned long)f.data_blocks, (unsigned long)f.total_blocks);
  CHECK(f.free_inodes < f.total_inodes, "inodes: %lu free of %lu", (unsigned long)f.free_inodes,
        (unsigned long)f.total_inodes);
  // A new file takes an inode.
  int fd = OK(open("infocalls.tmp", O_CREATE | O_RDWR));
  struct fsinfo g;
  OK(fsinfo(0, &g));
  CHECK(g.free_inodes + 1 == f.free_inodes, "free inodes %lu -> %lu after a create", (unsigned long)f.free_inodes,
        (unsigned long)g.free_inodes);
  OK(close(fd));
  OK(unlink("infocalls.tmp"));
  FAILS(ENODEV, fsinfo(1, &f));
  FAILS(ENODEV, fsinfo(-1, &f));
  FAILS(EFAULT, fsinfo(0, (struct fsinfo*)(top - 8)));
  FAILS(EFAULT, fsinfo(0, 0));

  struct sysinfo si;
  OK(sysinfo(&si));
  CHECK(strcmp(si.sysname, "Rivet") == 0 && strcmp(si.machine, "riscv64") == 0 && si.release[0] != 0,
        "sysinfo: %s %s %s", si.sysname, si.release, si.machine);
  CHECK(si.harts_online >= 1 && si.harts_online <= si.harts_total && si.memory_bytes > 0,
        "harts %u of %u, %lu bytes", si.harts_online, si.harts_total, (unsigned long)si.memory_bytes);
  FAILS(EFAULT, sysinfo((struct sysinfo*)(top - 1)));
  FAILS(EFAULT, sysinfo(0));

  int held = OK(klog(0, 0));
  CHECK(held > 100, "the kernel's ring holds %d bytes", held);
  char buf[64];
  int got = OK(klog(buf, sizeof buf));
  CHECK(got == (int)sizeof buf, "klog gave %d bytes", got);
  FAILS(EINVAL, klog(buf, -1));
  FAILS(EFAULT, klog(top - 8, 64));
  FAILS(EFAULT, klog((char*)0xffffffffffffff00ull, 16));

  FAILS(EBADF, consmode(-1, CONSOLE_COOKED));
  FAILS(EBADF, consmode(NOFILE, CONSOLE_COOKED));
  int pipefd[2];
  OK(pipe(pipefd));
  FAILS(ENOTTY, consmode(pipefd[0], CONSOLE_COOKED));
  OK(close(pipefd[0]));
  OK(close(pipefd[1]));
  int console = open("/dev/console", O_RDWR);
  if (console >= 0) {
    FAILS(EINVAL, consmode(console, 7));
    // Raw (and keys) mode only for the console's foreground process group:
    // a child in a group of its own is refused until that group has the
    // console. (Done in a child so it does not depend on whether usertests
    // itself was started in the foreground.)
    int pid = fork_or_fail();
    if (pid == 0) {
      OK(setpgrp());
      FAILS(EPERM, consmode(console, CONSOLE_RAW));
      FAILS(EPERM, consmode(console, CONSOLE_KEYS));
      CHECK(consmode(console, CONSOLE_COOKED) == CONSOLE_COOKED, "cooked mode refused");
      OK(tcsetpgrp(console, getpid()));
      CHECK(consmode(console, CONSOLE_RAW) == CONSOLE_COOKED, "the console was not cooked");
      CHECK(consmode(console, CONSOLE_COOKED) == CONSOLE_RAW, "raw mode did not take");
      CHECK(consmode(console, CONSOLE_KEYS) == CONSOLE_COOKED, "keys mode refused");
      CHECK(consmode(console, CONSOLE_COOKED) == CONSOLE_KEYS, "keys mode did not take");
      exit(0);
    }
    wait_ok(pid, "consmode child");
    // Give the console back to this process's group.
    struct procinfo me;
    for (slot = 0; (n = procinfo(slot, &me)) >= 0 && me.pid != getpid(); slot = n + 1) {
    }
    if (n >= 0) OK(tcsetpgrp(console, me.pgid));
    OK(close(console));
  }
}

// ===================================================================================
// Bad pointers
// ===================================================================================

// The kernel reads user memory (write, and strings): every bad pointer is
// EFAULT, including one byte past the last mapped byte.
static void test_badptr_in(void) {
  int fd = OK(open("badptr.tmp", O_CREATE | O_RDWR | O_TRUNC));
  char* top = aligned_break();
  OK(sbrk(PAGE));
  char* end = top + PAGE;  // one past the last mapped byte
  end[-1] = 'z';
  CHECK(write(fd, end - 1, 1) == 1, "writing the last mapped byte: %s", strerror(errno));
  FAILS(EFAULT, write(fd, end - 1, 2));
  FAILS(EFAULT, write(fd, end, 1));
  FAILS(EFAULT, write(fd, end - PAGE, PAGE + 1));
  FAILS(EFAULT, write(fd, 0, 1));
  FAILS(EFAULT, write(fd, (void*)0x1000, 10));  // the unmapped pages below the program
  FAILS(EFAULT, write(fd, (void*)KERNEL_ADDR, 10));
  FAILS(EFAULT, write(fd, (void*)TRAMPOLINE_ADDR, 10));
  FAILS(EFAULT, write(fd, (void*)TRAPFRAME_ADDR, 10));
  FAILS(EFAULT, write(fd, end + (16 << 20), 10));  // a hole far above the heap
  FAILS(EFAULT, write(fd, (void*)0xffffffffffffff00ul, 0x200));  // wraps around
  CHECK(file_size("badptr.tmp") == 1, "failed writes changed the file (size %lu)",
        (unsigned long)file_size("badptr.tmp"));
  close(fd);
  OK(unlink("badptr.tmp"));
  OK(sbrk(-PAGE));
}

// The kernel writes user memory (read, fstat, pipe, wait, memstat): bad
// pointers and read-only memory are EFAULT.
static void test_badptr_out(void) {
  char data[64];
  memset(data, 'd', sizeof data);
  int fd = create_file("badptr.tmp", data, sizeof data);
  char* top = aligned_break();
  OK(sbrk(PAGE));
  char* end = top + PAGE;
  close(fd);
  fd = OK(open("badptr.tmp", O_RDONLY));
  CHECK(read(fd, end - 1, 1) == 1, "reading into the last mapped byte: %s", strerror(errno));
  CHECK(end[-1] == 'd', "wrong byte read");
  FAILS(EFAULT, read(fd, end - 1, 2));
  FAILS(EFAULT, read(fd, end, 1));
  FAILS(EFAULT, read(fd, 0, 1));
  FAILS(EFAULT, read(fd, (void*)KERNEL_ADDR, 1));
  FAILS(EFAULT, read(fd, (void*)(uint64)&test_badptr_out, 1));  // read-only text
  FAILS(EFAULT, fstat(fd, (struct stat*)(end - 4)));
  FAILS(EFAULT, fstat(fd, 0));
  FAILS(EFAULT, fstat(fd, (struct stat*)KERNEL_ADDR));
  close(fd);
  FAILS(EFAULT, pipe((int*)(end - 4)));  // room for one descriptor only
  FAILS(EFAULT, pipe(0));
  FAILS(EFAULT, memstat((struct memstat*)(end - 8)));
  FAILS(EFAULT, memstat((struct memstat*)KERNEL_ADDR));
  // A failed pipe() must not leave descriptors behind.
  int fds[2];
  OK(pipe(fds));
  CHECK(fds[0] <= 4 && fds[1] <= 4, "pipe() leaked descriptors (got %d and %d)", fds[0], fds[1]);
  close(fds[0]);
  close(fds[1]);
  // wait with a bad status pointer.
  int pid = fork_or_fail();
  if (pid == 0) exit(3);
  FAILS(EFAULT, wait((int*)KERNEL_ADDR));
  int status = -1;
  int r = wait(&status);  // the child is still there to be reaped (or was, above)
  CHECK(r == pid || (r == -1 && errno == ECHILD), "wait after EFAULT: %d %s", r, errname(errno));
  OK(unlink("badptr.tmp"));
  OK(sbrk(-PAGE));
}

// Path arguments: bad pointers, and strings running off the end of memory.
static void test_badptr_path(void) {
  char* top = aligned_break();
  OK(sbrk(PAGE));
  char* end = top + PAGE;
  // "x" whose NUL is the last mapped byte is fine (and does not exist).
  end[-2] = 'x';
  end[-1] = '\0';
  FAILS(ENOENT, open(end - 2, O_RDONLY));
  // Without a NUL before the end of memory: EFAULT.
  end[-1] = 'y';
  FAILS(EFAULT, open(end - 2, O_RDONLY));
  FAILS(EFAULT, open(0, O_RDONLY));
  FAILS(EFAULT, open((char*)KERNEL_ADDR, O_RDONLY));
  FAILS(EFAULT, open((char*)0x1000, O_CREATE | O_RDWR));
  FAILS(EFAULT, mkdir(0));
  FAILS(EFAULT, chdir((char*)KERNEL_ADDR));
  FAILS(EFAULT, unlink(end));
  FAILS(EFAULT, link(0, "x"));
  FAILS(EFAULT, link("x", (char*)KERNEL_ADDR));
  FAILS(EFAULT, mknod(0, CONSOLE, 0));
  FAILS(EFAULT, exec(0, 0));
  FAILS(EFAULT, exec((char*)KERNEL_ADDR, 0));
  OK(sbrk(-PAGE));
}

// exec's argument vector: bad array pointers and bad string pointers.
static void test_badptr_argv(void) {
  char* top = aligned_break();
  OK(sbrk(PAGE));
  char* end = top + PAGE;
  FAILS(EFAULT, exec(ECHO, (char**)KERNEL_ADDR));
  FAILS(EFAULT, exec(ECHO, (char**)0x1000));
  // The array runs off the end of memory without a null entry.
  char** argv = (char**)(end - sizeof(char*));
  argv[0] = "echo";
  FAILS(EFAULT, exec(ECHO, argv));
  char* bad_string[] = {"echo", (char*)KERNEL_ADDR, 0};
  FAILS(EFAULT, exec(ECHO, bad_string));
  char* null_string[] = {"echo", (char*)0x1000, 0};
  FAILS(EFAULT, exec(ECHO, null_string));
  end[-1] = 'z';  // an argument without a NUL before the end of memory
  char* unterminated[] = {"echo", end - 1, 0};
  FAILS(EFAULT, exec(ECHO, unterminated));
  OK(sbrk(-PAGE));
}

// ===================================================================================
// File descriptors
// ===================================================================================

// Bad descriptors: -1, NOFILE, huge, closed, and the wrong direction.
static void test_baddesc(void) {
  char buf[8];
  struct stat st;
  int bad[] = {-1, NOFILE, NOFILE + 1, 1000000, -1000000};
  for (uint i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    FAILS(EBADF, read(bad[i], buf, 1));
    FAILS(EBADF, write(bad[i], buf, 1));
    FAILS(EBADF, close(bad[i]));
    FAILS(EBADF, fstat(bad[i], &st));
    FAILS(EBADF, dup(bad[i]));
  }
  int fd = OK(open("baddesc.tmp", O_CREATE | O_RDWR));
  close(fd);
  FAILS(EBADF, read(fd, buf, 1));
  FAILS(EBADF, write(fd, buf, 1));
  FAILS(EBADF, close(fd));
  FAILS(EBADF, fstat(fd, &st));
  FAILS(EBADF, dup(fd));
  fd = OK(open("baddesc.tmp", O_RDONLY));
  FAILS(EBADF, write(fd, "x", 1));
  close(fd);
  fd = OK(open("baddesc.tmp", O_WRONLY));
  FAILS(EBADF, read(fd, buf, 1));
  close(fd);
  // A negative count is refused.
  fd = OK(open("baddesc.tmp", O_RDWR));
  FAILS_ANY(write(fd, buf, -1));
  FAILS_ANY(read(fd, buf, -1));
  close(fd);
  OK(unlink("baddesc.tmp"));
}

// Filling the per-process file table: EMFILE from open, dup and pipe, and
// a failed pipe() leaves no descriptor behind.
static void test_emfile(void) {
  int open_before = 0;
  struct stat st;
  for (int i = 0; i < NOFILE; i++) open_before += fstat(i, &st) == 0;
  write_file("emfile.tmp", "x", 1);
  int fds[NOFILE];
  int n = 0;
  for (;;) {
    int fd = open("emfile.tmp", O_RDONLY);
    if (fd < 0) {
      CHECK(errno == EMFILE, "open failed with %s, expected EMFILE", errname(errno));
      break;
    }
    CHECK(n < NOFILE, "more than NOFILE descriptors");
    fds[n++] = fd;
  }
  CHECK(n + open_before == NOFILE, "opened %d files with %d open before; NOFILE is %d", n, open_before, NOFILE);
  FAILS(EMFILE, dup(0));
  int p[2];
  FAILS(EMFILE, pipe(p));
  close(fds[--n]);  // one slot free: pipe needs two
  FAILS(EMFILE, pipe(p));
  int again = OK(open("emfile.tmp", O_RDONLY));  // the slot is still free
  fds[n++] = again;
  for (int i = 0; i < n; i++) OK(close(fds[i]));
  OK(unlink("emfile.tmp"));
}

// dup shares the file offset; closing the original keeps the duplicate.
static void test_dup(void) {
  int fd = OK(open("dup.tmp", O_CREATE | O_RDWR | O_TRUNC));
  int fd2 = OK(dup(fd));
  CHECK(fd2 != fd, "dup returned the same descriptor");
  CHECK(write(fd, "ab", 2) == 2, "write");
  CHECK(write(fd2, "cd", 2) == 2, "write through dup");
  OK(close(fd));
  CHECK(write(fd2, "ef", 2) == 2, "write after closing the original");
  close(fd2);
  char buf[16];
  CHECK(read_file("dup.tmp", buf, sizeof buf) == 6 && strcmp(buf, "abcdef") == 0, "contents \"%s\"", buf);
  // dup returns the lowest free descriptor.
  fd = OK(open("dup.tmp", O_RDONLY));
  close(0);
  int low = OK(dup(fd));
  CHECK(low == 0, "dup returned %d, expected the lowest free descriptor 0", low);
  close(fd);
  close(low);
  OK(unlink("dup.tmp"));
}

// Descriptors are shared across fork, offsets included.
static void test_sharedfd(void) {
  int fd = OK(open("sharedfd.tmp", O_CREATE | O_RDWR | O_TRUNC));
  int pid = fork_or_fail();
  char buf[100];
  memset(buf, pid == 0 ? 'c' : 'p', sizeof buf);
  for (int i = 0; i < 100; i++) CHECK(write(fd, buf, sizeof buf) == sizeof buf, "write: %s", strerror(errno));
  if (pid == 0) exit(0);
  wait_ok(pid, "sharedfd child");
  close(fd);
  CHECK(file_size("sharedfd.tmp") == 2 * 100 * sizeof buf, "size %lu, expected %d",
        (unsigned long)file_size("sharedfd.tmp"), 2 * 100 * (int)sizeof buf);
  OK(unlink("sharedfd.tmp"));
}

// ===================================================================================
// Files and directories
// ===================================================================================

// open: missing files, O_CREATE, O_TRUNC, O_APPEND, directories.
static void test_open(void) {
  FAILS(ENOENT, open("nonexistent.tmp", O_RDONLY));
  FAILS(ENOENT, open("", O_RDONLY));
  FAILS(ENOENT, open("nodir.tmp/file", O_CREATE | O_RDWR));
  write_file("open.tmp", "hello", 5);
  // O_CREATE on an existing file keeps its contents.
  int fd = OK(open("open.tmp", O_CREATE | O_RDWR));
  close(fd);
  CHECK(file_size("open.tmp") == 5, "O_CREATE truncated the file");
  // O_TRUNC empties it.
  fd = OK(open("open.tmp", O_WRONLY | O_TRUNC));
  close(fd);
  CHECK(file_size("open.tmp") == 0, "O_TRUNC left %lu bytes", (unsigned long)file_size("open.tmp"));
  // O_APPEND writes at the end, wherever the offset is.
  write_file("open.tmp", "abc", 3);
  fd = OK(open("open.tmp", O_WRONLY | O_APPEND));
  CHECK(write(fd, "de", 2) == 2, "append");
  int fd2 = OK(open("open.tmp", O_WRONLY));
  CHECK(write(fd2, "XY", 2) == 2, "overwrite at 0");
  CHECK(write(fd, "f", 1) == 1, "append again");
  close(fd);
  close(fd2);
  char buf[16];
  read_file("open.tmp", buf, sizeof buf);
  CHECK(strcmp(buf, "XYcdef") == 0, "contents \"%s\", expected \"XYcdef\"", buf);
  // Directories open read-only only.
  FAILS(EISDIR, open(".", O_WRONLY));
  FAILS(EISDIR, open(".", O_RDWR));
  fd = OK(open(".", O_RDONLY));
  close(fd);
  FAILS(ENOTDIR, open("open.tmp/x", O_RDONLY));
  OK(unlink("open.tmp"));
}

// Reads and writes move the offset; reading at the end returns 0.
static void test_readwrite(void) {
  int fd = OK(open("rw.tmp", O_CREATE | O_RDWR | O_TRUNC));
  for (int i = 0; i < 100; i++) {
    char c = (char)i;
    CHECK(write(fd, &c, 1) == 1, "write %d", i);
  }
  close(fd);
  fd = OK(open("rw.tmp", O_RDONLY));
  char buf[64];
  CHECK(read(fd, buf, 30) == 30 && buf[29] == 29, "first read");
  CHECK(read(fd, buf, 64) == 64 && buf[0] == 30 && buf[63] == 93, "second read");
  CHECK(read(fd, buf, 64) == 6 && buf[5] == 99, "short read at the end");
  CHECK(read(fd, buf, 64) == 0, "read at the end did not return 0");
  CHECK(read(fd, buf, 0) == 0, "zero-byte read");
  close(fd);
  OK(unlink("rw.tmp"));
}

// fstat reports type, size, links and inode for files, directories, devices.
static void test_fstat(void) {
  int fd = create_file("fstat.tmp", "0123456789", 10);
  struct stat st;
  OK(fstat(fd, &st));
  CHECK(st.type == T_FILE, "type %d, expected T_FILE", st.type);
  CHECK(st.size == 10, "size %lu", (unsigned long)st.size);
  CHECK(st.nlink == 1, "nlink %d", st.nlink);
  CHECK(write(fd, "x", 1) == 1, "write");
  OK(fstat(fd, &st));
  CHECK(st.size == 11, "size after write %lu", (unsigned long)st.size);
  struct stat by_path;
  OK(stat("fstat.tmp", &by_path));
  CHECK(by_path.ino == st.ino && by_path.dev == st.dev, "stat and fstat disagree");
  close(fd);
  OK(stat(".", &st));
  CHECK(st.type == T_DIR, "'.' is type %d", st.type);
  OK(stat("/", &st));
  CHECK(st.type == T_DIR && st.ino == ROOTINO, "'/' type %d inode %u", st.type, st.ino);
  OK(stat("/dev/console", &st));
  CHECK(st.type == T_DEVICE, "/dev/console is type %d", st.type);
  FAILS(ENOENT, stat("nonexistent.tmp", &st));
  OK(unlink("fstat.tmp"));
}

// Paths longer than MAXPATH and names longer than DIRSIZ are refused; a
// name of exactly DIRSIZ characters works.
static void test_longnames(void) {
  char path[MAXPATH + 64];
  memset(path, 'a', sizeof path - 1);
  path[sizeof path - 1] = '\0';
  FAILS(ENAMETOOLONG, open(path, O_CREATE | O_RDWR));
  FAILS(ENAMETOOLONG, mkdir(path));
  FAILS(ENAMETOOLONG, chdir(path));
  FAILS(ENAMETOOLONG, unlink(path));
  char* argv[] = {"x", 0};
  FAILS(ENAMETOOLONG, exec(path, argv));
  // A path of MAXPATH characters (no room for its NUL) is too long.
  path[MAXPATH] = '\0';
  FAILS(ENAMETOOLONG, open(path, O_RDONLY));

  // Names fill at most DIRSIZ-1 bytes of the DIRSIZ-byte field, so they
  // stay NUL-terminated on disk.
  char name[DIRSIZ + 2];
  memset(name, 'n', DIRSIZ + 1);
  name[DIRSIZ + 1] = '\0';
  FAILS(ENAMETOOLONG, open(name, O_CREATE | O_RDWR));
  name[DIRSIZ] = '\0';  // DIRSIZ characters: one too many
  FAILS(ENAMETOOLONG, open(name, O_CREATE | O_RDWR));
  FAILS(ENAMETOOLONG, mkdir(name));
  name[DIRSIZ - 1] = '\0';  // the longest name
  int fd = OK(open(name, O_CREATE | O_RDWR));
  close(fd);
  fd = OK(open(name, O_RDONLY));
  close(fd);
  // The directory lists it with its full name.
  fd = OK(open(".", O_RDONLY));
  struct dirent de;
  int found = 0;
  while (read(fd, &de, sizeof de) == sizeof de) {
    if (de.inum != 0 && memcmp(de.name, name, DIRSIZ) == 0) found = 1;
  }
  close(fd);
  CHECK(found, "the %d-character name is not in the directory", DIRSIZ);
  OK(unlink(name));
}

// mkdir, chdir and unlink on directories: EEXIST, ENOENT, ENOTDIR,
// ENOTEMPTY, and "." / "..".
static void test_dirs(void) {
  OK(mkdir("dir.tmp"));
  FAILS(EEXIST, mkdir("dir.tmp"));
  FAILS(ENOENT, mkdir("nodir.tmp/sub"));
  write_file("dir.tmp/file", "f", 1);
  FAILS(ENOTDIR, mkdir("dir.tmp/file/sub"));
  FAILS(ENOTDIR, chdir("dir.tmp/file"));
  FAILS(ENOENT, chdir("nodir.tmp"));
  FAILS(ENOTEMPTY, unlink("dir.tmp"));
  OK(mkdir("dir.tmp/sub"));
  OK(chdir("dir.tmp/sub"));
  write_file("inner", "i", 1);
  OK(chdir("../.."));
  char buf[4];
  CHECK(read_file("dir.tmp/sub/inner", buf, sizeof buf) == 1, "file made after chdir is not there");
  FAILS(ENOTEMPTY, unlink("dir.tmp/sub"));
  OK(unlink("dir.tmp/sub/inner"));
  FAILS_ANY(unlink("dir.tmp/sub/."));
  FAILS_ANY(unlink("dir.tmp/sub/.."));
  FAILS_ANY(unlink("."));
  FAILS_ANY(unlink(".."));
  OK(unlink("dir.tmp/sub"));
  OK(unlink("dir.tmp/file"));
  OK(unlink("dir.tmp"));
  FAILS(ENOENT, unlink("dir.tmp"));
  FAILS(ENOENT, chdir("dir.tmp"));
  // ".." of the root is the root.
  struct stat root, up;
  OK(stat("/", &root));
  OK(stat("/..", &up));
  CHECK(root.ino == up.ino, "/.. is not /");
}

// Removing a process's (empty) working directory either fails with EBUSY or
// succeeds, and then nothing can be created in it.
static void test_rmcwd(void) {
  OK(mkdir("rmcwd.tmp"));
  int pid = fork_or_fail();
  if (pid == 0) {
    OK(chdir("rmcwd.tmp"));
    if (unlink("../rmcwd.tmp") == 0) {
      FAILS_ANY(open("x", O_CREATE | O_RDWR));
    } else {
      // Refusing to remove a working directory is also acceptable.
      CHECK(errno == EBUSY, "unlink of the working directory failed with %s", errname(errno));
      OK(chdir(".."));
      OK(unlink("rmcwd.tmp"));
    }
    exit(0);
  }
  wait_ok(pid, "rmcwd child");
  struct stat st;
  FAILS(ENOENT, stat("rmcwd.tmp", &st));
}

// link and unlink: link counts, EEXIST, ENOENT, no links to directories,
// and an unlinked file lives on while open.
static void test_links(void) {
  write_file("link.a", "hello", 5);
  OK(link("link.a", "link.b"));
  struct stat st;
  OK(stat("link.a", &st));
  CHECK(st.nlink == 2, "nlink %d after link, expected 2", st.nlink);
  FAILS(EEXIST, link("link.a", "link.b"));
  FAILS(ENOENT, link("nonexistent.tmp", "link.c"));
  FAILS(ENOENT, link("link.a", "nodir.tmp/link"));
  OK(mkdir("link.dir"));
  FAILS_ANY(link("link.dir", "link.dir2"));
  OK(unlink("link.dir"));
  OK(unlink("link.a"));
  char buf[8];
  CHECK(read_file("link.b", buf, sizeof buf) == 5 && strcmp(buf, "hello") == 0, "link.b lost its data");
  OK(stat("link.b", &st));
  CHECK(st.nlink == 1, "nlink %d after unlink, expected 1", st.nlink);
  // Unlinked while open: still readable through the descriptor.
  int fd = OK(open("link.b", O_RDONLY));
  OK(unlink("link.b"));
  FAILS(ENOENT, open("link.b", O_RDONLY));
  CHECK(read(fd, buf, 5) == 5 && memcmp(buf, "hello", 5) == 0, "an unlinked open file lost its data");
  close(fd);
}

// Files of several MiB: written, read back and checked, and removed.
static void test_bigfile(void) {
  static char buf[8192];
  const int chunks = 640;  // 5 MiB
  int fd = OK(open("big.tmp", O_CREATE | O_RDWR | O_TRUNC));
  for (int i = 0; i < chunks; i++) {
    for (int j = 0; j < (int)sizeof buf; j += 4) *(uint32*)(buf + j) = (uint32)(i * sizeof buf + j);
    int n = write(fd, buf, sizeof buf);
    CHECK(n == sizeof buf, "write chunk %d returned %d: %s", i, n, strerror(errno));
  }
  close(fd);
  CHECK(file_size("big.tmp") == (uint64)chunks * sizeof buf, "size %lu", (unsigned long)file_size("big.tmp"));
  fd = OK(open("big.tmp", O_RDONLY));
  for (int i = 0; i < chunks; i++) {
    int got = 0;
    while (got < (int)sizeof buf) {
      int n = read(fd, buf + got, sizeof buf - got);
      CHECK(n > 0, "read chunk %d: %d %s", i, n, strerror(errno));
      got += n;
    }
    for (int j = 0; j < (int)sizeof buf; j += 4) {
      CHECK(*(uint32*)(buf + j) == (uint32)(i * sizeof buf + j), "wrong data at offset %d", (int)(i * sizeof buf + j));
    }
  }
  CHECK(read(fd, buf, 1) == 0, "data past the end");
  close(fd);
  OK(unlink("big.tmp"));
}

// Writes of many sizes, including ones that are not block multiples.
static void test_writesizes(void) {
  static char buf[3 * 4096 + 17];
  for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)(i * 7);
  int sizes[] = {1, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, (int)sizeof buf};
  for (uint k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    write_file("sizes.tmp", buf, sizes[k]);
    CHECK(file_size("sizes.tmp") == (uint64)sizes[k], "size %lu after writing %d",
          (unsigned long)file_size("sizes.tmp"), sizes[k]);
    static char back[sizeof buf + 1];
    CHECK(read_file("sizes.tmp", back, sizeof back) == sizes[k], "read back %d", sizes[k]);
    CHECK(memcmp(back, buf, sizes[k]) == 0, "data differs for size %d", sizes[k]);
  }
  OK(unlink("sizes.tmp"));
}

// Writing until the disk is full fails with ENOSPC; deleting the files gives
// the space back.
static void test_diskfull(void) {
  // 96 KiB per call: one log transaction each, so filling the disk takes
  // a few hundred commits rather than thousands.
  static char buf[96 * 1024];
  memset(buf, 'D', sizeof buf);
  long total = 0;
  int files = 0;
  int full = 0;
  while (!full) {
    char name[32];
    snprintf(name, sizeof name, "full%d.tmp", files);
    int fd = open(name, O_CREATE | O_WRONLY | O_TRUNC);
    if (fd < 0) {
      CHECK(errno == ENOSPC, "creating %s failed with %s", name, errname(errno));
      break;
    }
    files++;
    for (;;) {
      int n = write(fd, buf, sizeof buf);
      if (n > 0) total += n;
      if (n == sizeof buf) continue;
      if (n > 0) continue;  // a partial write: the next one fails
      if (n == 0) {
        full = 1;
        break;
      }
      if (errno == EFBIG) break;  // this file is at the size limit: start another
      CHECK(errno == ENOSPC, "write failed with %s, expected ENOSPC", errname(errno));
      full = 1;
      break;
    }
    close(fd);
    CHECK(files < 100000, "no ENOSPC after %d files", files);
  }
  CHECK(total > 0, "could write nothing");
  for (int i = 0; i < files; i++) {
    char name[32];
    snprintf(name, sizeof name, "full%d.tmp", i);
    OK(unlink(name));
  }
  // The space is back: most of the same amount fits again (metadata blocks
  // may be laid out differently, hence the margin).
  long again = 0;
  int fd = OK(open("full.tmp", O_CREATE | O_WRONLY | O_TRUNC));
  while (again < total * 9 / 10) {
    int n = write(fd, buf, sizeof buf);
    if (n < 0 && errno == EFBIG) {
      close(fd);
      OK(unlink("full.tmp"));
      fd = -1;
      break;  // one file cannot hold it; the first pass proved the point
    }
    CHECK(n == sizeof buf, "after deleting, wrote only %ld of %ld bytes: %s", again, total, strerror(errno));
    again += n;
  }
  if (fd >= 0) {
    close(fd);
    OK(unlink("full.tmp"));
  }
}

// Several processes create and delete files with the same names at once;
// the file system stays consistent.
static void test_concreate(void) {
  const int procs = 4, files = 40;
  for (int p = 0; p < procs; p++) {
    int pid = fork_or_fail();
    if (pid == 0) {
      for (int i = 0; i < files; i++) {
        char name[16];
        snprintf(name, sizeof name, "cc%d.tmp", (i + p * 7) % files);
        if ((i + p) % 3 == 0) {
          unlink(name);  // may or may not exist
        } else {
          int fd = open(name, O_CREATE | O_RDWR);
          CHECK(fd >= 0, "proc %d create %s: %s", p, name, strerror(errno));
          CHECK(write(fd, "c", 1) == 1, "write %s", name);
          close(fd);
        }
      }
      exit(0);
    }
  }
  for (int p = 0; p < procs; p++) {
    int status;
    CHECK(wait(&status) > 0, "wait: %s", strerror(errno));
    if (status == STATUS_REPORTED) exit(STATUS_REPORTED);
    CHECK(status == 0, "a creator exited with %d", status);
  }
  // Every name is either absent or a proper file; remove them all.
  for (int i = 0; i < files; i++) {
    char name[16];
    snprintf(name, sizeof name, "cc%d.tmp", i);
    struct stat st;
    if (stat(name, &st) == 0) {
      CHECK(st.type == T_FILE && st.nlink == 1, "%s: type %d nlink %d", name, st.type, st.nlink);
      OK(unlink(name));
    } else {
      CHECK(errno == ENOENT, "stat %s: %s", name, strerror(errno));
    }
  }
  // The directory holds no stale entries for them.
  int fd = OK(open(".", O_RDONLY));
  struct dirent de;
  while (read(fd, &de, sizeof de) == sizeof de) {
    CHECK(de.inum == 0 || strncmp(de.name, "cc", 2) != 0, "stale entry %.*s", DIRSIZ, de.name);
  }
  close(fd);
}

// Four processes each write their own file at the same time.
static void test_fourfiles(void) {
  static char buf[2048];
  for (int p = 0; p < 4; p++) {
    int pid = fork_or_fail();
    if (pid == 0) {
      char name[16];
      snprintf(name, sizeof name, "four%d.tmp", p);
      memset(buf, '0' + p, sizeof buf);
      int fd = OK(open(name, O_CREATE | O_RDWR | O_TRUNC));
      for (int i = 0; i < 24; i++) CHECK(write(fd, buf, sizeof buf) == sizeof buf, "write %s", name);
      close(fd);
      exit(0);
    }
  }
  for (int p = 0; p < 4; p++) {
    int status;
    CHECK(wait(&status) > 0, "wait");
    if (status == STATUS_REPORTED) exit(STATUS_REPORTED);
    CHECK(status == 0, "a writer exited with %d", status);
  }
  for (int p = 0; p < 4; p++) {
    char name[16];
    snprintf(name, sizeof name, "four%d.tmp", p);
    int fd = OK(open(name, O_RDONLY));
    int total = 0, n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
      for (int i = 0; i < n; i++) CHECK(buf[i] == '0' + p, "%s has a byte of another file", name);
      total += n;
    }
    close(fd);
    CHECK(total == 24 * (int)sizeof buf, "%s has %d bytes", name, total);
    OK(unlink(name));
  }
}

// Directories made and entered repeatedly keep their inode references right.
static void test_iref(void) {
  for (int i = 0; i < 30; i++) {
    OK(mkdir("iref.tmp"));
    OK(chdir("iref.tmp"));
    write_file("f", "x", 1);
    OK(link("f", "g"));
    OK(unlink("f"));
    OK(unlink("g"));
    OK(chdir(".."));
    OK(unlink("iref.tmp"));
  }
}

// The console device: /dev/console opens and takes writes; mknod makes a
// device node that behaves like it.
static void test_console(void) {
  int fd = OK(open("/dev/console", O_RDWR));
  struct stat st;
  OK(fstat(fd, &st));
  CHECK(st.type == T_DEVICE, "type %d", st.type);
  CHECK(write(fd, "", 0) == 0, "empty write");
  close(fd);
  OK(mknod("console.tmp", CONSOLE, 0));
  FAILS(EEXIST, mknod("console.tmp", CONSOLE, 0));
  fd = OK(open("console.tmp", O_WRONLY));
  OK(fstat(fd, &st));
  CHECK(st.type == T_DEVICE, "mknod made type %d", st.type);
  close(fd);
  OK(unlink("console.tmp"));
  // A node for a device that does not exist cannot be used.
  OK(mknod("nodev.tmp", 99, 0));
  fd = open("nodev.tmp", O_RDWR);
  if (fd >= 0) {
    char c;
    FAILS_ANY(read(fd, &c, 1));
    close(fd);
  }
  OK(unlink("nodev.tmp"));
}

// ===================================================================================
// Durability: fsync, fdatasync, sync, posix_fadvise
// ===================================================================================

// The descriptors fsync and fdatasync refuse: pipes and devices have
// nothing to sync (EINVAL), bad descriptors are EBADF.
static void test_fsync_bad(void) {
  int fds[2];
  OK(pipe(fds));
  for (int i = 0; i < 2; i++) {
    FAILS(EINVAL, fsync(fds[i]));
    FAILS(EINVAL, fdatasync(fds[i]));
  }
  close(fds[0]);
  close(fds[1]);
  int con = OK(open("/dev/console", O_RDWR));
  FAILS(EINVAL, fsync(con));
  FAILS(EINVAL, fdatasync(con));
  close(con);
  // Standard output, when it is the console (it may be redirected).
  struct stat st;
  if (fstat(1, &st) == 0 && st.type == T_DEVICE) FAILS(EINVAL, fsync(1));
  FAILS(EBADF, fsync(-1));
  FAILS(EBADF, fdatasync(-1));
  FAILS(EBADF, fsync(99));
  FAILS(EBADF, fdatasync(99));
  FAILS(EBADF, fsync(NOFILE));
  // A descriptor just closed.
  FAILS(EBADF, fsync(con));
  FAILS(EBADF, fdatasync(con));
}

// fsync and fdatasync on a file succeed, after writes and with none, and
// the data reads back; a read-only descriptor and a directory may be
// synced too (as on Linux).
static void test_fsync(void) {
  static char data[3 * PAGE + 100];
  for (int i = 0; i < (int)sizeof data; i++) data[i] = (char)('a' + i % 26);
  int fd = create_file("fsync.tmp", data, sizeof data);
  OK(fsync(fd));
  OK(fsync(fd));  // nothing new: still fine
  OK(write(fd, "tail", 4));
  OK(fdatasync(fd));
  // Overwrite in place (size unchanged) and sync the data only.
  OK(close(fd));
  fd = OK(open("fsync.tmp", O_RDWR));
  OK(write(fd, "HEAD", 4));
  OK(fdatasync(fd));
  OK(fsync(fd));
  close(fd);
  static char back[sizeof data + 16];
  int n = read_file("fsync.tmp", back, sizeof back);
  CHECK(n == (int)sizeof data + 4, "read back %d bytes, expected %d", n, (int)sizeof data + 4);
  CHECK(memcmp(back, "HEAD", 4) == 0, "the overwritten head did not read back");
  CHECK(memcmp(back + 4, data + 4, sizeof data - 4) == 0, "the data did not read back");
  CHECK(memcmp(back + sizeof data, "tail", 4) == 0, "the appended tail did not read back");
  fd = OK(open("fsync.tmp", O_RDONLY));
  OK(fsync(fd));
  OK(fdatasync(fd));
  close(fd);
  fd = OK(open(".", O_RDONLY));
  OK(fsync(fd));
  close(fd);
  OK(unlink("fsync.tmp"));
}

// sync() always succeeds, with and without anything to write; written
// data reads back after it.
static void test_sync(void) {
  CHECK(sync() == 0, "sync: %s", strerror(errno));
  write_file("sync.tmp", "synced data", 11);
  CHECK(sync() == 0, "sync: %s", strerror(errno));
  CHECK(sync() == 0, "sync again: %s", strerror(errno));
  char back[32];
  int n = read_file("sync.tmp", back, sizeof back);
  CHECK(n == 11 && memcmp(back, "synced data", 11) == 0, "read back %d bytes: %s", n, back);
  OK(unlink("sync.tmp"));
  CHECK(sync() == 0, "sync after unlink: %s", strerror(errno));
}

// posix_fadvise: a pipe is ESPIPE, unknown advice and negative ranges are
// EINVAL, bad descriptors EBADF; every known advice is accepted on a file,
// and DONTNEED leaves the file's contents as they were.
static void test_fadvise(void) {
  int fds[2];
  OK(pipe(fds));
  FAILS(ESPIPE, posix_fadvise(fds[0], 0, 0, POSIX_FADV_DONTNEED));
  FAILS(ESPIPE, posix_fadvise(fds[1], 0, 0, POSIX_FADV_NORMAL));
  close(fds[0]);
  close(fds[1]);
  FAILS(EBADF, posix_fadvise(-1, 0, 0, POSIX_FADV_NORMAL));
  FAILS(EBADF, posix_fadvise(99, 0, 0, POSIX_FADV_NORMAL));
  FAILS(EBADF, posix_fadvise(fds[0], 0, 0, POSIX_FADV_NORMAL));  // closed

  static char data[5 * PAGE + 123];
  for (int i = 0; i < (int)sizeof data; i++) data[i] = (char)(i * 7 + i / PAGE);
  int fd = create_file("fadvise.tmp", data, sizeof data);
  FAILS(EINVAL, posix_fadvise(fd, 0, 0, 99));
  FAILS(EINVAL, posix_fadvise(fd, 0, 0, -1));
  FAILS(EINVAL, posix_fadvise(fd, 0, 0, POSIX_FADV_NOREUSE + 1));
  FAILS(EINVAL, posix_fadvise(fd, -1, 0, POSIX_FADV_DONTNEED));
  FAILS(EINVAL, posix_fadvise(fd, 0, -1, POSIX_FADV_DONTNEED));
  FAILS(EINVAL, posix_fadvise(fd, -PAGE, PAGE, POSIX_FADV_NORMAL));
  for (int advice = POSIX_FADV_NORMAL; advice <= POSIX_FADV_NOREUSE; advice++)
    CHECK(posix_fadvise(fd, 0, 0, advice) == 0, "advice %d: %s", advice, strerror(errno));
  // DONTNEED over all of it (len 0: to the end), part of it, and past the
  // end, right after writing (the pages may still be dirty).
  OK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
  OK(posix_fadvise(fd, PAGE, 2 * PAGE, POSIX_FADV_DONTNEED));
  OK(posix_fadvise(fd, 100 * PAGE, PAGE, POSIX_FADV_DONTNEED));
  close(fd);
  static char back[sizeof data + 16];
  int n = read_file("fadvise.tmp", back, sizeof back);
  CHECK(n == (int)sizeof data, "read back %d bytes after DONTNEED, expected %d", n, (int)sizeof data);
  CHECK(memcmp(back, data, sizeof data) == 0, "DONTNEED changed the file's data");
  // Dropped pages come back from the disk; a second drop after reading
  // them changes nothing either.
  fd = OK(open("fadvise.tmp", O_RDONLY));
  OK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
  close(fd);
  n = read_file("fadvise.tmp", back, sizeof back);
  CHECK(n == (int)sizeof data && memcmp(back, data, sizeof data) == 0, "the data changed after a second DONTNEED");
  OK(unlink("fadvise.tmp"));
}

// ===================================================================================
// Pipes
// ===================================================================================

// Data goes through in order; read returns 0 once every writer has closed.
static void test_pipe(void) {
  int fds[2];
  OK(pipe(fds));
  int pid = fork_or_fail();
  if (pid == 0) {
    close(fds[0]);
    char buf[100];
    for (int i = 0; i < 50; i++) {
      for (int j = 0; j < (int)sizeof buf; j++) buf[j] = (char)(i + j);
      CHECK(write(fds[1], buf, sizeof buf) == sizeof buf, "pipe write: %s", strerror(errno));
    }
    exit(0);
  }
  close(fds[1]);
  char buf[37];
  int total = 0, n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) {
    for (int k = 0; k < n; k++) {
      int i = (total + k) / 100, j = (total + k) % 100;
      CHECK(buf[k] == (char)(i + j), "wrong byte at %d", total + k);
    }
    total += n;
  }
  CHECK(n == 0, "read: %s", strerror(errno));
  CHECK(total == 5000, "got %d bytes, expected 5000", total);
  close(fds[0]);
  wait_ok(pid, "pipe writer");
}

// Writing to a pipe nobody reads fails with EPIPE (and does not kill).
static void test_pipe_epipe(void) {
  int fds[2];
  OK(pipe(fds));
  close(fds[0]);
  FAILS(EPIPE, write(fds[1], "x", 1));
  close(fds[1]);
  // Also when the reader goes away while the writer is blocked on a full pipe.
  OK(pipe(fds));
  int pid = fork_or_fail();
  if (pid == 0) {
    close(fds[1]);
    char c;
    CHECK(read(fds[0], &c, 1) == 1, "reader");
    exit(0);  // closes the read end with the pipe still full
  }
  close(fds[0]);
  static char buf[4096];
  int n;
  long written = 0;
  while ((n = write(fds[1], buf, sizeof buf)) > 0) {
    written += n;
    CHECK(written < (64l << 20), "64 MiB into a pipe whose reader left");
  }
  CHECK(n == -1 && errno == EPIPE, "write returned %d, %s", n, errname(errno));
  close(fds[1]);
  wait_ok(pid, "pipe reader");
}

// A chain of processes passes data along pipes.
static void test_pipe_deep(void) {
  const int depth = 12;
  int in[2];
  OK(pipe(in));
  int first_write = in[1];
  int read_end = in[0];
  for (int i = 0; i < depth; i++) {
    int next[2];
    OK(pipe(next));
    int pid = fork_or_fail();
    if (pid == 0) {
      close(first_write);
      close(next[0]);
      char buf[64];
      int n;
      while ((n = read(read_end, buf, sizeof buf)) > 0) {
        for (int k = 0; k < n; k++) buf[k]++;
        CHECK(write(next[1], buf, n) == n, "stage %d write", i);
      }
      exit(0);
    }
    close(read_end);
    close(next[1]);
    read_end = next[0];
  }
  char msg[1000];
  for (int i = 0; i < (int)sizeof msg; i++) msg[i] = (char)(i % 50);
  CHECK(write(first_write, msg, sizeof msg) == sizeof msg, "write into the chain");
  close(first_write);
  char got[1000];
  int total = 0, n;
  while ((n = read(read_end, got + total, sizeof got - total)) > 0) total += n;
  close(read_end);
  CHECK(total == (int)sizeof msg, "got %d bytes out of the chain", total);
  for (int i = 0; i < total; i++) CHECK(got[i] == (char)(i % 50 + depth), "byte %d wrong", i);
  for (int i = 0; i < depth; i++) {
    int status;
    CHECK(wait(&status) > 0, "wait for stage");
    if (status == STATUS_REPORTED) exit(STATUS_REPORTED);
    CHECK(status == 0, "a stage exited with %d", status);
  }
}

// Lots of data through one pipe, read in odd-sized pieces.
static void test_pipe_big(void) {
  int fds[2];
  OK(pipe(fds));
  const long size = 2l << 20;
  int pid = fork_or_fail();
  if (pid == 0) {
    close(fds[0]);
    static char buf[3001];
    long sent = 0;
    while (sent < size) {
      int n = size - sent < (long)sizeof buf ? (int)(size - sent) : (int)sizeof buf;
      for (int k = 0; k < n; k++) buf[k] = (char)((sent + k) * 13);
      CHECK(write(fds[1], buf, n) == n, "write at %ld: %s", sent, strerror(errno));
      sent += n;
    }
    exit(0);
  }
  close(fds[1]);
  static char buf[777];
  long got = 0;
  int n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) {
    for (int k = 0; k < n; k++) CHECK(buf[k] == (char)((got + k) * 13), "wrong byte at %ld", got + k);
    got += n;
  }
  close(fds[0]);
  CHECK(got == size, "got %ld bytes, expected %ld", got, size);
  wait_ok(pid, "pipe writer");
}

// ===================================================================================
// Processes
// ===================================================================================

// fork/exit/wait: exit statuses arrive, every child is reaped, then ECHILD.
static void test_forkwait(void) {
  for (int round = 0; round < 100; round++) {
    int pid = fork_or_fail();
    if (pid == 0) exit(round % 7 == 0 ? -round : round);
    int status = -12345;
    int r = wait(&status);
    CHECK(r == pid, "wait returned %d, expected %d", r, pid);
    int expected = round % 7 == 0 ? -round : round;
    CHECK(status == expected, "status %d, expected %d", status, expected);
  }
  // Many children at once, reaped in any order; wait(0) is allowed.
  int pids[20];
  for (int i = 0; i < 20; i++) {
    pids[i] = fork_or_fail();
    if (pids[i] == 0) {
      pause(i % 3);
      exit(0);
    }
  }
  for (int i = 0; i < 20; i++) {
    int r = wait(0);
    int known = 0;
    for (int j = 0; j < 20; j++) known |= pids[j] == r;
    CHECK(known, "wait returned %d, not a child", r);
  }
  FAILS(ECHILD, wait(0));
}

// Forking until the process table is full fails cleanly with -1; every
// child is then reaped.
static void test_forkfail(void) {
  int gate[2];
  OK(pipe(gate));
  int children = 0;
  for (;;) {
    int pid = fork();
    if (pid < 0) {
      CHECK(errno == EAGAIN || errno == ENOMEM, "fork failed with %s", errname(errno));
      break;
    }
    if (pid == 0) {
      // Wait for the parent to close the gate, then leave.
      close(gate[1]);
      char c;
      read(gate[0], &c, 1);
      exit(0);
    }
    children++;
    CHECK(children < 10000, "10000 processes and fork has not failed");
  }
  CHECK(children > 0, "fork failed at once");
  close(gate[1]);
  close(gate[0]);
  for (int i = 0; i < children; i++) {
    int status;
    CHECK(wait(&status) > 0, "wait for child %d of %d: %s", i, children, strerror(errno));
    CHECK(status == 0, "a child exited with %d", status);
  }
  FAILS(ECHILD, wait(0));
  // And fork works again.
  int pid = fork_or_fail();
  if (pid == 0) exit(0);
  wait_ok(pid, "fork after exhaustion");
}

// getpid and getppid agree across fork.
static void test_getpid(void) {
  int me = getpid();
  CHECK(me > 0, "getpid %d", me);
  int fds[2];
  OK(pipe(fds));
  int pid = fork_or_fail();
  if (pid == 0) {
    int ids[2] = {getpid(), getppid()};
    write(fds[1], ids, sizeof ids);
    exit(0);
  }
  int ids[2];
  CHECK(read(fds[0], ids, sizeof ids) == sizeof ids, "read ids");
  close(fds[0]);
  close(fds[1]);
  wait_ok(pid, "getpid child");
  CHECK(ids[0] == pid, "child's getpid %d, fork said %d", ids[0], pid);
  CHECK(ids[1] == me, "child's getppid %d, parent is %d", ids[1], me);
}

// An orphan is adopted (by init) and the parent does not wait for it.
static void test_reparent(void) {
  int fds[2];
  OK(pipe(fds));
  int pid = fork_or_fail();
  if (pid == 0) {
    int grandchild = fork();
    if (grandchild == 0) {
      close(fds[1]);
      char c;
      read(fds[0], &c, 1);  // outlive the parent
      exit(0);
    }
    exit(grandchild > 0 ? 0 : 1);
  }
  wait_ok(pid, "reparent child");
  FAILS(ECHILD, wait(0));  // the grandchild is not ours
  close(fds[0]);
  close(fds[1]);  // lets the grandchild finish, and init reap it
  pause(10);
}

// kill ends a looping, a sleeping and a blocked process; ESRCH otherwise.
static void test_kill(void) {
  int pids[3];
  int fds[2];
  OK(pipe(fds));
  pids[0] = fork_or_fail();
  if (pids[0] == 0) {
    for (;;) {
    }
  }
  pids[1] = fork_or_fail();
  if (pids[1] == 0) {
    pause(1000000);
    exit(0);
  }
  pids[2] = fork_or_fail();
  if (pids[2] == 0) {
    char c;
    read(fds[0], &c, 1);  // nobody writes
    exit(0);
  }
  pause(2);
  int start = uptime();
  for (int i = 0; i < 3; i++) OK(kill(pids[i]));
  for (int i = 0; i < 3; i++) {
    int status = 0;
    int r = wait(&status);
    CHECK(r > 0, "wait after kill: %s", strerror(errno));
    CHECK(status != 0 || r != pids[1], "the sleeper finished normally");
  }
  CHECK(uptime() - start < 500, "kill took %d ticks", uptime() - start);
  close(fds[0]);
  close(fds[1]);
  FAILS(ESRCH, kill(999999));
}

// Nobody can kill init (pid 1): the call fails with EPERM and the system
// goes on (init exiting used to panic the kernel).
static void test_killinit(void) {
  FAILS(EPERM, kill(1));
  // init still reaps orphans: a grandchild whose parent is gone is collected.
  int pid = fork_or_fail();
  if (pid == 0) {
    if (fork() == 0) exit(0);
    exit(0);
  }
  wait_ok(pid, "orphan maker");
  pause(2);
  FAILS(EPERM, kill(1));
}

// The kernel's "flush" thread is pid 2 (started right after the root is
// mounted): it cannot be killed, and it is nobody's child.
static void test_killkthread(void) {
  FAILS(EPERM, kill(2));
  FAILS(EPERM, kill(2));  // still there: not ESRCH
  // It is not this process's child, nor its children's.
  int pid = fork_or_fail();
  if (pid == 0) {
    FAILS(ECHILD, wait(0));
    FAILS(EPERM, kill(2));
    exit(0);
  }
  wait_ok(pid, "kill 2 from a child");
}

// pause sleeps at least the given ticks; uptime advances.
static void test_pause(void) {
  int t0 = OK(uptime());
  OK(pause(10));
  int t1 = OK(uptime());
  CHECK(t1 - t0 >= 9, "pause(10) took %d ticks", t1 - t0);
  OK(pause(0));
  OK(sleep(1));
}

// exec runs a program with its arguments and keeps open descriptors.
static void test_exec(void) {
  int pid = fork_or_fail();
  if (pid == 0) {
    close(1);
    int fd = open("exec.tmp", O_CREATE | O_WRONLY | O_TRUNC);
    if (fd != 1) exit(2);
    char* argv[] = {"echo", "hello", "exec", 0};
    exec(ECHO, argv);
    exit(3);
  }
  wait_ok(pid, "exec child");
  char buf[32];
  read_file("exec.tmp", buf, sizeof buf);
  CHECK(strcmp(buf, "hello exec\n") == 0, "echo printed \"%s\"", buf);
  // The most arguments exec must take (MAXARG - 1 plus the null).
  pid = fork_or_fail();
  if (pid == 0) {
    close(1);
    if (open("exec.tmp", O_CREATE | O_WRONLY | O_TRUNC) != 1) exit(2);
    static char words[MAXARG][40];
    char* argv[MAXARG];
    argv[0] = "echo";
    for (int i = 1; i < MAXARG - 1; i++) {
      memset(words[i], 'a' + i % 26, 39);
      argv[i] = words[i];
    }
    argv[MAXARG - 1] = 0;
    exec(ECHO, argv);
    exit(3);
  }
  wait_ok(pid, "exec with many arguments");
  CHECK(file_size("exec.tmp") == (uint64)(MAXARG - 2) * 40, "output of %lu bytes", (unsigned long)file_size("exec.tmp"));
  OK(unlink("exec.tmp"));
}

// execve passes the environment: the program sees envp (printenv shows
// it); exec passes environ, like POSIX execv; xv6's exec (sys_exec) passes
// none. Too many or too big environment strings are E2BIG (arguments and
// environment share one 64 KiB budget); bad pointers are EFAULT.
static void test_execve(void) {
  static const char* const kOut = "execve.tmp";
  static char out[128];
  for (int variant = 0; variant < 3; variant++) {
    int pid = fork_or_fail();
    if (pid == 0) {
      close(1);
      if (open(kOut, O_CREATE | O_WRONLY | O_TRUNC) != 1) exit(2);
      char* argv[] = {"printenv", "A", "B", "RIVET_T", 0};
      char* envp[] = {"A=1", "B=two words", 0};
      if (variant == 0) execve(PRINTENV, argv, envp);
      if (setenv("RIVET_T", "inherited", 1) < 0) exit(4);
      if (variant == 1) exec(PRINTENV, argv);
      char* all[] = {"printenv", 0};
      sys_exec(PRINTENV, all);
      exit(3);
    }
    int status = 0;
    CHECK(wait(&status) == pid, "wait");
    read_file(kOut, out, sizeof out);
    static const char* const kWanted[] = {"1\ntwo words\n", "inherited\n", ""};
    static const int kStatus[] = {1, 1, 0};  // printenv: 1 when a NAME is unset
    CHECK(strcmp(out, kWanted[variant]) == 0 && status == kStatus[variant], "variant %d: status %d, printed \"%s\"",
          variant, status, out);
  }
  OK(unlink(kOut));
  char* argv[] = {"printenv", 0};
  // MAXENV strings are fine, one more is not.
  static char* many[MAXENV + 2];
  for (int i = 0; i < MAXENV + 1; i++) many[i] = "X=1";
  many[MAXENV + 1] = 0;
  FAILS(E2BIG, execve(PRINTENV, argv, many));
  // Two 40 KiB strings: each fits, together they exceed the budget.
  static char big[40 * 1024];
  memset(big, 'v', sizeof big - 1);
  big[0] = 'B';
  big[1] = '=';
  char* huge[] = {big, big, 0};
  FAILS(E2BIG, execve(PRINTENV, argv, huge));
  char* big_arg[] = {"printenv", big, 0};
  char* one[] = {big, 0};
  FAILS(E2BIG, execve(PRINTENV, big_arg, one));
  FAILS(EFAULT, execve(PRINTENV, argv, (char**)KERNEL_ADDR));
  char* bad[] = {"A=1", (char*)0x1000, 0};
  FAILS(EFAULT, execve(PRINTENV, argv, bad));
  CHECK(getpid() > 0, "process damaged by failed execs");
}

// exec fails cleanly (and the caller carries on) for missing files,
// directories, garbage, truncated executables and too many arguments.
static void test_execbad(void) {
  char* argv[] = {"x", 0};
  FAILS(ENOENT, exec("nonexistent.tmp", argv));
  FAILS_ANY(exec(".", argv));
  // Garbage.
  static char junk[4096];
  uint64 state = 12345;
  for (int i = 0; i < (int)sizeof junk; i++) {
    state = state * 6364136223846793005ull + 1;
    junk[i] = (char)(state >> 56);
  }
  write_file("junk.tmp", junk, sizeof junk);
  FAILS(ENOEXEC, exec("junk.tmp", argv));
  write_file("empty.tmp", "", 0);
  FAILS(ENOEXEC, exec("empty.tmp", argv));
  write_file("magic.tmp", "\177ELF\2\1\1", 7);
  FAILS(ENOEXEC, exec("magic.tmp", argv));
  write_file("script.tmp", "#!/bin/sh\necho hi\n", 18);
  FAILS(ENOEXEC, exec("script.tmp", argv));
  // A real executable cut short: headers intact, segments missing.
  static char head[2048];
  int fd = OK(open(ECHO, O_RDONLY));
  int n = read(fd, head, sizeof head);
  close(fd);
  CHECK(n == sizeof head, "reading %s", ECHO);
  write_file("trunc.tmp", head, sizeof head);
  FAILS(ENOEXEC, exec("trunc.tmp", argv));
  // Too many arguments.
  char* many[MAXARG + 2];
  for (int i = 0; i < MAXARG + 1; i++) many[i] = "arg";
  many[MAXARG + 1] = 0;
  FAILS(E2BIG, exec(ECHO, many));
  // Still alive and intact after all that.
  CHECK(getpid() > 0, "process damaged by failed execs");
  OK(unlink("junk.tmp"));
  OK(unlink("empty.tmp"));
  OK(unlink("magic.tmp"));
  OK(unlink("script.tmp"));
  OK(unlink("trunc.tmp"));
}

// Process groups: setpgrp succeeds; tcsetpgrp checks its descriptor.
static void test_pgrp(void) {
  int pid = fork_or_fail();
  if (pid == 0) {
    OK(setpgrp());
    OK(setpgrp());  // already the leader: still fine
    exit(0);
  }
  wait_ok(pid, "setpgrp child");
  FAILS(EBADF, tcsetpgrp(-1, getpid()));
  FAILS(EBADF, tcsetpgrp(NOFILE, getpid()));
  int fd = create_file("pgrp.tmp", "", 0);
  FAILS(ENOTTY, tcsetpgrp(fd, getpid()));
  close(fd);
  int fds[2];
  OK(pipe(fds));
  FAILS(ENOTTY, tcsetpgrp(fds[0], getpid()));
  close(fds[0]);
  close(fds[1]);
  OK(unlink("pgrp.tmp"));
}

// Unknown system-call numbers fail with ENOSYS and do not kill.
static void test_badsyscall(void) {
  long numbers[] = {0, RIVET_SYSCALL_MAX + 1, 1000, -1};
  for (uint i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
    register long a0 __asm__("a0") = 0;
    register long a1 __asm__("a1") = 0;
    register long a7 __asm__("a7") = numbers[i];
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a7) : "memory");
    CHECK(a0 == -1 && a1 == ENOSYS, "system call %ld returned %ld, error %ld", numbers[i], a0, a1);
  }
}

// A program issuing unknown system calls in a loop gets ENOSYS each time but
// cannot flood the console: the kernel logs a few lines a second (the host
// harness counts them).
static void test_badsyscall_flood(void) {
  for (int i = 0; i < 2000; i++) {
    register long a0 __asm__("a0") = 0;
    register long a1 __asm__("a1") = 0;
    register long a7 __asm__("a7") = 1000 + i;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a7) : "memory");
    CHECK(a0 == -1 && a1 == ENOSYS, "system call %d returned %ld, error %ld", 1000 + i, a0, a1);
  }
}

// ===================================================================================
// The runner
// ===================================================================================

// Floating point is per process: several processes accumulate different
// values in FP registers while they are preempted, sleep and migrate between
// harts; each must end with its own exact sum (all values are exact binary
// fractions, so any cross-talk shows).
static void test_fpu(void) {
  enum { KIDS = 4, ROUNDS = 300000 };
  for (int k = 0; k < KIDS; k++) {
    int pid = fork();
    if (pid < 0) fail("fork: %s", strerror(errno));
    if (pid == 0) {
      volatile double step = (k + 1.5) * 0.5;
      double acc = 0;
      for (int i = 0; i < ROUNDS; i++) {
        acc += step;
        if (i % 100000 == 0) pause(1);
      }
      exit(acc == ROUNDS * ((k + 1.5) * 0.5) ? 0 : 1);
    }
  }
  volatile float mine = 0.25f;
  float sum = 0;
  for (int i = 0; i < ROUNDS; i++) sum += mine;
  if (sum != ROUNDS * 0.25f) fail("the parent's float sum is %d/4, expected %d/4", (int)(sum * 4), ROUNDS);
  for (int k = 0; k < KIDS; k++) {
    int status = -1;
    if (wait(&status) < 0) fail("wait: %s", strerror(errno));
    if (status != 0) fail("a child's FP sum was wrong (status %d)", status);
  }
}

// User code may read the cycle, time and instret counters directly.
static void test_counters(void) {
  uint64 c0, t0, i0, c1, t1, i1;
  __asm__ volatile("csrr %0, cycle" : "=r"(c0));
  __asm__ volatile("csrr %0, time" : "=r"(t0));
  __asm__ volatile("csrr %0, instret" : "=r"(i0));
  volatile int x = 0;
  for (int i = 0; i < 100000; i++) x += i;
  __asm__ volatile("csrr %0, cycle" : "=r"(c1));
  __asm__ volatile("csrr %0, time" : "=r"(t1));
  __asm__ volatile("csrr %0, instret" : "=r"(i1));
  if (i1 <= i0) fail("instret did not advance");
  if (t1 < t0) fail("time went backwards");
  if (c1 <= c0) fail("cycle did not advance");
}

struct test {
  const char* name;
  void (*run)(void);
  int quick;               // in the -q subset
  const char* leak_exempt; // why the page count may legitimately drop, or null
};

static const struct test tests[] = {
#define USERTEST(name, ...) {#name, test_##name, __VA_ARGS__},
#include "usertests_table.h"
#undef USERTEST
};
#define TEST_COUNT ((int)(sizeof tests / sizeof tests[0]))

// Runs one test and prints its line; returns 1 if it passed.
static int run_test(const struct test* t) { return run_one(t->name, t->run, t->leak_exempt == 0); }

// Exercises the common kernel paths once, so that caches they fill do not
// count as the first test's leak.
static void warm_up(void) {
  int pid = fork();
  if (pid == 0) {
    int fds[2];
    if (pipe(fds) == 0) {
      write(fds[1], "w", 1);
      close(fds[0]);
      close(fds[1]);
    }
    int fd = open("warmup.tmp", O_CREATE | O_RDWR);
    if (fd >= 0) {
      write(fd, "w", 1);
      close(fd);
      unlink("warmup.tmp");
    }
    mkdir("warmup.d");
    unlink("warmup.d");
    int child = fork();
    if (child == 0) {
      char* argv[] = {"echo", 0};
      close(1);
      open("warmup.tmp", O_CREATE | O_RDWR);
      exec(ECHO, argv);
      exit(0);
    }
    if (child > 0) wait(0);
    unlink("warmup.tmp");
    exit(0);
  }
  if (pid > 0) wait(0);
}

int main(int argc, char* argv[]) {
  int quick = 0;
  int named = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0) {
      quick = 1;
    } else if (strcmp(argv[i], "-l") == 0) {
      for (int k = 0; k < TEST_COUNT; k++) printf("%s%s\n", tests[k].name, tests[k].quick ? " (quick)" : "");
      exit(0);
    } else if (argv[i][0] == '-') {
      fprintf(2, "usage: usertests [-q] [-l] [NAME...]\n");
      exit(1);
    } else {
      int found = 0;
      for (int k = 0; k < TEST_COUNT; k++) found |= strcmp(tests[k].name, argv[i]) == 0;
      if (!found) {
        fprintf(2, "usertests: no test named %s (usertests -l lists them)\n", argv[i]);
        exit(1);
      }
      named = 1;
    }
  }

  enter_scratch_directory();
  warm_up();

  int passed = 0, failed = 0;
  for (int k = 0; k < TEST_COUNT; k++) {
    const struct test* t = &tests[k];
    if (named ? !named_on_command_line(argc, argv, t->name) : quick && !t->quick) continue;
    if (run_test(t)) {
      passed++;
    } else {
      failed++;
    }
  }
  finish_suite(passed, failed);
}

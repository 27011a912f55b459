// vmtests: the test suite for page-fault virtual memory — mmap, munmap,
// mprotect and msync, lazy allocation and zero-fill, copy-on-write fork, and
// paging to disk.
//
//   vmtests          every test
//   vmtests NAME...  only the named tests
//   vmtests -l       list the tests
//
// The protocol is usertests': one line per test,
//   vmtests: <name>: ok
//   vmtests: <name>: ok (skipped: no swap)
//   vmtests: <name>: FAIL <reason>
// and at the end
//   vmtests: N passed, M failed
//
// Each test runs in a child process, so a test that crashes fails alone. The
// free-page count (memstat) must be the same before and after a test; a test
// that seems to leak is run once more (kernel caches may fill on first use)
// and fails if it leaks again. A test that expects a process to be killed by
// the kernel (a bad access) runs that access in a grandchild and checks its
// wait status. Files are created in the directory "vmtests.tmp".
//
// The tests marked VM_SWAP need a swap area (memstat().swap_total_pages > 0)
// and are meant for a small machine (QEMU -m 64M), where they touch more
// memory than there is; without swap they report "ok (skipped: no swap)".
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

#define PAGE 4096ul
#define MIB (1ul << 20)
#define KERNEL_ADDR 0xffffffff80000000ul
#define TRAPFRAME_ADDR 0x3fffffe000ul
// The user address-space layout the kernel's exec builds (kernel/proc/exec.cc):
// the program image from 0x10000, the heap right after it, and an 8 MiB
// stack ending one page below the trap frame, with a guard page under it.
#define IMAGE_START 0x10000ul
#define STACK_TOP (TRAPFRAME_ADDR - PAGE)
#define STACK_SIZE (8ul << 20)
#define STACK_BOTTOM (STACK_TOP - STACK_SIZE)
#define STACK_GUARD (STACK_BOTTOM - PAGE)

#define RW (PROT_READ | PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

#define SUITE "vmtests"
#include "testlib.h"

// mmap must succeed; the result is a page-aligned char*.
#define MAP(call) map_result((call), #call, __LINE__)
static char* map_result(void* r, const char* what, int line) {
  if (r == MAP_FAILED) fail("line %d: %s: %s", line, what, strerror(errno));
  if ((uint64)r % PAGE != 0) fail("line %d: %s returned the unaligned %p", line, what, r);
  return r;
}

// ---- processes --------------------------------------------------------------------

// One byte the grandchildren below touch.
static volatile char* target;
static void read_target(void) { (void)*target; }
static void write_target(void) { *target = 1; }

// Runs fn in a child that the kernel must kill (exit status -1, with a line on
// the console); the kill is what the test wants.
static void expect_killed(void (*fn)(void), const char* what) {
  int pid = fork_or_fail();
  if (pid == 0) {
    fn();
    exit(STATUS_NOT_KILLED);
  }
  int status = wait_pid(pid);
  CHECK(status != STATUS_NOT_KILLED, "%s: the process was not killed", what);
  CHECK(status != 0, "%s: the process exited normally", what);
}

// Runs fn in a child that must survive it.
static void expect_survives(void (*fn)(void), const char* what) {
  int pid = fork_or_fail();
  if (pid == 0) {
    fn();
    exit(0);
  }
  int status = wait_pid(pid);
  CHECK(status == 0, "%s: the process was killed (status %d)", what, status);
}

static void kills_read(const void* addr, const char* what) {
  target = (volatile char*)addr;
  expect_killed(read_target, what);
}
static void kills_write(void* addr, const char* what) {
  target = (volatile char*)addr;
  expect_killed(write_target, what);
}
static void survives_write(void* addr, const char* what) {
  target = (volatile char*)addr;
  expect_survives(write_target, what);
}

// A one-byte message through a pipe, to order two processes.
static void signal_fd(int fd) { CHECK(write(fd, "x", 1) == 1, "pipe write: %s", strerror(errno)); }
static void await_fd(int fd) {
  char c;
  CHECK(read(fd, &c, 1) == 1, "pipe read: %s", errno ? strerror(errno) : "end of file");
}

// ---- memory figures -------------------------------------------------------------

static struct memstat mem(void) {
  struct memstat m;
  if (memstat(&m) < 0) fail("memstat: %s", strerror(errno));
  return m;
}


// The top of the heap, made page aligned: [.., top) is heap, top is not.
static char* aligned_break(void) {
  char* top = sbrk(0);
  if ((uint64)top % PAGE != 0) OK(sbrk(PAGE - (uint64)top % PAGE));
  top = sbrk(0);
  CHECK((uint64)top % PAGE == 0, "could not align the break (%p)", top);
  return top;
}

// sbrk's argument is an int: grow or shrink by any number of pages in steps.
#define SBRK_STEP_PAGES (1ul << 18)  // 1 GiB
static char* grow_lazy(uint64 pages) {
  char* start = sbrk(0);
  for (uint64 done = 0; done < pages;) {
    uint64 n = pages - done < SBRK_STEP_PAGES ? pages - done : SBRK_STEP_PAGES;
    if (sbrklazy((int)(n * PAGE)) == (char*)-1)
      fail("sbrklazy after %lu of %lu pages: %s", (unsigned long)done, (unsigned long)pages, strerror(errno));
    done += n;
  }
  return start;
}
static void shrink(uint64 pages) {
  for (uint64 done = 0; done < pages;) {
    uint64 n = pages - done < SBRK_STEP_PAGES ? pages - done : SBRK_STEP_PAGES;
    if (sbrk(-(int)(n * PAGE)) == (char*)-1) fail("sbrk(-%lu pages): %s", (unsigned long)n, strerror(errno));
    done += n;
  }
}

// A value for the 8-byte word at addr, different for every word and seed.
static uint64 pattern(uint64 addr, uint64 seed) {
  uint64 x = (addr ^ seed) * 0x9e3779b97f4a7c15ul;
  return x ^ (x >> 29);
}
static void fill_words(char* p, uint64 bytes, uint64 seed) {
  for (uint64* w = (uint64*)p; w < (uint64*)(p + bytes); w++) *w = pattern((uint64)w, seed);
}
// Fills from the top down, so the pages touched last are the ones touched
// first by a bottom-up pass.
static void fill_words_down(char* p, uint64 bytes, uint64 seed) {
  for (uint64* w = (uint64*)(p + bytes) - 1; w >= (uint64*)p; w--) *w = pattern((uint64)w, seed);
}
static void check_words(const char* p, uint64 bytes, uint64 seed, const char* what) {
  for (const uint64* w = (const uint64*)p; w < (const uint64*)(p + bytes); w++)
    if (*w != pattern((uint64)w, seed))
      fail("%s: wrong data at %p (page %lu of %lu)", what, w, (unsigned long)(((char*)w - p) / PAGE),
           (unsigned long)(bytes / PAGE));
}

// Does [a, a+an) overlap [b, b+bn)?
static int overlaps(uint64 a, uint64 an, uint64 b, uint64 bn) { return a < b + bn && b < a + an; }

// A mapping must stay clear of the program image and heap (which start at
// IMAGE_START and end at the break) and of the stack and its guard.
static void check_placement(const char* p, uint64 len, const char* what) {
  uint64 heap_top = ((uint64)sbrk(0) + PAGE - 1) & ~(PAGE - 1);
  CHECK(!overlaps((uint64)p, len, IMAGE_START, heap_top - IMAGE_START),
        "%s: mapping at %p overlaps the program or heap (below %p)", what, p, (void*)heap_top);
  CHECK(!overlaps((uint64)p, len, STACK_GUARD, STACK_TOP - STACK_GUARD), "%s: mapping at %p overlaps the stack",
        what, p);
  CHECK((uint64)p + len <= STACK_GUARD || (uint64)p >= STACK_TOP, "%s: mapping at %p is not in user space", what,
        p);
}

// ---- files ------------------------------------------------------------------------

// The byte at offset i of the test files.
static char file_byte(uint64 i) { return (char)('a' + (i * 7 + i / PAGE) % 26); }

// Creates path with size bytes of file_byte(); returns an O_RDWR descriptor.
static int make_file(const char* path, uint64 size) {
  static char chunk[4 * PAGE];
  int fd = open(path, O_CREATE | O_RDWR | O_TRUNC);
  if (fd < 0) fail("create %s: %s", path, strerror(errno));
  for (uint64 off = 0; off < size;) {
    uint64 n = size - off < sizeof chunk ? size - off : sizeof chunk;
    for (uint64 i = 0; i < n; i++) chunk[i] = file_byte(off + i);
    CHECK(write(fd, chunk, (int)n) == (int)n, "write %s: %s", path, strerror(errno));
    off += n;
  }
  return fd;
}

static uint64 file_size(const char* path) {
  struct stat st;
  if (stat(path, &st) < 0) fail("stat %s: %s", path, strerror(errno));
  return st.size;
}

// Reads up to size bytes of path from its start, through a new descriptor.
static uint64 read_file(const char* path, char* buf, uint64 size) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) fail("open %s: %s", path, strerror(errno));
  uint64 total = 0;
  while (total < size) {
    uint64 want = size - total < 8192 ? size - total : 8192;
    int n = read(fd, buf + total, (int)want);
    if (n < 0) fail("read %s: %s", path, strerror(errno));
    if (n == 0) break;
    total += n;
  }
  close(fd);
  return total;
}

static char filebuf[16 * PAGE];

// The file holds file_byte() everywhere except the listed changes.
struct change {
  uint64 offset;
  char value;
};
static void check_file(const char* path, uint64 size, const struct change* changes, int nchanges) {
  CHECK(file_size(path) == size, "%s has size %lu, expected %lu", path, (unsigned long)file_size(path),
        (unsigned long)size);
  CHECK(size <= sizeof filebuf, "check_file: %s too big", path);
  CHECK(read_file(path, filebuf, size) == size, "%s: short read", path);
  for (uint64 i = 0; i < size; i++) {
    char want = file_byte(i);
    for (int k = 0; k < nchanges; k++)
      if (changes[k].offset == i) want = changes[k].value;
    if (filebuf[i] != want) {
      fail("%s: byte %lu is '%c' (%d), expected '%c'", path, (unsigned long)i, filebuf[i] >= ' ' ? filebuf[i] : '?',
           filebuf[i], want);
    }
  }
}

// The mapping [p, p+n) holds the file's bytes from offset off.
static void check_mapped_file(const char* p, uint64 n, uint64 off, const char* what) {
  for (uint64 i = 0; i < n; i++)
    if (p[i] != file_byte(off + i)) fail("%s: byte %lu is %d, expected '%c'", what, (unsigned long)i, p[i],
                                         file_byte(off + i));
}

static void check_zero(const char* p, uint64 n, const char* what) {
  for (uint64 i = 0; i < n; i++)
    if (p[i] != 0) fail("%s: byte %lu is %d, not zero", what, (unsigned long)i, p[i]);
}

// ===================================================================================
// mmap: arguments
// ===================================================================================

static int global_data = 1;  // lives in the program image's data page

static void test_mmap_badargs(void) {
  int rw = make_file("badargs.tmp", PAGE + 100);
  int ro = OK(open("badargs.tmp", O_RDONLY));
  int wo = OK(open("badargs.tmp", O_WRONLY));
  int fds[2];
  OK(pipe(fds));
  int console = OK(open("/dev/console", O_RDWR));
  int dir = OK(open(".", O_RDONLY));

  // Exactly one of MAP_SHARED and MAP_PRIVATE.
  FAILS(EINVAL, mmap(0, PAGE, RW, MAP_ANONYMOUS, -1, 0));
  FAILS(EINVAL, mmap(0, PAGE, RW, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  FAILS(EINVAL, mmap(0, PAGE, PROT_READ, 0, rw, 0));
  FAILS(EINVAL, mmap(0, PAGE, PROT_READ, MAP_SHARED | MAP_PRIVATE, rw, 0));
  // Unknown flag and protection bits.
  FAILS(EINVAL, mmap(0, PAGE, RW, ANON | 0x40, -1, 0));
  FAILS(EINVAL, mmap(0, PAGE, RW, ANON | 0x1000, -1, 0));
  FAILS(EINVAL, mmap(0, PAGE, RW, ANON | (int)0x80000000u, -1, 0));
  FAILS(EINVAL, mmap(0, PAGE, PROT_READ | 0x8, ANON, -1, 0));
  FAILS(EINVAL, mmap(0, PAGE, 0x100, ANON, -1, 0));
  FAILS(EINVAL, mmap(0, PAGE, -1, ANON, -1, 0));
  // Length.
  FAILS(EINVAL, mmap(0, 0, RW, ANON, -1, 0));
  FAILS(EINVAL, mmap(0, 0, PROT_READ, MAP_PRIVATE, rw, 0));
  FAILS_ANY(mmap(0, (size_t)-1, RW, ANON, -1, 0));  // rounding up overflows
  FAILS_ANY(mmap(0, (size_t)-PAGE, RW, ANON, -1, 0));
  FAILS_ANY(mmap(0, 1ul << 62, RW, ANON, -1, 0));  // more than user space
  // Offset.
  FAILS(EINVAL, mmap(0, PAGE, PROT_READ, MAP_PRIVATE, rw, 100));
  FAILS(EINVAL, mmap(0, PAGE, PROT_READ, MAP_SHARED, rw, PAGE + 1));
  FAILS_ANY(mmap(0, PAGE, PROT_READ, MAP_PRIVATE, rw, -(long)PAGE));
  FAILS(EINVAL, mmap(0, PAGE, RW, ANON, -1, PAGE));
  FAILS(EINVAL, mmap(0, PAGE, RW, ANON, -1, 100));
  // Descriptors.
  FAILS(EBADF, mmap(0, PAGE, PROT_READ, MAP_PRIVATE, -1, 0));
  FAILS(EBADF, mmap(0, PAGE, PROT_READ, MAP_PRIVATE, 99, 0));
  FAILS(EBADF, mmap(0, PAGE, PROT_READ, MAP_SHARED, NOFILE, 0));
  int closed = OK(dup(rw));
  OK(close(closed));
  FAILS(EBADF, mmap(0, PAGE, PROT_READ, MAP_SHARED, closed, 0));
  FAILS(ENODEV, mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fds[0], 0));
  FAILS(ENODEV, mmap(0, PAGE, PROT_READ, MAP_SHARED, fds[0], 0));
  FAILS(ENODEV, mmap(0, PAGE, PROT_READ, MAP_PRIVATE, console, 0));
  FAILS(ENODEV, mmap(0, PAGE, RW, MAP_SHARED, console, 0));
  FAILS(ENODEV, mmap(0, PAGE, PROT_READ, MAP_PRIVATE, dir, 0));
  FAILS(EACCES, mmap(0, PAGE, PROT_READ, MAP_PRIVATE, wo, 0));
  FAILS(EACCES, mmap(0, PAGE, PROT_READ, MAP_SHARED, wo, 0));
  FAILS(EACCES, mmap(0, PAGE, RW, MAP_SHARED, ro, 0));
  FAILS(EACCES, mmap(0, PAGE, PROT_WRITE, MAP_SHARED, ro, 0));

  // MAP_FIXED: aligned, and never over the image, the heap or the stack.
  FAILS(EINVAL, mmap((void*)(0x20000000ul + 123), PAGE, RW, ANON | MAP_FIXED, -1, 0));
  FAILS(EINVAL, mmap((void*)(0x20000000ul + PAGE / 2), PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, rw, 0));
  FAILS(EINVAL, mmap((void*)IMAGE_START, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  FAILS(EINVAL, mmap((void*)((uint64)&global_data & ~(PAGE - 1)), PAGE, RW, ANON | MAP_FIXED, -1, 0));
  char* top = aligned_break();
  OK(sbrk(2 * PAGE));
  top[0] = 'h';
  FAILS(EINVAL, mmap(top, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  FAILS(EINVAL, mmap(top + PAGE, 2 * PAGE, RW, ANON | MAP_FIXED, -1, 0));  // straddles the break
  int local = 0;
  char* stack_page = (char*)((uint64)&local & ~(PAGE - 1));
  FAILS(EINVAL, mmap(stack_page, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  FAILS(EINVAL, mmap((void*)STACK_BOTTOM, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  FAILS(EINVAL, mmap((void*)STACK_GUARD, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  FAILS_ANY(mmap((void*)KERNEL_ADDR, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  FAILS_ANY(mmap((void*)TRAPFRAME_ADDR, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  FAILS_ANY(mmap((void*)(TRAPFRAME_ADDR - 16 * PAGE), 64 * PAGE, RW, ANON | MAP_FIXED, -1, 0));
  // The refused calls did not disturb what was there.
  CHECK(top[0] == 'h', "a refused MAP_FIXED changed the heap");
  CHECK(global_data == 1, "a refused MAP_FIXED changed the data");
  local = 2;
  CHECK(local == 2, "the stack");

  // What is allowed: an anonymous mapping ignores its descriptor, a read-only
  // descriptor may be mapped shared for reading and privately for writing.
  char* p = MAP(mmap(0, PAGE, RW, ANON, 99, 0));
  OK(munmap(p, PAGE));
  p = MAP(mmap(0, PAGE, RW, ANON, rw, 0));
  check_zero(p, PAGE, "anonymous mapping given a file descriptor");
  OK(munmap(p, PAGE));
  p = MAP(mmap(0, PAGE, PROT_READ, MAP_SHARED, ro, 0));
  CHECK(p[0] == file_byte(0), "shared read-only mapping");
  OK(munmap(p, PAGE));
  p = MAP(mmap(0, PAGE, RW, MAP_PRIVATE, ro, 0));
  p[0] = 'x';
  OK(munmap(p, PAGE));
  p = MAP(mmap(0, PAGE, RW, MAP_SHARED, rw, 0));
  OK(munmap(p, PAGE));

  close(rw);
  close(ro);
  close(wo);
  close(fds[0]);
  close(fds[1]);
  close(console);
  close(dir);
  // No refused call left a descriptor behind.
  int fd = OK(dup(0));
  CHECK(fd <= 3, "refused mmap calls leaked descriptors (dup gave %d)", fd);
  close(fd);
  OK(sbrk(-2 * (int)PAGE));
  OK(unlink("badargs.tmp"));
}

static void test_munmap_badargs(void) {
  char* p = MAP(mmap(0, 2 * PAGE, RW, ANON, -1, 0));
  p[0] = 'm';
  FAILS(EINVAL, munmap(p + 1, PAGE));
  FAILS(EINVAL, munmap(p + PAGE / 2, PAGE));
  FAILS(EINVAL, munmap(p, 0));
  // Only mmap'd memory can be unmapped.
  FAILS(EINVAL, munmap((void*)IMAGE_START, PAGE));
  FAILS(EINVAL, munmap((void*)((uint64)&global_data & ~(PAGE - 1)), PAGE));
  char* top = aligned_break();
  OK(sbrk(2 * PAGE));
  top[0] = 'h';
  FAILS(EINVAL, munmap(top, PAGE));
  FAILS(EINVAL, munmap(top + PAGE, 4 * PAGE));  // the heap's last page and what is above it
  int local = 0;
  FAILS(EINVAL, munmap((void*)((uint64)&local & ~(PAGE - 1)), PAGE));
  FAILS(EINVAL, munmap((void*)STACK_BOTTOM, PAGE));
  FAILS_ANY(munmap((void*)KERNEL_ADDR, PAGE));
  FAILS_ANY(munmap((void*)TRAPFRAME_ADDR, PAGE));
  // Nothing was unmapped.
  CHECK(p[0] == 'm', "the mapping lost its data");
  CHECK(top[0] == 'h', "the heap lost its data");
  top[PAGE] = 'h';
  local = 1;
  CHECK(global_data == 1 && local == 1, "data or stack changed");
  OK(munmap(p, 2 * PAGE));
  OK(sbrk(-2 * (int)PAGE));
}

static void test_mprotect_badargs(void) {
  char* p = MAP(mmap(0, 3 * PAGE, RW, ANON, -1, 0));
  FAILS(EINVAL, mprotect(p + 1, PAGE, PROT_READ));
  FAILS(EINVAL, mprotect(p + 100, PAGE, PROT_READ));
  // A range not fully mapped: ENOMEM, and nothing changes.
  OK(munmap(p + 2 * PAGE, PAGE));
  FAILS(ENOMEM, mprotect(p, 3 * PAGE, PROT_READ));
  FAILS(ENOMEM, mprotect(p + 2 * PAGE, PAGE, PROT_READ));
  survives_write(p, "writing after a refused mprotect(PROT_READ)");
  survives_write(p + PAGE, "writing the second page after a refused mprotect(PROT_READ)");
  OK(munmap(p, 2 * PAGE));
  FAILS(ENOMEM, mprotect(p, PAGE, PROT_READ));

  // PROT_WRITE on a shared mapping of a descriptor not open for writing.
  int rw = make_file("mprotect.tmp", 2 * PAGE);
  close(rw);
  int ro = OK(open("mprotect.tmp", O_RDONLY));
  char* s = MAP(mmap(0, 2 * PAGE, PROT_READ, MAP_SHARED, ro, 0));
  FAILS(EACCES, mprotect(s, PAGE, RW));
  FAILS(EACCES, mprotect(s, 2 * PAGE, PROT_WRITE));
  kills_write(s, "writing a shared read-only mapping after a refused mprotect");
  CHECK(s[1] == file_byte(1), "the shared mapping lost its data");
  // A private one may become writable.
  char* q = MAP(mmap(0, 2 * PAGE, PROT_READ, MAP_PRIVATE, ro, 0));
  OK(mprotect(q, 2 * PAGE, RW));
  q[0] = 'Q';
  OK(munmap(q, 2 * PAGE));
  OK(munmap(s, 2 * PAGE));
  close(ro);
  check_file("mprotect.tmp", 2 * PAGE, 0, 0);
  OK(unlink("mprotect.tmp"));
}

static void test_msync_badargs(void) {
  int fd = make_file("msync.tmp", 3 * PAGE);
  char* s = MAP(mmap(0, 3 * PAGE, RW, MAP_SHARED, fd, 0));
  close(fd);
  s[0] = 'B';
  FAILS(EINVAL, msync(s, 3 * PAGE, MS_SYNC | MS_ASYNC));
  FAILS(EINVAL, msync(s, 3 * PAGE, 0x100));
  FAILS(EINVAL, msync(s, 3 * PAGE, MS_SYNC | 0x8));
  FAILS(EINVAL, msync(s, 3 * PAGE, -1));
  // Unmapped: the whole range, or part of it.
  OK(munmap(s + 2 * PAGE, PAGE));
  FAILS(ENOMEM, msync(s + 2 * PAGE, PAGE, MS_SYNC));
  FAILS(ENOMEM, msync(s, 3 * PAGE, MS_SYNC));
  OK(munmap(s, 2 * PAGE));
  FAILS(ENOMEM, msync(s, PAGE, MS_ASYNC));
  // The refused calls did not lose the write; munmap wrote it back.
  struct change c = {0, 'B'};
  check_file("msync.tmp", 3 * PAGE, &c, 1);
  OK(unlink("msync.tmp"));
}

// ===================================================================================
// mmap: anonymous memory
// ===================================================================================

static void test_mmap_anon(void) {
  char* p = MAP(mmap(0, 3 * PAGE, RW, ANON, -1, 0));
  check_placement(p, 3 * PAGE, "anonymous mapping");
  check_zero(p, 3 * PAGE, "new anonymous mapping");
  for (uint64 i = 0; i < 3 * PAGE; i++) p[i] = (char)(i * 3);
  for (uint64 i = 0; i < 3 * PAGE; i++) CHECK(p[i] == (char)(i * 3), "mapping lost data at %lu", (unsigned long)i);
  // System calls read and write mapped memory, across page boundaries.
  int fds[2];
  OK(pipe(fds));
  CHECK(write(fds[1], p + PAGE - 50, 100) == 100, "write from a mapping: %s", strerror(errno));
  CHECK(read(fds[0], p + 2 * PAGE - 30, 100) == 100, "read into a mapping: %s", strerror(errno));
  for (int i = 0; i < 100; i++) CHECK(p[2 * PAGE - 30 + i] == (char)((PAGE - 50 + i) * 3), "read() data at %d", i);
  close(fds[0]);
  close(fds[1]);
  OK(munmap(p, 3 * PAGE));
  kills_read(p + PAGE, "reading an unmapped mapping");
  kills_write(p, "writing an unmapped mapping");

  // The length is rounded up to a whole page, for mmap and for munmap.
  char* q = MAP(mmap(0, 100, RW, ANON, -1, 0));
  q[PAGE - 1] = 'e';
  CHECK(q[PAGE - 1] == 'e', "the rest of the page");
  OK(munmap(q, 100));
  kills_read(q + PAGE - 1, "the end of a page after munmap(p, 100)");

  // Read-only and inaccessible anonymous memory.
  char* r = MAP(mmap(0, PAGE, PROT_READ, ANON, -1, 0));
  CHECK(r[100] == 0, "read-only anonymous memory is not zero");
  kills_write(r, "writing read-only anonymous memory");
  OK(munmap(r, PAGE));
  char* n = MAP(mmap(0, PAGE, PROT_NONE, ANON, -1, 0));
  kills_read(n, "reading PROT_NONE memory");
  kills_write(n, "writing PROT_NONE memory");
  OK(munmap(n, PAGE));

  // Separate mappings are separate memory; MAP_SHARED | MAP_ANONYMOUS is
  // memory too (its sharing is fork_shared's business).
  char* a = MAP(mmap(0, 2 * PAGE, RW, ANON, -1, 0));
  char* b = MAP(mmap(0, 2 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  CHECK(!overlaps((uint64)a, 2 * PAGE, (uint64)b, 2 * PAGE), "mappings %p and %p overlap", a, b);
  check_zero(b, 2 * PAGE, "new shared anonymous mapping");
  for (uint64 i = 0; i < 2 * PAGE; i++) a[i] = 'a', b[i] = 'b';
  for (uint64 i = 0; i < 2 * PAGE; i++) CHECK(a[i] == 'a' && b[i] == 'b', "mappings share memory");
  OK(munmap(a, 2 * PAGE));
  OK(munmap(b, 2 * PAGE));
}

// Nothing is allocated until a page is touched; then exactly that page.
static void test_mmap_lazy(void) {
  struct memstat before = mem();
  char* p = MAP(mmap(0, 64 * MIB, RW, ANON, -1, 0));
  struct memstat after = mem();
  CHECK(after.resident_pages == before.resident_pages, "mmap of 64 MiB made %ld pages resident",
        (long)(after.resident_pages - before.resident_pages));
  CHECK((long)(before.free_pages - after.free_pages) < 16, "mmap of 64 MiB took %ld pages",
        (long)(before.free_pages - after.free_pages));
  for (uint64 i = 0; i < 16; i++) {
    CHECK(p[i * 4 * MIB + 8] == 0, "page at +%lu MiB not zero", (unsigned long)(i * 4));
    p[i * 4 * MIB + 9] = (char)i;
  }
  after = mem();
  CHECK(after.resident_pages == before.resident_pages + 16, "touching 16 pages made %ld resident",
        (long)(after.resident_pages - before.resident_pages));
  for (uint64 i = 0; i < 16; i++) CHECK(p[i * 4 * MIB + 9] == (char)i, "page at +%lu MiB lost its data", (unsigned long)(i * 4));
  OK(munmap(p, 64 * MIB));
  after = mem();
  CHECK(after.resident_pages == before.resident_pages, "munmap left %ld pages resident",
        (long)(after.resident_pages - before.resident_pages));

  // File mappings as well.
  int fd = make_file("lazy.tmp", 16 * PAGE);
  before = mem();
  char* f = MAP(mmap(0, 16 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
  after = mem();
  CHECK(after.resident_pages == before.resident_pages, "mmap of a file made %ld pages resident",
        (long)(after.resident_pages - before.resident_pages));
  CHECK(f[3 * PAGE] == file_byte(3 * PAGE) && f[9 * PAGE + 1] == file_byte(9 * PAGE + 1) &&
            f[15 * PAGE + 7] == file_byte(15 * PAGE + 7),
        "file mapping has the wrong contents");
  after = mem();
  CHECK(after.resident_pages == before.resident_pages + 3, "reading 3 pages of a file mapping made %ld resident",
        (long)(after.resident_pages - before.resident_pages));
  OK(munmap(f, 16 * PAGE));
  close(fd);
  OK(unlink("lazy.tmp"));
}

// MAP_FIXED places exactly and replaces mmap'd memory; a plain address is a hint.
static void test_mmap_fixed(void) {
  char* p = MAP(mmap(0, 4 * PAGE, RW, ANON, -1, 0));
  memset(p, 'a', 4 * PAGE);
  char* q = MAP(mmap(p + PAGE, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  CHECK(q == p + PAGE, "MAP_FIXED at %p returned %p", p + PAGE, q);
  check_zero(q, PAGE, "a page replaced by MAP_FIXED");
  CHECK(p[0] == 'a' && p[PAGE - 1] == 'a' && p[2 * PAGE] == 'a' && p[4 * PAGE - 1] == 'a',
        "MAP_FIXED changed the pages around it");
  // Over a mapping's end and a hole.
  OK(munmap(p + 3 * PAGE, PAGE));
  q = MAP(mmap(p + 2 * PAGE, 2 * PAGE, RW, ANON | MAP_FIXED, -1, 0));
  CHECK(q == p + 2 * PAGE, "MAP_FIXED over a mapping and a hole returned %p", q);
  check_zero(q, 2 * PAGE, "pages replaced by MAP_FIXED");
  // A file mapped over anonymous memory.
  int fd = make_file("fixed.tmp", 2 * PAGE);
  q = MAP(mmap(p, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0));
  CHECK(q == p, "MAP_FIXED of a file returned %p", q);
  check_mapped_file(p, 2 * PAGE, 0, "file mapped with MAP_FIXED");
  OK(munmap(p, 4 * PAGE));
  // Into a hole.
  q = MAP(mmap(p + PAGE, PAGE, RW, ANON | MAP_FIXED, -1, 0));
  CHECK(q == p + PAGE, "MAP_FIXED into a hole returned %p", q);
  q[0] = 1;
  OK(munmap(q, PAGE));

  // Hints: a free address, an unaligned one, one over a mapping, one in the heap.
  char* h = MAP(mmap(p, PAGE, RW, ANON, -1, 0));
  check_placement(h, PAGE, "hinted mapping");
  h[0] = 1;
  char* u = MAP(mmap(p + 123, PAGE, RW, ANON, -1, 0));
  check_placement(u, PAGE, "mapping with an unaligned hint");
  u[0] = 2;
  CHECK(h[0] == 1, "a hint replaced a mapping");
  char* v = MAP(mmap(h, PAGE, RW, ANON, -1, 0));
  CHECK(v != h, "a hint over an existing mapping replaced it");
  CHECK(h[0] == 1, "a hint over an existing mapping changed it");
  char* top = aligned_break();
  OK(sbrk(PAGE));
  top[0] = 'h';
  char* w = MAP(mmap(top, PAGE, RW, ANON, -1, 0));
  check_placement(w, PAGE, "mapping with a hint in the heap");
  w[0] = 3;
  CHECK(top[0] == 'h', "a hint in the heap changed the heap");
  int local = 0;
  char* x = MAP(mmap((void*)((uint64)&local & ~(PAGE - 1)), PAGE, RW, ANON, -1, 0));
  check_placement(x, PAGE, "mapping with a hint in the stack");
  OK(munmap(h, PAGE));
  OK(munmap(u, PAGE));
  OK(munmap(v, PAGE));
  OK(munmap(w, PAGE));
  OK(munmap(x, PAGE));
  OK(sbrk(-(int)PAGE));
  close(fd);
  OK(unlink("fixed.tmp"));
}

// Mappings stay clear of the heap, which can still grow a long way.
#define PLACED 8
static void test_mmap_placement(void) {
  char* maps[2 * PLACED];
  for (int i = 0; i < PLACED; i++) {
    maps[i] = MAP(mmap(0, 16 * PAGE, RW, ANON, -1, 0));
    check_placement(maps[i], 16 * PAGE, "mapping");
    maps[i][0] = (char)('A' + i);
  }
  uint64 grow = 256 * MIB;
  char* old = OKP(sbrklazy((int)grow));
  for (int i = 0; i < PLACED; i++)
    CHECK(!overlaps((uint64)maps[i], 16 * PAGE, (uint64)old, grow), "the heap grew over the mapping at %p", maps[i]);
  for (uint64 off = 0; off < grow; off += MIB) old[off] = 'h';
  old[grow - 1] = 'h';
  for (int i = 0; i < PLACED; i++) CHECK(maps[i][0] == 'A' + i, "mapping %d lost its data to the heap", i);
  for (int i = PLACED; i < 2 * PLACED; i++) {
    maps[i] = MAP(mmap(0, 16 * PAGE, RW, ANON, -1, 0));
    check_placement(maps[i], 16 * PAGE, "mapping after the heap grew");
    maps[i][16 * PAGE - 1] = 'm';
  }
  for (uint64 off = 0; off < grow; off += MIB) CHECK(old[off] == 'h', "a mapping took heap memory at +%lu", (unsigned long)off);
  for (int i = 0; i < 2 * PLACED; i++) OK(munmap(maps[i], 16 * PAGE));
  OK(sbrk(-(int)grow));
}

// Many mappings at once, anonymous and of one file.
#define MANY 500
#define MANY_FILE 64
static void test_mmap_many(void) {
  static char* maps[MANY];
  for (int i = 0; i < MANY; i++) {
    maps[i] = mmap(0, PAGE, RW, ANON, -1, 0);
    if (maps[i] == MAP_FAILED) fail("mmap #%d: %s", i, strerror(errno));
    *(int*)maps[i] = i;
  }
  for (int i = 0; i < MANY; i++) CHECK(*(int*)maps[i] == i, "mapping %d holds %d", i, *(int*)maps[i]);
  for (int i = 1; i < MANY; i += 2) OK(munmap(maps[i], PAGE));
  for (int i = 0; i < MANY; i += 2) CHECK(*(int*)maps[i] == i, "after unmapping half, mapping %d holds %d", i, *(int*)maps[i]);
  for (int i = 0; i < MANY; i += 2) OK(munmap(maps[i], PAGE));

  int fd = make_file("many.tmp", 4 * PAGE);
  for (int i = 0; i < MANY_FILE; i++) {
    maps[i] = mmap(0, PAGE, PROT_READ, i % 2 ? MAP_SHARED : MAP_PRIVATE, fd, (i % 4) * PAGE);
    if (maps[i] == MAP_FAILED) fail("file mmap #%d: %s", i, strerror(errno));
  }
  close(fd);
  for (int i = 0; i < MANY_FILE; i++) check_mapped_file(maps[i], PAGE, (i % 4) * PAGE, "one of many file mappings");
  for (int i = 0; i < MANY_FILE; i++) OK(munmap(maps[i], PAGE));
  OK(unlink("many.tmp"));
}

// A process may have at most RIVET_MAX_VMAS areas (4096): mmap fails with
// ENOMEM past it, and so does an mprotect that would split an area; after
// unmapping, mappings work again.
#define MAX_VMAS 4096
static void test_mmap_limit(void) {
  static char* maps[MAX_VMAS];
  int n = 0;
  for (; n < MAX_VMAS; n++) {
    maps[n] = mmap(0, PAGE, n % 2 ? PROT_READ : RW, ANON, -1, 0);
    if (maps[n] == MAP_FAILED) break;
  }
  CHECK(n < MAX_VMAS, "%d one-page mappings and no limit", n);
  CHECK(errno == ENOMEM, "mmap past the limit failed with %s, not ENOMEM", errname(errno));
  CHECK(n > MAX_VMAS - 64, "only %d mappings before the limit", n);
  // Splitting a three-page area needs two more.
  OK(munmap(maps[n - 1], PAGE));
  OK(munmap(maps[n - 2], PAGE));
  OK(munmap(maps[n - 3], PAGE));
  char* three = MAP(mmap(0, 3 * PAGE, RW, ANON, -1, 0));
  maps[n - 3] = MAP(mmap(0, PAGE, RW, ANON, -1, 0));
  maps[n - 2] = MAP(mmap(0, PAGE, RW, ANON, -1, 0));
  FAILS(ENOMEM, mprotect(three + PAGE, PAGE, PROT_READ));
  three[PAGE] = 'w';  // still writable: the failed call changed nothing
  OK(munmap(three, 3 * PAGE));
  for (int i = 0; i < n - 1; i++) OK(munmap(maps[i], PAGE));
  char* again = MAP(mmap(0, PAGE, RW, ANON, -1, 0));
  again[0] = 1;
  OK(munmap(again, PAGE));
}

// ===================================================================================
// mmap: files
// ===================================================================================

static void test_mmap_file(void) {
  uint64 size = 3 * PAGE + 100;
  int fd = make_file("file.tmp", size);
  close(fd);
  fd = OK(open("file.tmp", O_RDONLY));
  char* p = MAP(mmap(0, 4 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
  check_placement(p, 4 * PAGE, "file mapping");
  check_mapped_file(p, size, 0, "private file mapping");
  check_zero(p + size, 4 * PAGE - size, "the last page past end of file");
  // At an offset, shared.
  char* q = MAP(mmap(0, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 2 * PAGE));
  check_mapped_file(q, size - 2 * PAGE, 2 * PAGE, "shared file mapping at offset 2 pages");
  check_zero(q + size - 2 * PAGE, 4 * PAGE - size, "the last page past end of file (at an offset)");
  // Mapping does not move the descriptor's offset.
  char buf[8];
  CHECK(read(fd, buf, 8) == 8, "read: %s", strerror(errno));
  check_mapped_file(buf, 8, 0, "read() after mmap");
  // Unmapping one leaves the other.
  OK(munmap(p, 4 * PAGE));
  check_mapped_file(q, PAGE, 2 * PAGE, "the second mapping after unmapping the first");
  OK(munmap(q, 2 * PAGE));
  close(fd);
  check_file("file.tmp", size, 0, 0);
  OK(unlink("file.tmp"));
}

// Past the end of file: the last page's tail is zero, whole pages beyond kill,
// and a shared mapping does not make the file grow.
// read() of a directory into a file mapping whose page is not in yet: the
// copy faults the page in through the pager (an inode lock) while the
// kernel reads the directory's blocks, and must not do it with a buffer
// lock held (a lock-order panic in the checked kernel, a possible deadlock
// otherwise). The bytes must be the directory's.
static void test_mmap_dirread(void) {
  int fd = make_file("dirread.tmp", 2 * PAGE);
  OK(fsync(fd));
  OK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));  // the pages come from the disk
  char* p = MAP(mmap(0, 2 * PAGE, RW, MAP_PRIVATE, fd, 0));
  char* q = MAP(mmap(0, 2 * PAGE, RW, MAP_SHARED, fd, 0));
  static char expect[1024];
  int dir = OK(open(".", O_RDONLY));
  int n = OK(read(dir, expect, sizeof expect));
  CHECK(n > 0, "read of . returned nothing");
  close(dir);
  for (int k = 0; k < 2; k++) {
    char* to = (k == 0 ? p : q) + PAGE - 100;  // straddles both pages
    dir = OK(open(".", O_RDONLY));
    int got = OK(read(dir, to, n));
    CHECK(got == n, "read of . into a %s mapping: %d bytes, not %d", k ? "shared" : "private", got, n);
    CHECK(memcmp(to, expect, n) == 0, "read of . into a %s mapping: wrong bytes", k ? "shared" : "private");
    close(dir);
  }
  OK(munmap(p, 2 * PAGE));
  OK(munmap(q, 2 * PAGE));
  close(fd);
  OK(unlink("dirread.tmp"));
}

static void test_mmap_file_eof(void) {
  uint64 size = PAGE + 100;
  int fd = make_file("eof.tmp", size);
  char* p = MAP(mmap(0, 3 * PAGE, RW, MAP_PRIVATE, fd, 0));
  check_mapped_file(p, size, 0, "file mapping");
  check_zero(p + size, PAGE - 100, "the last page past end of file");
  p[PAGE + 200] = 'x';  // private: fine
  kills_read(p + 2 * PAGE, "reading a page beyond end of file");
  kills_write(p + 2 * PAGE + 5, "writing a page beyond end of file");
  OK(munmap(p, 3 * PAGE));
  char* q = MAP(mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fd, 4 * PAGE));
  kills_read(q, "reading a mapping that starts beyond end of file");
  OK(munmap(q, PAGE));

  char* s = MAP(mmap(0, 2 * PAGE, RW, MAP_SHARED, fd, 0));
  s[PAGE + 50] = 'X';
  s[PAGE + 200] = 'Y';
  s[2 * PAGE - 1] = 'Z';
  OK(munmap(s, 2 * PAGE));
  struct change c = {PAGE + 50, 'X'};
  check_file("eof.tmp", size, &c, 1);
  s = MAP(mmap(0, 2 * PAGE, PROT_READ, MAP_SHARED, fd, 0));
  CHECK(s[PAGE + 50] == 'X', "the shared write did not stay");
  check_zero(s + size, PAGE - 100, "past end of file after a shared write there");
  OK(munmap(s, 2 * PAGE));
  close(fd);
  OK(unlink("eof.tmp"));
}

// A file bigger than free memory maps, shared or private, and touching a
// few scattered pages reads only those. Registered with a small machine
// (VM_SMALL: 40 MiB), so that the file fits on the root file system.
static void test_mmap_huge_file(void) {
  struct memstat m = mem();
  uint64 size = m.free_pages * PAGE + 8 * MIB;
  int fd = make_file("huge.tmp", size);
  close(fd);
  m = mem();
  CHECK(size > m.free_pages * PAGE, "the file (%lu pages) is not bigger than free memory (%lu pages)",
        (unsigned long)(size / PAGE), (unsigned long)m.free_pages);
  fd = OK(open("huge.tmp", O_RDONLY));
  int flags[2] = {MAP_PRIVATE, MAP_SHARED};
  for (int k = 0; k < 2; k++) {
    struct memstat before = mem();
    char* p = MAP(mmap(0, size, PROT_READ, flags[k], fd, 0));
    for (uint64 i = 0; i < 5; i++) {
      uint64 off = (size / 5 * i) / PAGE * PAGE + 17;
      CHECK(p[off] == file_byte(off), "byte %lu of the %s mapping", (unsigned long)off, k ? "shared" : "private");
    }
    struct memstat after = mem();
    CHECK(after.resident_pages == before.resident_pages + 5, "touching 5 pages of a %lu MiB %s mapping made %ld resident",
          (unsigned long)(size / MIB), k ? "shared" : "private", (long)(after.resident_pages - before.resident_pages));
    OK(munmap(p, size));
  }
  close(fd);
  OK(unlink("huge.tmp"));
}

// Reading a private file mapping in order reads ahead: after two pages in
// order more than two are resident, and the rest arrives in batches. The
// batches stop at end of file and at a page that is already there (here
// one written privately first, whose change must survive), and sparse
// touches stay one page each (mmap_lazy).
static void test_mmap_readahead(void) {
  uint64 size = 200 * PAGE + 100;
  int fd = make_file("ahead.tmp", size);
  // The test's own code comes in on demand too: run what it calls once
  // before counting, so only the mapping's pages change the count.
  static char zeros[16];
  check_zero(zeros, sizeof zeros, "warm-up");
  munmap(MAP(mmap(0, PAGE, PROT_READ, MAP_PRIVATE, fd, 0)), PAGE);
  struct memstat before = mem();
  char* p = MAP(mmap(0, 256 * PAGE, RW, MAP_PRIVATE, fd, 0));
  p[40 * PAGE + 7] = '!';
  struct memstat m = mem();
  CHECK(m.resident_pages == before.resident_pages + 1, "a write made %ld pages resident",
        (long)(m.resident_pages - before.resident_pages));
  CHECK(p[0] == file_byte(0), "page 0 has the wrong contents");
  m = mem();
  CHECK(m.resident_pages == before.resident_pages + 2, "the first page read made %ld resident",
        (long)(m.resident_pages - before.resident_pages - 1));
  CHECK(p[PAGE] == file_byte(PAGE), "page 1 has the wrong contents");
  m = mem();
  long ahead = (long)(m.resident_pages - before.resident_pages) - 3;
  CHECK(ahead > 0 && ahead <= 32, "reading page 1 after page 0 read %ld pages ahead (expected 1..32)", ahead);
  for (uint64 i = 0; i < size; i++) {
    char want = i == 40 * PAGE + 7 ? '!' : file_byte(i);
    if (p[i] != want) fail("byte %lu is %d, expected %d", (unsigned long)i, p[i], want);
  }
  m = mem();
  CHECK(m.resident_pages == before.resident_pages + 201, "reading a 201-page file made %ld pages resident",
        (long)(m.resident_pages - before.resident_pages));
  check_zero(p + size, PAGE - 100, "the last page past end of file");
  kills_read(p + 201 * PAGE, "reading past end of file after read-ahead");
  OK(munmap(p, 256 * PAGE));
  m = mem();
  CHECK(m.resident_pages == before.resident_pages, "munmap left %ld pages resident",
        (long)(m.resident_pages - before.resident_pages));
  close(fd);
  OK(unlink("ahead.tmp"));
}

// A shared mapping and write() see one copy of the file: a write() shows in
// the mapping at once, the mapping's own store in the same page does not
// undo it when written back, and truncation empties the mapped page.
static void test_mmap_coherent(void) {
  int fd = make_file("coherent.tmp", 3 * PAGE);
  char* s = MAP(mmap(0, 3 * PAGE, RW, MAP_SHARED, fd, 0));
  close(fd);
  CHECK(s[PAGE + 10] == file_byte(PAGE + 10), "the mapping before the write");
  // write() at PAGE+10, through a descriptor moved there by reading.
  fd = OK(open("coherent.tmp", O_RDWR));
  for (uint64 left = PAGE + 10; left > 0;) {
    int n = read(fd, filebuf, left < sizeof filebuf ? (int)left : (int)sizeof filebuf);
    CHECK(n > 0, "reading up to the write: %s", strerror(errno));
    left -= n;
  }
  CHECK(write(fd, "XYZ", 3) == 3, "write: %s", strerror(errno));
  close(fd);
  CHECK(s[PAGE + 10] == 'X' && s[PAGE + 11] == 'Y' && s[PAGE + 12] == 'Z',
        "the mapping does not show the write: '%c%c%c'", s[PAGE + 10], s[PAGE + 11], s[PAGE + 12]);
  s[PAGE + 100] = 'M';
  OK(munmap(s, 3 * PAGE));
  struct change c[] = {{PAGE + 10, 'X'}, {PAGE + 11, 'Y'}, {PAGE + 12, 'Z'}, {PAGE + 100, 'M'}};
  check_file("coherent.tmp", 3 * PAGE, c, 4);

  // Truncated and rewritten under a mapping.
  fd = OK(open("coherent.tmp", O_RDWR));
  s = MAP(mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 0));
  close(fd);
  CHECK(s[5] == file_byte(5), "the mapping before truncation");
  fd = OK(open("coherent.tmp", O_RDWR | O_TRUNC));
  CHECK(write(fd, "0123456789", 10) == 10, "write after truncation: %s", strerror(errno));
  close(fd);
  CHECK(memcmp(s, "0123456789", 10) == 0, "the mapping does not show the rewritten file");
  check_zero(s + 10, PAGE - 10, "the mapped page past the new end of file");
  OK(munmap(s, PAGE));
  CHECK(file_size("coherent.tmp") == 10, "the file's size after truncation");
  OK(unlink("coherent.tmp"));
}

// Read-only private mappings of one file share the page cache's pages (as
// program text does): a second mapping of the same pages costs no new
// pages. Made writable with mprotect, a store copies the page, so neither
// the other mapping nor the file sees it.
static void test_mmap_private_shared(void) {
  int fd = make_file("cache.tmp", 64 * PAGE);
  // Out of the page cache first, so the first mapping reads the file in.
  OK(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
  struct memstat m0 = mem();
  char* a = MAP(mmap(0, 64 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
  check_mapped_file(a, 64 * PAGE, 0, "the first read-only private mapping");
  struct memstat m1 = mem();
  char* b = MAP(mmap(0, 64 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
  check_mapped_file(b, 64 * PAGE, 0, "the second read-only private mapping");
  struct memstat m2 = mem();
  CHECK(m0.free_pages - m1.free_pages >= 64, "the first mapping of 64 pages took only %ld pages",
        (long)(m0.free_pages - m1.free_pages));
  CHECK(m1.cached_pages - m0.cached_pages >= 64, "the first mapping cached only %ld pages",
        (long)(m1.cached_pages - m0.cached_pages));
  CHECK(m1.free_pages - m2.free_pages < 8, "the second mapping of the same 64 pages took %ld more pages",
        (long)(m1.free_pages - m2.free_pages));
  OK(mprotect(b, PAGE, RW));
  b[10] = '!';
  CHECK(b[10] == '!' && b[11] == file_byte(11), "the private write");
  CHECK(a[10] == file_byte(10), "a private write showed in the other mapping");
  OK(munmap(a, 64 * PAGE));
  OK(munmap(b, 64 * PAGE));
  close(fd);
  fd = OK(open("cache.tmp", O_RDONLY));
  for (uint64 off = 0; off < 64 * PAGE; off += sizeof filebuf) {
    CHECK(read(fd, filebuf, sizeof filebuf) == (int)sizeof filebuf, "reading the file back");
    check_mapped_file(filebuf, sizeof filebuf, off, "the file after a private write");
  }
  close(fd);
  OK(unlink("cache.tmp"));
}

// Runs path in a child; its exit status, or 42 if exec failed with ETXTBSY.
static int run_program(const char* path) {
  int pid = fork_or_fail();
  if (pid == 0) {
    char* argv[] = {(char*)path, 0};
    exec(path, argv);
    exit(errno == ETXTBSY ? 42 : 99);
  }
  return wait_pid(pid);
}

// A running program's text pages are its file's cached pages, so the file
// cannot change under it: opening it for writing fails with ETXTBSY (this
// very program), and so does executing a file open for writing or mapped
// MAP_SHARED from a writable descriptor. Once the program has exited the
// file is writable again.
static void test_text_busy(void) {
  FAILS(ETXTBSY, open("/bin/vmtests", O_WRONLY));
  FAILS(ETXTBSY, open("/bin/vmtests", O_RDWR));
  FAILS(ETXTBSY, open("/bin/vmtests", O_RDONLY | O_TRUNC));
  int fd = OK(open("/bin/vmtests", O_RDONLY));
  close(fd);
  // A copy of /bin/true, run to completion, is writable again.
  int in = OK(open("/bin/true", O_RDONLY));
  int out = OK(open("true.tmp", O_CREATE | O_WRONLY | O_TRUNC));
  int n;
  while ((n = read(in, filebuf, sizeof filebuf)) > 0) CHECK(write(out, filebuf, n) == n, "copying /bin/true");
  close(in);
  close(out);
  CHECK(run_program("true.tmp") == 0, "running a copy of /bin/true");
  fd = OK(open("true.tmp", O_WRONLY));  // writable again
  CHECK(run_program("true.tmp") == 42, "exec of a file open for writing did not fail with ETXTBSY");
  close(fd);
  fd = OK(open("true.tmp", O_RDWR));
  char* m = MAP(mmap(0, PAGE, RW, MAP_SHARED, fd, 0));
  close(fd);
  CHECK(run_program("true.tmp") == 42, "exec of a file mapped shared and writable did not fail with ETXTBSY");
  OK(munmap(m, PAGE));
  fd = OK(open("true.tmp", O_RDONLY));
  m = MAP(mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 0));
  close(fd);
  CHECK(run_program("true.tmp") == 0, "exec of a file mapped from a read-only descriptor");
  OK(munmap(m, PAGE));
  OK(unlink("true.tmp"));
}

// A mapping holds its own reference to the file: close() (and unlink) do not end it.
static void test_mmap_file_close(void) {
  int fd = make_file("close.tmp", 2 * PAGE);
  char* s = MAP(mmap(0, 2 * PAGE, RW, MAP_SHARED, fd, 0));
  OK(close(fd));
  CHECK(s[PAGE + 3] == file_byte(PAGE + 3), "reading after close");
  s[1] = 'C';
  OK(munmap(s, 2 * PAGE));
  struct change c = {1, 'C'};
  check_file("close.tmp", 2 * PAGE, &c, 1);

  fd = OK(open("close.tmp", O_RDONLY));
  char* p = MAP(mmap(0, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0));
  OK(close(fd));
  OK(unlink("close.tmp"));
  CHECK(p[1] == 'C', "reading after close and unlink");
  check_mapped_file(p + PAGE, PAGE, PAGE, "mapping of an unlinked file");
  OK(munmap(p, 2 * PAGE));
}

// MAP_PRIVATE writes never reach the file.
static void test_mmap_private(void) {
  int fd = make_file("private.tmp", 2 * PAGE);
  close(fd);
  int ro = OK(open("private.tmp", O_RDONLY));
  char* p = MAP(mmap(0, 2 * PAGE, RW, MAP_PRIVATE, ro, 0));
  p[0] = 'P';
  p[PAGE + 1] = 'Q';
  CHECK(p[0] == 'P' && p[PAGE + 1] == 'Q' && p[1] == file_byte(1), "private writes");
  char* q = MAP(mmap(0, 2 * PAGE, PROT_READ, MAP_PRIVATE, ro, 0));
  check_mapped_file(q, 2 * PAGE, 0, "a second private mapping");
  OK(msync(p, 2 * PAGE, MS_SYNC));  // nothing to write back
  OK(munmap(p, 2 * PAGE));
  OK(munmap(q, 2 * PAGE));
  check_file("private.tmp", 2 * PAGE, 0, 0);
  // Not at exit either.
  int pid = fork_or_fail();
  if (pid == 0) {
    int rw = OK(open("private.tmp", O_RDWR));
    char* c = MAP(mmap(0, 2 * PAGE, RW, MAP_PRIVATE, rw, 0));
    c[0] = 'E';
    c[PAGE] = 'E';
    exit(0);
  }
  wait_ok(pid, "private writer");
  check_file("private.tmp", 2 * PAGE, 0, 0);
  close(ro);
  OK(unlink("private.tmp"));
}

static void die_after_write(char* p) {
  p[0] = 'K';
  *(volatile char*)0 = 1;
}

// MAP_SHARED writes reach the file at munmap, at exit (also when the
// process is killed) and at msync.
static void test_mmap_shared(void) {
  uint64 size = 2 * PAGE + 10;
  int fd = make_file("shared.tmp", size);
  char* s = MAP(mmap(0, size, RW, MAP_SHARED, fd, 0));
  s[0] = 'S';
  s[2 * PAGE + 5] = 'T';
  OK(munmap(s, size));
  struct change c[4] = {{0, 'S'}, {2 * PAGE + 5, 'T'}, {PAGE, 'E'}, {PAGE + 1, 'K'}};
  check_file("shared.tmp", size, c, 2);

  int pid = fork_or_fail();
  if (pid == 0) {
    char* m = MAP(mmap(0, size, RW, MAP_SHARED, fd, 0));
    m[PAGE] = 'E';
    exit(0);  // without munmap
  }
  wait_ok(pid, "shared writer");
  check_file("shared.tmp", size, c, 3);

  pid = fork_or_fail();
  if (pid == 0) {
    char* m = MAP(mmap(0, size, RW, MAP_SHARED, fd, 0));
    die_after_write(m + PAGE + 1);
    exit(STATUS_NOT_KILLED);
  }
  int status = wait_pid(pid);
  CHECK(status != 0 && status != STATUS_NOT_KILLED, "the writer was not killed (status %d)", status);
  check_file("shared.tmp", size, c, 4);

  // A shared mapping made without PROT_WRITE cannot be written.
  s = MAP(mmap(0, size, PROT_READ, MAP_SHARED, fd, 0));
  kills_write(s, "writing a read-only shared mapping");
  OK(munmap(s, size));
  close(fd);
  check_file("shared.tmp", size, c, 4);
  OK(unlink("shared.tmp"));
}

static void test_msync(void) {
  int fd = make_file("msync.tmp", 3 * PAGE);
  char* s = MAP(mmap(0, 3 * PAGE, RW, MAP_SHARED, fd, 0));
  struct change c[3] = {{0, 'M'}, {PAGE + 7, 'N'}, {2 * PAGE + 9, 'O'}};
  s[0] = 'M';
  // MS_SYNC puts the file's pages on the disk before it returns (write()
  // and the store only filled the page cache).
  struct diskstat d0, d1;
  OK(diskstat(0, &d0));
  OK(msync(s, 3 * PAGE, MS_SYNC));
  OK(diskstat(0, &d1));
  CHECK(d1.write_sectors - d0.write_sectors >= PAGE / 512, "msync(MS_SYNC) wrote %lu sectors",
        (unsigned long)(d1.write_sectors - d0.write_sectors));
  check_file("msync.tmp", 3 * PAGE, c, 1);
  s[PAGE + 7] = 'N';
  OK(msync(s + PAGE, PAGE, MS_ASYNC));
  check_file("msync.tmp", 3 * PAGE, c, 2);
  s[2 * PAGE + 9] = 'O';
  OK(msync(s + 2 * PAGE, 1, MS_SYNC));  // the length is rounded up
  check_file("msync.tmp", 3 * PAGE, c, 3);
  // Still mapped and writable after msync; a clean msync is fine.
  CHECK(s[0] == 'M' && s[PAGE + 7] == 'N', "the mapping after msync");
  OK(msync(s, 3 * PAGE, MS_SYNC));
  s[1] = file_byte(1);  // dirty again, same data
  OK(munmap(s, 3 * PAGE));
  check_file("msync.tmp", 3 * PAGE, c, 3);
  // msync of private and anonymous memory succeeds and writes nothing.
  char* p = MAP(mmap(0, PAGE, RW, MAP_PRIVATE, fd, 0));
  p[0] = 'p';
  OK(msync(p, PAGE, MS_SYNC));
  OK(munmap(p, PAGE));
  char* a = MAP(mmap(0, PAGE, RW, ANON, -1, 0));
  a[0] = 'a';
  OK(msync(a, PAGE, MS_ASYNC));
  OK(munmap(a, PAGE));
  close(fd);
  check_file("msync.tmp", 3 * PAGE, c, 3);
  OK(unlink("msync.tmp"));
}

// ===================================================================================
// munmap and mprotect
// ===================================================================================

static void test_munmap(void) {
  char* p = MAP(mmap(0, 8 * PAGE, RW, ANON, -1, 0));
  for (int i = 0; i < 8; i++) memset(p + i * PAGE, 'A' + i, PAGE);
  OK(munmap(p, PAGE));                 // head
  OK(munmap(p + 7 * PAGE, PAGE));      // tail
  OK(munmap(p + 3 * PAGE, 2 * PAGE));  // middle: splits the mapping
  int kept[] = {1, 2, 5, 6};
  for (int k = 0; k < 4; k++)
    for (uint64 j = 0; j < PAGE; j += 512)
      CHECK(p[kept[k] * PAGE + j] == 'A' + kept[k], "page %d lost its data", kept[k]);
  kills_read(p, "reading an unmapped head");
  kills_read(p + 7 * PAGE + 1, "reading an unmapped tail");
  kills_write(p + 3 * PAGE, "writing an unmapped middle");
  kills_read(p + 5 * PAGE - 1, "reading an unmapped middle");
  // The pieces are still writable.
  p[2 * PAGE] = 'w';
  p[5 * PAGE] = 'w';
  // A range that is partly unmapped already; a range with no mapping at all.
  OK(munmap(p, 4 * PAGE));
  kills_read(p + PAGE, "reading a piece unmapped with its neighbours");
  CHECK(p[5 * PAGE] == 'w' && p[6 * PAGE] == 'G', "the other piece");
  OK(munmap(p, 8 * PAGE));
  OK(munmap(p, 8 * PAGE));
  kills_read(p + 6 * PAGE, "reading the last piece after munmap");
  // A mapping never touched.
  uint64 before = free_pages();
  char* q = MAP(mmap(0, 32 * PAGE, RW, ANON, -1, 0));
  OK(munmap(q + 8 * PAGE, 8 * PAGE));
  OK(munmap(q, 32 * PAGE));
  long cost = (long)(before - free_pages());
  CHECK(cost <= 2, "an untouched mapping of 32 pages cost %ld pages", cost);
  // Unmapping one mapping of several at once, some touched.
  char* r = MAP(mmap(0, 4 * PAGE, RW, ANON, -1, 0));
  r[PAGE] = 1;
  OK(munmap(r, 4 * PAGE));
  kills_read(r + PAGE, "reading after munmap");
}

static void test_mprotect(void) {
  char* p = MAP(mmap(0, 4 * PAGE, RW, ANON, -1, 0));
  for (int i = 0; i < 3; i++) memset(p + i * PAGE, 'a' + i, PAGE);  // page 3 stays untouched
  OK(mprotect(p + PAGE, PAGE, PROT_READ));
  CHECK(p[PAGE + 5] == 'b', "mprotect(PROT_READ) lost data");
  kills_write(p + PAGE + 5, "writing after mprotect(PROT_READ)");
  p[0] = 'A';              // the neighbours keep their protection
  p[2 * PAGE + 1] = 'C';
  // read() into a read-only page is refused, not a crash.
  int fds[2];
  OK(pipe(fds));
  CHECK(write(fds[1], "xyz", 3) == 3, "pipe write");
  FAILS(EFAULT, read(fds[0], p + PAGE, 3));
  CHECK(p[PAGE] == 'b', "read() wrote a read-only page");
  OK(mprotect(p + PAGE, PAGE, RW));
  p[PAGE + 5] = 'B';
  CHECK(p[PAGE + 4] == 'b' && p[PAGE + 5] == 'B', "data after mprotect back to RW");
  // PROT_NONE: any access kills, and the data survives.
  OK(mprotect(p + 2 * PAGE, PAGE, PROT_NONE));
  kills_read(p + 2 * PAGE, "reading PROT_NONE memory");
  kills_write(p + 2 * PAGE + 8, "writing PROT_NONE memory");
  FAILS(EFAULT, write(fds[1], p + 2 * PAGE, 3));
  OK(mprotect(p + 2 * PAGE, PAGE, PROT_READ));
  CHECK(p[2 * PAGE] == 'c' && p[2 * PAGE + 1] == 'C', "data after PROT_NONE");
  // An untouched page made read-only reads as zero and cannot be written.
  OK(mprotect(p + 3 * PAGE, PAGE, PROT_READ));
  CHECK(p[3 * PAGE + 100] == 0, "untouched read-only page not zero");
  kills_write(p + 3 * PAGE, "writing an untouched read-only page");
  // The whole range at once, over pieces with different protections.
  OK(mprotect(p, 4 * PAGE, RW));
  p[3 * PAGE] = 'd';
  p[2 * PAGE] = 'C';
  OK(mprotect(p, 4 * PAGE, PROT_READ));
  kills_write(p, "writing after mprotect of the whole mapping");
  CHECK(p[0] == 'A' && p[3 * PAGE] == 'd', "data after mprotect of the whole mapping");
  close(fds[0]);
  close(fds[1]);
  OK(munmap(p, 4 * PAGE));

  // A shared file mapping of a read-write descriptor: mprotect and write back.
  int fd = make_file("mprot.tmp", PAGE);
  char* s = MAP(mmap(0, PAGE, PROT_READ, MAP_SHARED, fd, 0));
  kills_write(s, "writing a read-only shared file mapping");
  OK(mprotect(s, PAGE, RW));
  s[0] = 'W';
  OK(munmap(s, PAGE));
  close(fd);
  struct change c = {0, 'W'};
  check_file("mprot.tmp", PAGE, &c, 1);
  OK(unlink("mprot.tmp"));
}

// ===================================================================================
// fork
// ===================================================================================

// MAP_SHARED memory stays shared with a child, both ways, including pages
// nobody had touched at fork.
static void test_fork_shared(void) {
  char* s = MAP(mmap(0, 3 * PAGE, RW, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
  s[0] = '0';
  int fd = make_file("fshared.tmp", 2 * PAGE);
  char* f = MAP(mmap(0, 2 * PAGE, RW, MAP_SHARED, fd, 0));
  f[0] = '0';
  int to_child[2], to_parent[2];
  OK(pipe(to_child));
  OK(pipe(to_parent));
  int pid = fork_or_fail();
  if (pid == 0) {
    CHECK(s[0] == '0' && f[0] == '0', "the child does not see the shared memory");
    s[0] = 'c';
    s[2 * PAGE] = 'u';  // untouched at fork
    f[0] = 'c';
    f[PAGE] = 'u';
    signal_fd(to_parent[1]);
    await_fd(to_child[0]);
    CHECK(s[PAGE] == 'p' && s[2 * PAGE + 1] == 'q', "the child does not see the parent's write");
    CHECK(f[1] == 'p', "the child does not see the parent's write to the file mapping");
    exit(0);
  }
  await_fd(to_parent[0]);
  CHECK(s[0] == 'c', "the parent does not see the child's write");
  CHECK(s[2 * PAGE] == 'u', "the parent does not see the child's write to a page untouched at fork");
  CHECK(f[0] == 'c' && f[PAGE] == 'u', "the parent does not see the child's write to the file mapping");
  s[PAGE] = 'p';
  s[2 * PAGE + 1] = 'q';
  f[1] = 'p';
  signal_fd(to_child[1]);
  wait_ok(pid, "shared child");
  CHECK(s[0] == 'c' && s[2 * PAGE] == 'u', "after the child exited");
  OK(munmap(s, 3 * PAGE));
  OK(munmap(f, 2 * PAGE));
  close(fd);
  struct change c[3] = {{0, 'c'}, {1, 'p'}, {PAGE, 'u'}};
  check_file("fshared.tmp", 2 * PAGE, c, 3);
  for (int i = 0; i < 2; i++) close(to_child[i]), close(to_parent[i]);
  OK(unlink("fshared.tmp"));
}

// MAP_PRIVATE mappings become copy-on-write: each side sees its own writes.
static void test_fork_private(void) {
  char* a = MAP(mmap(0, 3 * PAGE, RW, ANON, -1, 0));
  a[0] = 'x';
  a[2 * PAGE] = 'x';  // page 1 is untouched at fork
  int fd = make_file("fprivate.tmp", 2 * PAGE);
  char* f = MAP(mmap(0, 2 * PAGE, RW, MAP_PRIVATE, fd, 0));
  f[0] = 'x';  // page 1 untouched
  int to_child[2], to_parent[2];
  OK(pipe(to_child));
  OK(pipe(to_parent));
  int pid = fork_or_fail();
  if (pid == 0) {
    CHECK(a[0] == 'x' && a[PAGE] == 0 && f[0] == 'x', "the child's view at fork");
    CHECK(f[PAGE] == file_byte(PAGE), "the child's view of an untouched file page");
    a[0] = 'c';
    a[PAGE] = 'c';
    f[0] = 'c';
    f[PAGE] = 'c';
    signal_fd(to_parent[1]);
    await_fd(to_child[0]);
    CHECK(a[0] == 'c' && a[PAGE] == 'c' && a[2 * PAGE] == 'x', "the parent's write reached the child");
    CHECK(f[0] == 'c' && f[PAGE] == 'c' && f[1] == file_byte(1), "the parent's write reached the child's file mapping");
    exit(0);
  }
  await_fd(to_parent[0]);
  CHECK(a[0] == 'x' && a[PAGE] == 0, "the child's write reached the parent");
  CHECK(f[0] == 'x' && f[PAGE] == file_byte(PAGE), "the child's write reached the parent's file mapping");
  a[2 * PAGE] = 'p';
  f[1] = 'p';
  signal_fd(to_child[1]);
  wait_ok(pid, "private child");
  CHECK(a[0] == 'x' && a[PAGE] == 0 && a[2 * PAGE] == 'p', "after the child exited");
  OK(munmap(a, 3 * PAGE));
  OK(munmap(f, 2 * PAGE));
  close(fd);
  check_file("fprivate.tmp", 2 * PAGE, 0, 0);
  for (int i = 0; i < 2; i++) close(to_child[i]), close(to_parent[i]);
  OK(unlink("fprivate.tmp"));
}

// All other memory is private to each side after fork: data, BSS, heap,
// lazy heap, stack.
static int fork_global = 1;
static char fork_bss[3 * PAGE];
static void test_fork_memory(void) {
  char* heap = aligned_break();
  OK(sbrk(8 * PAGE));
  memset(heap, 'h', 8 * PAGE);
  char* lazy = OKP(sbrklazy(8 * PAGE));
  lazy[0] = 'l';  // the other pages stay untouched
  volatile char stack[2 * PAGE];
  stack[0] = 's';
  stack[PAGE] = 's';
  fork_bss[PAGE] = 'b';
  int to_child[2], to_parent[2];
  OK(pipe(to_child));
  OK(pipe(to_parent));
  int pid = fork_or_fail();
  if (pid == 0) {
    CHECK(fork_global == 1 && fork_bss[PAGE] == 'b' && fork_bss[2 * PAGE] == 0, "the child's data and BSS");
    CHECK(heap[0] == 'h' && heap[8 * PAGE - 1] == 'h' && lazy[0] == 'l' && lazy[PAGE] == 0, "the child's heap");
    CHECK(stack[0] == 's' && stack[PAGE] == 's', "the child's stack");
    fork_global = 2;
    fork_bss[PAGE] = 'B';
    fork_bss[2 * PAGE] = 'B';
    heap[4 * PAGE] = 'H';
    lazy[0] = 'L';
    lazy[3 * PAGE] = 'L';
    stack[0] = 'S';
    signal_fd(to_parent[1]);
    await_fd(to_child[0]);
    CHECK(fork_global == 2 && fork_bss[PAGE] == 'B' && heap[4 * PAGE] == 'H' && heap[5 * PAGE] == 'h',
          "the parent's writes reached the child");
    CHECK(lazy[0] == 'L' && lazy[3 * PAGE] == 'L' && lazy[5 * PAGE] == 0 && stack[0] == 'S',
          "the parent's writes reached the child");
    exit(0);
  }
  await_fd(to_parent[0]);
  CHECK(fork_global == 1 && fork_bss[PAGE] == 'b' && fork_bss[2 * PAGE] == 0, "the child's write reached the data or BSS");
  CHECK(heap[4 * PAGE] == 'h' && lazy[0] == 'l' && lazy[3 * PAGE] == 0, "the child's write reached the heap");
  CHECK(stack[0] == 's', "the child's write reached the stack");
  fork_global = 3;
  heap[5 * PAGE] = 'P';
  lazy[5 * PAGE] = 'P';
  stack[0] = 'P';
  signal_fd(to_child[1]);
  wait_ok(pid, "fork_memory child");
  for (int i = 0; i < 2; i++) close(to_child[i]), close(to_parent[i]);
  OK(sbrk(-16 * (int)PAGE));
}

// fork shares memory instead of copying it: a process holding more than
// half of the free memory can fork.
static void test_cow_big(void) {
  char* p = aligned_break();
  uint64 pages = free_pages() * 6 / 10;
  for (uint64 done = 0; done < pages;) {
    uint64 n = pages - done < SBRK_STEP_PAGES ? pages - done : SBRK_STEP_PAGES;
    if (sbrk((int)(n * PAGE)) == (char*)-1) fail("sbrk of %lu pages: %s", (unsigned long)n, strerror(errno));
    done += n;
  }
  for (uint64 i = 0; i < pages; i++) *(uint64*)(p + i * PAGE) = i;
  int go[2];
  OK(pipe(go));
  uint64 before = free_pages();
  int pid = fork();
  if (pid < 0) fail("fork holding %lu pages (%lu free): %s", (unsigned long)pages, (unsigned long)before, strerror(errno));
  if (pid == 0) {
    await_fd(go[0]);
    for (uint64 i = 0; i < pages; i++) CHECK(*(uint64*)(p + i * PAGE) == i, "the child's page %lu", (unsigned long)i);
    for (uint64 i = 0; i < pages; i += pages / 16) *(uint64*)(p + i * PAGE) = ~i;
    for (uint64 i = 0; i < pages; i += pages / 16) CHECK(*(uint64*)(p + i * PAGE) == ~i, "the child's write");
    exit(0);
  }
  uint64 after = free_pages();
  signal_fd(go[1]);
  CHECK((long)(before - after) < (long)pages / 4, "fork of %lu pages took %ld pages", (unsigned long)pages,
        (long)(before - after));
  wait_ok(pid, "cow_big child");
  for (uint64 i = 0; i < pages; i++) CHECK(*(uint64*)(p + i * PAGE) == i, "the child's write reached page %lu", (unsigned long)i);
  // With the child gone the parent's pages are its own again.
  for (uint64 i = 0; i < pages; i++) *(uint64*)(p + i * PAGE) = i + 1;
  close(go[0]);
  close(go[1]);
  shrink(pages);
}

// The kernel writing into a copy-on-write page (read() from a pipe) gives the
// writer's process its own copy.
static char cow_buf[3 * PAGE];
static void test_cow_pipe(void) {
  char* heap = aligned_break();
  OK(sbrk(2 * PAGE));
  memset(heap, 'P', 2 * PAGE);
  memset(cow_buf, 'P', sizeof cow_buf);
  const char msg[] = "0123456789abcdef";
  int data[2], to_child[2], to_parent[2];
  OK(pipe(data));
  OK(pipe(to_child));
  OK(pipe(to_parent));
  int pid = fork_or_fail();
  if (pid == 0) {
    // The child reads into copy-on-write pages, across a page boundary.
    CHECK(read(data[0], heap + PAGE - 8, 16) == 16, "read into the heap: %s", strerror(errno));
    CHECK(read(data[0], cow_buf + PAGE - 8, 16) == 16, "read into the BSS: %s", strerror(errno));
    CHECK(memcmp(heap + PAGE - 8, msg, 16) == 0 && memcmp(cow_buf + PAGE - 8, msg, 16) == 0,
          "the child did not get the data it read");
    signal_fd(to_parent[1]);
    // Then the parent reads into its pages; the child's stay as they were.
    await_fd(to_child[0]);
    CHECK(memcmp(heap + PAGE - 8, msg, 16) == 0 && heap[0] == 'P', "the parent's read() reached the child");
    CHECK(cow_buf[2 * PAGE + 5] == 'P', "the parent's read() reached the child's BSS");
    exit(0);
  }
  CHECK(write(data[1], msg, 16) == 16 && write(data[1], msg, 16) == 16, "pipe write");
  await_fd(to_parent[0]);
  for (int i = 0; i < 2 * (int)PAGE; i++) CHECK(heap[i] == 'P', "the child's read() reached the parent's heap at %d", i);
  for (int i = 0; i < (int)sizeof cow_buf; i++) CHECK(cow_buf[i] == 'P', "the child's read() reached the parent's BSS at %d", i);
  CHECK(write(data[1], "ZZZZ", 4) == 4, "pipe write");
  CHECK(read(data[0], heap, 4) == 4, "the parent's read into the heap");
  CHECK(write(data[1], "ZZZZ", 4) == 4, "pipe write");
  CHECK(read(data[0], cow_buf + 2 * PAGE + 4, 4) == 4, "the parent's read into the BSS");
  CHECK(memcmp(heap, "ZZZZ", 4) == 0 && memcmp(cow_buf + 2 * PAGE + 4, "ZZZZ", 4) == 0, "the parent's reads");
  signal_fd(to_child[1]);
  wait_ok(pid, "cow_pipe child");
  for (int i = 0; i < 2; i++) close(data[i]), close(to_child[i]), close(to_parent[i]);
  OK(sbrk(-2 * (int)PAGE));
}

// Many processes fork, write and exit at once, on every hart.
#define COW_PROCS 8
#define COW_ROUNDS 20
#define COW_PAGES 16
static void cow_worker(char* buf, int k) {
  for (int r = 0; r < COW_ROUNDS; r++) {
    char mine = (char)('a' + (k * COW_ROUNDS + r) % 26);
    for (int i = 0; i < COW_PAGES; i += 2) buf[i * PAGE + k] = mine;
    int pid = fork_or_fail();
    if (pid == 0) {
      for (int i = 0; i < COW_PAGES; i += 2) CHECK(buf[i * PAGE + k] == mine, "grandchild %d/%d: inherited data", k, r);
      for (int i = 0; i < COW_PAGES; i++) buf[i * PAGE + k] = 'G';
      for (int i = 0; i < COW_PAGES; i++) CHECK(buf[i * PAGE + k] == 'G', "grandchild %d/%d: own data", k, r);
      exit(0);
    }
    for (int i = 1; i < COW_PAGES; i += 2) buf[i * PAGE + k] = mine;
    wait_ok(pid, "cow grandchild");
    for (int i = 0; i < COW_PAGES; i++) CHECK(buf[i * PAGE + k] == mine, "worker %d/%d: the grandchild's write reached it", k, r);
  }
  exit(0);
}
static void test_cow_stress(void) {
  char* buf = aligned_break();
  OK(sbrk(COW_PAGES * PAGE));
  memset(buf, 'T', COW_PAGES * PAGE);
  for (int k = 0; k < COW_PROCS; k++)
    if (fork_or_fail() == 0) cow_worker(buf, k);
  // Reap in whatever order they finish; every status counts.
  for (int k = 0; k < COW_PROCS; k++) {
    int status = -1;
    int pid = wait(&status);
    CHECK(pid > 0, "wait: %s", strerror(errno));
    if (status == STATUS_REPORTED) exit(STATUS_REPORTED);
    CHECK(status == 0, "cow worker %d exited with status %d", pid, status);
  }
  for (uint64 i = 0; i < COW_PAGES * PAGE; i++) CHECK(buf[i] == 'T', "a worker's write reached the parent at %lu", (unsigned long)i);
  OK(sbrk(-COW_PAGES * (int)PAGE));
}

// ===================================================================================
// Lazy allocation and zero-fill
// ===================================================================================

#define LAZY_TOUCHES 1024
static void test_sbrklazy_huge(void) {
  char* start = aligned_break();
  struct memstat m0 = mem();
  uint64 pages = 4 * m0.total_pages;
  grow_lazy(pages);
  struct memstat m1 = mem();
  CHECK(m1.resident_pages == m0.resident_pages, "sbrklazy of %lu pages made %ld resident", (unsigned long)pages,
        (long)(m1.resident_pages - m0.resident_pages));
  CHECK((long)(m0.free_pages - m1.free_pages) < 64, "sbrklazy of %lu pages took %ld", (unsigned long)pages,
        (long)(m0.free_pages - m1.free_pages));
  uint64 stride = pages / LAZY_TOUCHES;
  for (uint64 i = 0; i < LAZY_TOUCHES; i++) {
    char* q = start + i * stride * PAGE + (i * 8) % PAGE;
    if (*q != 0) fail("lazy page %lu not zero", (unsigned long)(i * stride));
    *q = (char)(i | 1);
  }
  struct memstat m2 = mem();
  CHECK(m2.resident_pages == m0.resident_pages + LAZY_TOUCHES, "touching %d pages made %ld resident", LAZY_TOUCHES,
        (long)(m2.resident_pages - m0.resident_pages));
  for (uint64 i = 0; i < LAZY_TOUCHES; i++) {
    char* page = start + i * stride * PAGE;
    CHECK(page[(i * 8) % PAGE] == (char)(i | 1), "lazy page %lu lost its data", (unsigned long)(i * stride));
    CHECK(page[(i * 8 + 1) % PAGE] == 0 && page[(i * 8 + PAGE / 2) % PAGE] == 0, "lazy page %lu not zero",
          (unsigned long)(i * stride));
  }
  shrink(pages);
  struct memstat m3 = mem();
  CHECK(m3.resident_pages == m0.resident_pages, "after shrinking, %ld pages still resident",
        (long)(m3.resident_pages - m0.resident_pages));
}

// Memory given back with sbrk(-n) is gone, touched or not.
static void test_sbrk_shrink(void) {
  char* top = aligned_break();
  uint64 r0 = mem().resident_pages;
  OK(sbrklazy(16 * PAGE));
  top[5 * PAGE] = 1;
  top[15 * PAGE] = 1;
  OK(sbrk(-16 * (int)PAGE));
  CHECK(mem().resident_pages == r0, "shrinking left %ld pages resident", (long)(mem().resident_pages - r0));
  kills_write(top + 5 * PAGE, "writing a freed page that was touched");
  kills_read(top, "reading a freed page never touched");
  kills_read(top + 15 * PAGE + 7, "reading the last freed page");
  OK(sbrk(4 * PAGE));  // eager
  top[3 * PAGE] = 1;
  OK(sbrk(-2 * (int)PAGE));
  top[PAGE] = 1;
  kills_read(top + 3 * PAGE, "reading a freed eager page");
  OK(sbrk(-2 * (int)PAGE));
  // Grown again, the memory is zero.
  OK(sbrklazy(16 * PAGE));
  CHECK(top[5 * PAGE] == 0 && top[PAGE] == 0, "regrown heap not zero");
  OK(sbrk(-16 * (int)PAGE));
}

static void test_heap_beyond(void) {
  char* top = aligned_break();
  kills_read(top, "reading the first page above the break");
  kills_write(top + 16 * PAGE, "writing above the break");
  kills_read(top + (1ul << 30), "reading a GiB above the break");
  OK(sbrklazy(3 * PAGE));
  top[2 * PAGE] = 1;
  kills_read(top + 3 * PAGE, "reading just above a lazily grown break");
  OK(sbrk(-3 * (int)PAGE));
}

static void test_stack_guard(void) {
  int local = 0;
  CHECK((uint64)&local > STACK_BOTTOM && (uint64)&local < STACK_TOP,
        "the stack is not where this test expects it (%p, not in %p..%p)", &local, (void*)STACK_BOTTOM, (void*)STACK_TOP);
  // The stack's lowest page is there, lazily, and zero.
  uint64 r0 = mem().resident_pages;
  char* bottom = (char*)STACK_BOTTOM;
  CHECK(bottom[0] == 0 && bottom[PAGE - 1] == 0, "the bottom of the stack is not zero");
  bottom[1] = 1;
  CHECK(mem().resident_pages == r0 + 1, "touching the stack's bottom page made %ld resident",
        (long)(mem().resident_pages - r0));
  kills_read((void*)STACK_GUARD, "reading the stack guard page");
  kills_write((void*)(STACK_GUARD + PAGE - 1), "writing the top of the stack guard page");
  kills_write((void*)(STACK_GUARD - PAGE), "writing below the stack guard page");
  kills_read((void*)STACK_TOP, "reading above the stack");
}

// The helper program vmbss has a 64 MiB BSS; it prints one line and exits 0
// if what it checks holds. Its output is collected into reason.
static void run_vmbss(const char* mode) {
  int out[2];
  OK(pipe(out));
  int pid = fork_or_fail();
  if (pid == 0) {
    close(1);
    dup(out[1]);
    close(out[0]);
    close(out[1]);
    char* argv[] = {"vmbss", (char*)mode, 0};
    exec("/bin/vmbss", argv);
    printf("exec /bin/vmbss: %s\n", strerror(errno));
    exit(1);
  }
  close(out[1]);
  char line[200];
  int n = 0;
  for (;;) {
    int r = read(out[0], line + n, sizeof line - 1 - n);
    if (r <= 0) break;
    n += r;
  }
  close(out[0]);
  line[n] = 0;
  if (n > 0 && line[n - 1] == '\n') line[n - 1] = 0;
  int status = wait_pid(pid);
  CHECK(status == 0, "vmbss %s: status %d: %s", mode, status, n ? line : "(no output)");
}

static void test_bss_zero(void) { run_vmbss("zero"); }
static void test_bss_lazy(void) { run_vmbss("lazy"); }

// ===================================================================================
// Swap
// ===================================================================================

// How much of the machine's memory the swap tests touch, in percent: 275 by
// default (on a 64 MiB machine, over 160 MiB); `vmtests -pPERCENT` sets it
// (at least 110), for a slow swap device such as an SD card over SPI.
static uint64 swap_percent = 275;

// How many pages to touch: swap_percent of the machine's memory, but within
// what memory and swap can hold together; more than the memory, or the test
// proves nothing.
static uint64 swap_test_pages(uint64 copies_num, uint64 copies_den) {
  struct memstat m = mem();
  uint64 want = m.total_pages * swap_percent / 100 * copies_den / copies_num;
  uint64 room = m.free_pages + (m.swap_total_pages - m.swap_used_pages) - m.total_pages / 8;
  uint64 can = room * copies_den / copies_num;
  uint64 n = want < can ? want : can;
  CHECK(n * copies_num / copies_den > m.total_pages, "swap too small: %lu pages of swap, %lu of memory",
        (unsigned long)m.swap_total_pages, (unsigned long)m.total_pages);
  return n;
}

static void test_swap_big(void) {
  struct memstat m0 = mem();
  uint64 pages = swap_test_pages(1, 1);
  printf("swap_big: touching %lu MiB with %lu MiB of memory and %lu MiB of swap\n", (unsigned long)(pages / 256),
         (unsigned long)(m0.total_pages / 256), (unsigned long)(m0.swap_total_pages / 256));
  char* p = aligned_break();
  grow_lazy(pages);
  fill_words(p, pages * PAGE, 1);
  struct memstat m1 = mem();
  CHECK(m1.swap_used_pages > m0.swap_used_pages, "%lu pages touched and nothing went to swap", (unsigned long)pages);
  check_words(p, pages * PAGE, 1, "first pass");
  fill_words_down(p, pages * PAGE, 2);
  check_words(p, pages * PAGE, 2, "second pass");
  shrink(pages);
  struct memstat m2 = mem();
  CHECK(m2.swap_used_pages <= m0.swap_used_pages + 256, "swap used went from %lu to %lu (peak %lu) after freeing",
        (unsigned long)m0.swap_used_pages, (unsigned long)m2.swap_used_pages, (unsigned long)m1.swap_used_pages);
}

static void test_swap_fork(void) {
  // The parent's memory, plus the eighth the child rewrites.
  uint64 pages = swap_test_pages(9, 8);
  uint64 bytes = pages * PAGE;
  char* p = aligned_break();
  grow_lazy(pages);
  fill_words(p, bytes, 3);
  int pid = fork_or_fail();
  if (pid == 0) {
    check_words(p, bytes, 3, "the child's copy");
    uint64 part = (pages / 8) * PAGE;
    fill_words(p + bytes - part, part, 4);
    check_words(p, bytes - part, 3, "the child's copy after it wrote");
    check_words(p + bytes - part, part, 4, "the child's writes");
    exit(0);
  }
  wait_ok(pid, "swap_fork child");
  check_words(p, bytes, 3, "the parent's memory after the child");
  shrink(pages);
}

// Two unrelated processes under pressure: one fills more than memory and
// then waits holding what stayed resident; the other then writes three
// quarters of memory's worth. Replacement is per process, so the second
// one's faults make room by pushing out its own older pages; it must still
// get all it asks for, and both must find their data intact.
static void test_swap_two(void) {
  struct memstat m = mem();
  uint64 big = swap_test_pages(2, 1);    // the holder: over a third of what fits
  uint64 small = m.total_pages * 3 / 4;  // the second: three quarters of memory
  int go[2];
  OK(pipe(go));
  int pid = fork_or_fail();
  if (pid == 0) {
    char c;
    close(go[1]);
    CHECK(read(go[0], &c, 1) == 1, "waiting for the holder: %s", strerror(errno));
    char* q = aligned_break();
    grow_lazy(small);
    fill_words(q, small * PAGE, 9);
    check_words(q, small * PAGE, 9, "the second process's memory");
    exit(0);
  }
  close(go[0]);
  char* p = aligned_break();
  grow_lazy(big);
  fill_words(p, big * PAGE, 8);
  CHECK(write(go[1], "g", 1) == 1, "starting the second process: %s", strerror(errno));
  close(go[1]);
  wait_ok(pid, "the second process");
  check_words(p, big * PAGE, 8, "the holder's memory after the second process");
  shrink(big);
}

static void test_swap_mmap(void) {
  // A private file mapping, half rewritten, then pushed out by anonymous memory.
  uint64 fpages = 256;
  int fd = make_file("swap.tmp", fpages * PAGE);
  char* f = MAP(mmap(0, fpages * PAGE, RW, MAP_PRIVATE, fd, 0));
  close(fd);
  for (uint64 i = 0; i < fpages; i += 2) fill_words(f + i * PAGE, PAGE, 5);
  uint64 pages = swap_test_pages(1, 1) - fpages;
  char* a = MAP(mmap(0, pages * PAGE, RW, ANON, -1, 0));
  fill_words(a, pages * PAGE, 6);
  check_words(a, pages * PAGE, 6, "anonymous mapping");
  for (uint64 i = 0; i < fpages; i++) {
    if (i % 2 == 0) {
      check_words(f + i * PAGE, PAGE, 5, "rewritten page of the private file mapping");
    } else {
      check_mapped_file(f + i * PAGE, PAGE, i * PAGE, "page of the private file mapping");
    }
  }
  fill_words_down(a, pages * PAGE, 7);
  check_words(a, pages * PAGE, 7, "anonymous mapping, second pass");
  OK(munmap(a, pages * PAGE));
  OK(munmap(f, fpages * PAGE));
  // The file is as it was.
  CHECK(file_size("swap.tmp") == fpages * PAGE, "the file's size changed");
  fd = OK(open("swap.tmp", O_RDONLY));
  for (uint64 off = 0; off < fpages * PAGE; off += sizeof filebuf) {
    CHECK(read(fd, filebuf, sizeof filebuf) == (int)sizeof filebuf, "reading the file back");
    check_mapped_file(filebuf, sizeof filebuf, off, "the file after private writes");
  }
  close(fd);
  OK(unlink("swap.tmp"));
}

// ===================================================================================
// The table and the runner
// ===================================================================================

#define VM_SWAP 1   // needs swap; registered with a small machine (--mem 64M)
#define VM_SMALL 2  // registered with a smaller machine still (--mem 40M)

struct test {
  const char* name;
  void (*run)(void);
  int flags;
};

static const struct test tests[] = {
#define VMTEST(name, ...) {#name, test_##name, __VA_ARGS__},
#include "vmtests_table.h"
#undef VMTEST
};
#define TEST_COUNT ((int)(sizeof tests / sizeof tests[0]))

// Runs one test and prints its line; returns 1 if it passed.
static int run_test(const struct test* t) {
  if (t->flags & VM_SWAP) {
    struct memstat m;
    if (memstat(&m) == 0 && m.swap_total_pages == 0) {
      printf("vmtests: %s: ok (skipped: no swap)\n", t->name);
      return 1;
    }
  }
  return run_one(t->name, t->run, 1);
}

// Exercises the common kernel paths once, so that the caches they fill do not
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
      write(fd, "warm", 4);
      char* p = mmap(0, PAGE, RW, MAP_SHARED, fd, 0);
      if (p != MAP_FAILED) {
        p[0] = 'W';
        munmap(p, PAGE);
      }
      close(fd);
      unlink("warmup.tmp");
    }
    char* a = mmap(0, PAGE, RW, ANON, -1, 0);
    if (a != MAP_FAILED) {
      a[0] = 1;
      munmap(a, PAGE);
    }
    int child = fork();
    if (child == 0) {
      char* argv[] = {"vmbss", "zero", 0};
      close(1);
      open("warmup.tmp", O_CREATE | O_RDWR);
      exec("/bin/vmbss", argv);
      exit(0);
    }
    if (child > 0) wait(0);
    unlink("warmup.tmp");
    exit(0);
  }
  if (pid > 0) wait(0);
}

// vmtests -s: only the tests that need neither swap nor a small machine
// (those are registered with one; see tests/user/vm.cmake).
static int ordinary_only = 0;

int main(int argc, char* argv[]) {
  int named = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-l") == 0) {
      for (int k = 0; k < TEST_COUNT; k++) printf("%s%s\n", tests[k].name, tests[k].flags & VM_SWAP ? " (swap)" : "");
      exit(0);
    } else if (strcmp(argv[i], "-s") == 0) {
      ordinary_only = 1;
    } else if (argv[i][0] == '-' && argv[i][1] == 'p' && argv[i][2] && atoi(argv[i] + 2) >= 110) {
      swap_percent = (uint64)atoi(argv[i] + 2);
    } else if (argv[i][0] == '-') {
      fprintf(2, "usage: vmtests [-l] [-s] [-pPERCENT] [NAME...]\n");
      exit(1);
    } else {
      int found = 0;
      for (int k = 0; k < TEST_COUNT; k++) found |= strcmp(tests[k].name, argv[i]) == 0;
      if (!found) {
        fprintf(2, "vmtests: no test named %s (vmtests -l lists them)\n", argv[i]);
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
    if (named && !named_on_command_line(argc, argv, t->name)) continue;
    if (ordinary_only && t->flags) continue;
    if (run_test(t)) {
      passed++;
    } else {
      failed++;
    }
  }
  finish_suite(passed, failed);
}

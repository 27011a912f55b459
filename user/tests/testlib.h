// The harness usertests and vmtests share: failing a test with a reason,
// the CHECK/OK/FAILS assertions, child processes, and running one test in
// a child with the free-page count compared before and after.
//
// A suite defines SUITE (its name, as its lines start) and includes this
// once, after user/user.h. Output is one line per test, for the host
// harness:   SUITE: <name>: ok   or   SUITE: <name>: FAIL <reason>
#pragma once

#ifndef SUITE
#error "define SUITE before including testlib.h"
#endif

// Exit statuses between a test process and the suite.
#define STATUS_REPORTED 97    // the test printed its own FAIL line
#define STATUS_NOT_KILLED 55  // a process that should have been killed was not

static const char* current = "?";  // the test running in this process

// ---- reporting -----------------------------------------------------------------

static void fail(const char* fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
static void fail(const char* fmt, ...) {
  char reason[240];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  printf(SUITE ": %s: FAIL %s\n", current, reason);
  exit(STATUS_REPORTED);
}

#define CHECK(cond, ...)            \
  do {                              \
    if (!(cond)) fail(__VA_ARGS__); \
  } while (0)

// The call must not return -1.
#define OK(call) ok_result((long)(call), #call, __LINE__)
static long ok_result(long r, const char* what, int line) {
  if (r == -1) fail("line %d: %s: %s", line, what, strerror(errno));
  return r;
}

// The same for calls that return a pointer, (char*)-1 on failure (sbrk, sbrklazy).
#define OKP(call) ((char*)ok_result((long)(call), #call, __LINE__))

// The call must fail with -1 (MAP_FAILED) and this errno.
#define FAILS(err, call) fails_with((err), (long)(call), #call, __LINE__)
static void fails_with(int err, long r, const char* what, int line) {
  if (r != -1) fail("line %d: %s returned %ld, expected -1 %s", line, what, r, errname(err));
  if (errno != err) {
    char got[16];
    strcpy(got, errname(errno));
    fail("line %d: %s: errno %s, expected %s", line, what, got, errname(err));
  }
}

// The call must fail with -1 (any errno).
#define FAILS_ANY(call) fails_any((long)(call), #call, __LINE__)
static void fails_any(long r, const char* what, int line) {
  if (r != -1) fail("line %d: %s returned %ld, expected -1", line, what, r);
}

// ---- child processes -------------------------------------------------------------

// Waits for pid and returns its status. A child that printed its own FAIL
// line ends this test quietly (the line is already out).
static int wait_pid(int pid) {
  for (;;) {
    int status = 0;
    int r = wait(&status);
    if (r < 0) fail("wait for %d: %s", pid, strerror(errno));
    if (r == pid) {
      if (status == STATUS_REPORTED) exit(STATUS_REPORTED);
      return status;
    }
  }
}

static void wait_ok(int pid, const char* what) {
  int status = wait_pid(pid);
  CHECK(status == 0, "%s: child exited with status %d", what, status);
}

static int fork_or_fail(void) {
  int pid = fork();
  if (pid < 0) fail("fork: %s", strerror(errno));
  return pid;
}

// ---- running a test --------------------------------------------------------------

// Pages free or holding cached file data the kernel can give back: the
// page cache keeps file pages after their files are closed.
static uint64 free_pages(void) {
  struct memstat m;
  return memstat(&m) < 0 ? 0 : m.free_pages + m.cached_pages;
}

// Runs `run` in a child named `name`; its exit status, or below -1000 if it
// could not be started or waited for.
static int run_in_child(const char* name, void (*run)(void)) {
  int pid = fork();
  if (pid < 0) return -1000 - errno;
  if (pid == 0) {
    current = name;
    run();
    exit(0);
  }
  for (;;) {
    int status = 0;
    int r = wait(&status);
    if (r == pid) return status;
    if (r < 0) return -2000 - errno;
  }
}

// Prints the FAIL line for a run that did not pass; returns 1 if it passed.
static int run_passed(const char* name, int status, const char* which) {
  if (status == 0) return 1;
  if (status == STATUS_REPORTED) return 0;  // the test printed its FAIL line
  if (status <= -1000)
    printf(SUITE ": %s: FAIL could not run the test (%s)\n", name, errname(-status % 1000));
  else
    printf(SUITE ": %s: FAIL the %stest process exited with status %d (killed?)\n", name, which, status);
  return 0;
}

// ---- the suite's main ----------------------------------------------------------

// Whether the command line (argv[1..], options skipped) names `name`.
static int named_on_command_line(int argc, char* argv[], const char* name) {
  for (int i = 1; i < argc; i++)
    if (argv[i][0] != '-' && strcmp(argv[i], name) == 0) return 1;
  return 0;
}

// The tests make their files in the scratch directory SUITE ".tmp".
static void enter_scratch_directory(void) {
  if (mkdir(SUITE ".tmp") < 0 && errno != EEXIST) {
    fprintf(2, SUITE ": mkdir " SUITE ".tmp: %s\n", strerror(errno));
    exit(1);
  }
  if (chdir(SUITE ".tmp") < 0) {
    fprintf(2, SUITE ": chdir " SUITE ".tmp: %s\n", strerror(errno));
    exit(1);
  }
  printf(SUITE ": starting\n");
}

// Leaves the scratch directory, prints the summary line and exits.
static void finish_suite(int passed, int failed) __attribute__((noreturn));
static void finish_suite(int passed, int failed) {
  chdir("..");
  unlink(SUITE ".tmp");  // fails, harmlessly, if a test left files behind
  printf(SUITE ": %d passed, %d failed\n", passed, failed);
  exit(failed == 0 ? 0 : 1);
}

// Runs one test and prints its line; returns 1 if it passed. With
// `check_leaks`, the free-page count must come back: a test that seems to
// leak runs once more (kernel caches may keep pages after their first use,
// and are warm the second time) and fails if it leaks again.
static int run_one(const char* name, void (*run)(void), int check_leaks) {
  uint64 before = free_pages();
  int status = run_in_child(name, run);
  uint64 after = free_pages();
  if (!run_passed(name, status, "")) return 0;
  if (check_leaks && after < before) {
    uint64 first = before - after;
    before = free_pages();
    status = run_in_child(name, run);
    after = free_pages();
    if (!run_passed(name, status, "second ")) return 0;
    if (after < before) {
      printf(SUITE ": %s: FAIL leaked %lu pages (%lu on a second run)\n", name, (unsigned long)first,
             (unsigned long)(before - after));
      return 0;
    }
  }
  printf(SUITE ": %s: ok\n", name);
  return 1;
}

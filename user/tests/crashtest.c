// crashtest: the user side of the crash-consistency test
// (tests/user/test_crash.py), which kills QEMU while this runs.
//
// What a file system owes after a power cut at any point:
//   * rivet-fsck finds it consistent (the test script checks that);
//   * everything done before the last sync() (or fsync() of a file) that
//     returned is there;
//   * no file ever shows a block it was not given: within its size a file
//     holds its own data or zeros, never another file's (no stale data of a
//     deleted file).
// Nothing else is promised for the steps after the last sync: a file written
// since may be missing, shorter, or hold zeros where its data did not reach
// the disk yet.
//
//   crashtest write SEED  creates /crash/f0, f1, ... (one file a step,
//                      written in several write() calls, up to about 90 KiB
//                      so that some need an indirect block), renames some by
//                      link + unlink and removes others, without syncing.
//                      After step N's calls returned it prints
//                      "crashtest: done N". Every few steps (the schedule
//                      comes from SEED) it either calls sync() and then
//                      prints "crashtest: synced N" (every step <= N is
//                      durable), or calls fsync() on the file it just wrote
//                      and then prints "crashtest: fsynced N" (file N's data
//                      and size are durable; its name is not promised, and
//                      neither is any other step). Runs until killed.
//   crashtest check N [F...]  after a crash, N being the last "synced" (-1
//                      for none) and F... the "fsynced" files after it:
//                      every step up to N must have done all it does, every
//                      F that exists (under its first or its renamed name)
//                      must be complete, and every file in /crash must be
//                      one the steps make, hold at most its full size and,
//                      within it, only its own bytes or zeros. Prints
//                      "crashtest: ok" or each problem found.
//
// Every 8-byte word of every file is unique: word w of file n is
// ((n + 1) << 32 | w) ^ kSalt, so a byte of another file, or of another
// offset of the same file, is caught (except where it happens to be zero or
// to equal the expected byte).
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"
#include "kernel/fs.h"

#define MAXSTEPS 100000
#define MAXSIZE (96 * 1024)
// Every byte of it non-zero, so few bytes of a file's own content are zero.
static const uint64 kSalt = 0x5a17c0de3c96a5e1ull;

static unsigned char buffer[MAXSIZE];

// The size of file n: deterministic, 1 byte to 28 KiB (up to 7 blocks), and
// every fourth file 49 to 89 KiB: over 48 KiB (12 direct blocks), so it
// needs the single-indirect block.
static int file_size(int n) {
  if (n % 4 == 3) return 49 * 1024 + (n * 7919) % (40 * 1024);
  return 1 + (n * 12347) % (28 * 1024);
}

// Byte `off` of file n.
static unsigned char content_byte(int n, int off) {
  uint64 word = (((uint64)(n + 1) << 32) | (uint64)(off / 8)) ^ kSalt;
  return (unsigned char)(word >> (8 * (off % 8)));
}

static void fill(int n, int from, int to) {
  for (int i = from; i < to; i++) buffer[i] = content_byte(n, i);
}

static void name_of(char* out, const char* prefix, int n) {
  int len = 0;
  while (prefix[len]) {
    out[len] = prefix[len];
    len++;
  }
  char digits[12];
  int d = 0;
  do {
    digits[d++] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  while (d) out[len++] = digits[--d];
  out[len] = 0;
}

// Step n: create f<n> with its content; when n % 5 == 4, rename f<n-1> to
// g<n-1> (link, then unlink); when n % 3 == 2, remove f<n-2> unless it was
// renamed. A file is renamed or removed, never both.
static int renamed_by(int s) { return s >= 1 && s % 5 == 4; }                   // renames f<s-1>
static int removes(int s) { return s >= 2 && s % 3 == 2 && !renamed_by(s - 1); }  // removes f<s-2>

static void fail(const char* what, const char* path) {
  fprintf(2, "crashtest: %s %s: %s\n", what, path, strerror(errno));
  exit(1);
}

// A small generator for the sync schedule and the write sizes (repeatable
// by seed).
static uint64 rng_state;
static uint32 rng(void) {
  rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32)(rng_state >> 33);
}

static void step(int n, int do_fsync) {
  char f[32], g[32];
  name_of(f, "/crash/f", n);
  int fd = open(f, O_CREATE | O_WRONLY | O_TRUNC);
  if (fd < 0) fail("create", f);
  int size = file_size(n);
  fill(n, 0, size);
  // In pieces of 1 byte to 24 KiB, so a crash can cut a file anywhere.
  for (int done = 0; done < size;) {
    int piece = 1 + (int)(rng() % (24 * 1024));
    if (piece > size - done) piece = size - done;
    if (write(fd, buffer + done, piece) != piece) fail("write", f);
    done += piece;
  }
  if (do_fsync && fsync(fd) < 0) fail("fsync", f);
  close(fd);
  if (renamed_by(n)) {
    name_of(f, "/crash/f", n - 1);
    name_of(g, "/crash/g", n - 1);
    if (link(f, g) < 0 || unlink(f) < 0) fail("rename", f);
  }
  if (removes(n)) {
    name_of(f, "/crash/f", n - 2);
    if (unlink(f) < 0) fail("unlink", f);
  }
  printf("crashtest: done %d\n", n);
  if (do_fsync) printf("crashtest: fsynced %d\n", n);
}

static void write_all(uint64 seed) {
  rng_state = seed;
  mkdir("/crash");
  int next_sync = 0;  // steps until the next sync() or fsync()
  for (int n = 0; n < MAXSTEPS; n++) {
    if (next_sync == 0) next_sync = 1 + (int)(rng() % 6);
    int syncing = --next_sync == 0;
    // One sync in three is an fsync of the file just written.
    int kind = syncing ? (int)(rng() % 3) : -1;
    step(n, kind == 0);
    if (kind > 0) {
      if (sync() < 0) fail("sync", "/");
      printf("crashtest: synced %d\n", n);
    }
  }
}

// ---- check ---------------------------------------------------------------------

#define LOOKED_AT 0
#define MISSING (-1)
#define FOREIGN (-2)

// Checks the file at path as file n: at most `size` bytes, each its own or
// zero, and with must_be_complete exactly its full content. Returns its size,
// MISSING, or FOREIGN (after printing what is wrong).
static int check_file(const char* path, int n, int must_be_complete) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return MISSING;
  struct stat st;
  if (fstat(fd, &st) < 0) {
    printf("crashtest: %s: fstat: %s\n", path, strerror(errno));
    close(fd);
    return FOREIGN;
  }
  int full = file_size(n);
  if (st.size > (uint64)full) {
    printf("crashtest: %s is %lu bytes, more than its %d\n", path, (unsigned long)st.size, full);
    close(fd);
    return FOREIGN;
  }
  int got = 0, r;
  while (got < MAXSIZE && (r = read(fd, buffer + got, MAXSIZE - got)) > 0) got += r;
  close(fd);
  if (got != (int)st.size) {
    printf("crashtest: %s: read %d bytes of its %lu\n", path, got, (unsigned long)st.size);
    return FOREIGN;
  }
  int zeros = 0, first_zero = -1;
  for (int i = 0; i < got; i++) {
    unsigned char want = content_byte(n, i);
    if (buffer[i] == want) continue;
    if (buffer[i] == 0) {
      if (first_zero < 0) first_zero = i;
      zeros++;
      continue;
    }
    // Whose byte is it? The word around it says (if the whole word came along).
    int w = i & ~7;
    uint64 word = 0;
    for (int b = 0; b < 8 && w + b < got; b++) word |= (uint64)buffer[w + b] << (8 * b);
    word ^= kSalt;
    printf("crashtest: %s (file %d, %d bytes): byte %d is %d, not its own %d (nor 0); its word reads as file "
           "%ld offset %lu\n",
           path, n, got, i, buffer[i], want, (long)(word >> 32) - 1, (unsigned long)(word & 0xffffffff) * 8);
    return FOREIGN;
  }
  if (must_be_complete && (got != full || zeros)) {
    printf("crashtest: %s holds %d bytes of its %d", path, got, full);
    if (zeros) printf(", %d of them zero from byte %d", zeros, first_zero);
    printf("; it should be complete\n");
    return FOREIGN;
  }
  return got;
}

// "f123" -> 'f', 123; 0 for any other name.
static int parse_name(const char* name, int* n) {
  if ((name[0] != 'f' && name[0] != 'g') || name[1] < '0' || name[1] > '9') return 0;
  int v = 0;
  for (int i = 1; name[i]; i++) {
    if (name[i] < '0' || name[i] > '9' || v > MAXSTEPS) return 0;
    v = v * 10 + (name[i] - '0');
  }
  *n = v;
  return name[0];
}

static int fsynced_count;
static int* fsynced;

static int was_fsynced(int n) {
  for (int i = 0; i < fsynced_count; i++)
    if (fsynced[i] == n) return 1;
  return 0;
}

static int check(int last) {
  int problems = 0;
  char f[32], g[32];
  // The steps up to `last`: each file exactly where they put it.
  for (int n = 0; n <= last; n++) {
    name_of(f, "/crash/f", n);
    name_of(g, "/crash/g", n);
    int renamed = renamed_by(n + 1), removed = removes(n + 2);
    int renamed_done = renamed && n + 1 <= last, removed_done = removed && n + 2 <= last;
    // A file the synced steps left must be complete; one a later step may
    // have renamed (linked and unlinked) or removed may be there or not.
    int fs = check_file(f, n, 1), gs = renamed ? check_file(g, n, 1) : MISSING;
    if (fs == FOREIGN || gs == FOREIGN) {
      problems++;
      continue;
    }
    int ok;
    if (renamed_done)
      ok = fs == MISSING && gs >= 0;
    else if (removed_done)
      ok = fs == MISSING;
    else if (renamed)  // the rename may have happened in part or whole
      ok = fs >= 0 || gs >= 0;
    else if (removed)
      ok = 1;
    else
      ok = fs >= 0;
    if (!ok) {
      printf("crashtest: file %d: f %s, g %s after synced step %d\n", n, fs < 0 ? "missing" : "present",
             gs < 0 ? "missing" : "present", last);
      problems++;
    }
  }
  // Everything in /crash: names the steps make, contents their own.
  int dir = open("/crash", O_RDONLY);
  if (dir < 0) {
    if (last >= 0) {
      printf("crashtest: /crash: %s\n", strerror(errno));
      problems++;
    }
  } else {
    struct dirent de;
    int files = 0;
    while (read(dir, &de, sizeof de) == sizeof de) {
      if (de.inum == 0) continue;
      char name[DIRSIZ + 1];
      memmove(name, de.name, DIRSIZ);
      name[DIRSIZ] = 0;
      if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) continue;
      files++;
      int n, kind = parse_name(name, &n);
      if (kind == 0 || (kind == 'g' && !renamed_by(n + 1))) {
        printf("crashtest: /crash/%s: no step makes that name\n", name);
        problems++;
        continue;
      }
      if (n <= last) continue;  // checked above
      char path[DIRSIZ + 8];
      name_of(path, kind == 'f' ? "/crash/f" : "/crash/g", n);
      // After the last sync: any prefix of its content, zeros allowed,
      // unless it was fsynced (then complete under whichever name).
      if (check_file(path, n, was_fsynced(n)) == FOREIGN) problems++;
    }
    close(dir);
    if (problems == 0) printf("crashtest: %d files in /crash\n", files);
  }
  if (problems == 0) printf("crashtest: ok (%d steps synced, %d fsynced after)\n", last + 1, fsynced_count);
  return problems;
}

static int parse_int(const char* s) { return s[0] == '-' ? -atoi(s + 1) : atoi(s); }

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "write") == 0) {
    write_all((uint64)parse_int(argv[2]) * 2654435761u + 1);
    exit(0);
  }
  if (argc >= 3 && strcmp(argv[1], "check") == 0) {
    static int list[64];
    fsynced = list;
    for (int i = 3; i < argc && fsynced_count < 64; i++) list[fsynced_count++] = parse_int(argv[i]);
    exit(check(parse_int(argv[2])) == 0 ? 0 : 1);
  }
  fprintf(2, "usage: crashtest write SEED | crashtest check LAST_SYNCED [FSYNCED...]\n");
  exit(2);
}

// bench: what the basic operations cost, measured in the guest.
//
//   bench                  every benchmark, 7 rounds each
//   bench -r N             N rounds (1 to 31)
//   bench -H HZ            the time CSR ticks at HZ (default 10 MHz, QEMU virt)
//   bench KEY...           only the named benchmarks (bench -l lists them)
//
// Every figure comes from the user-readable counters: `instret` (retired
// instructions; under QEMU TCG without -icount it counts host ticks instead,
// so read instruction counts from an -icount run) and `time` (10 MHz on QEMU
// virt). Each benchmark runs one warm-up round that is thrown away, then N
// rounds; a round times `ops` operations and divides. One line per benchmark:
//
//   bench: KEY instret_median=I instret_min=I instret_max=I
//          time_us_median=T time_us_min=T time_us_max=T unit=U rounds=N ops=K
//
// (on one line), or `bench: KEY n/a (REASON)` when the kernel cannot do it
// (REASON is the errno name, or "no swap"), and `bench: done` at the end.
// Figures that may touch the disk (the file figures, fork, fork+exec,
// swap-in) add what the disks did during the measured spans, per operation,
// from the kernel's own counters (diskstat(), summed over the disks):
//
//   bench: KEY.io read_requests=R read_kib=K write_requests=W write_kib=K
//          flushes=F unit=U rounds=N ops=K
//
// and the file figures, per MiB of file data,
//
//   bench: KEY.disk requests_per_mib=R disk_mib_per_mib=D
//
// The disk figures are exact and do not depend on the host's load; the
// instruction counts of figures that wait for the disk do (see README).
// tools/bench.sh boots QEMU, runs this and turns the lines into a table.
//
// The counters are global: whatever the hart does between the two reads
// (the kernel, other processes such as a forked child, timer interrupts,
// idle time waiting for the disk) is part of the figure. That is the point
// for fork+wait or a pipe round trip.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "user/user.h"
#include "kernel/fcntl.h"

#define PAGE 4096
#define KIB 1024
#define MIB (1024 * 1024)
// The `time` CSR runs at 10 MHz on QEMU virt; -H gives another rate (1 MHz on
// the SiFive boards and QEMU sifive_u, 4 MHz on the VisionFive 2).
static uint64 time_hz = 10000000;
#define MAX_ROUNDS 31

static int rounds = 7;

// ---- counters ------------------------------------------------------------------

static inline uint64 read_instret(void) {
  uint64 x;
  __asm__ volatile("csrr %0, instret" : "=r"(x));
  return x;
}

static inline uint64 read_time(void) {
  uint64 x;
  __asm__ volatile("csrr %0, time" : "=r"(x));
  return x;
}

// What every disk has done so far, added up over the disks (diskstat()).
struct disk_totals {
  uint64 read_requests, read_sectors, write_requests, write_sectors, flushes;
};

static struct disk_totals disk_totals(void) {
  struct disk_totals t = {0, 0, 0, 0, 0};
  struct diskstat d;
  for (int i = 0; diskstat(i, &d) == 0; i++) {
    t.read_requests += d.read_requests;
    t.read_sectors += d.read_sectors;
    t.write_requests += d.write_requests;
    t.write_sectors += d.write_sectors;
    t.flushes += d.flushes;
  }
  return t;
}

// The measured stretch of the current round: a round function calls
// span_begin() after its setup and span_end() before its cleanup. The disk
// counters are read just outside the two counter reads, so the span's disk
// traffic is exact and the diskstat() calls are not in its figures.
static struct {
  uint64 time0, instret0, instret1, time1;
  struct disk_totals disk0, disk1;
  int ended;
} span;

static void span_begin(void) {
  span.ended = 0;
  span.disk0 = disk_totals();
  span.time0 = read_time();
  span.instret0 = read_instret();
}

static void span_end(void) {
  span.instret1 = read_instret();
  span.time1 = read_time();
  span.disk1 = disk_totals();
  span.ended = 1;
}

// ---- reporting -----------------------------------------------------------------

static void report_na(const char* key, const char* reason) { printf("bench: %s n/a (%s)\n", key, reason); }

static void sort(uint64* v, int n) {
  for (int i = 1; i < n; i++) {
    uint64 x = v[i];
    int j = i - 1;
    for (; j >= 0 && v[j] > x; j--) v[j + 1] = v[j];
    v[j + 1] = x;
  }
}

// Nanoseconds as microseconds with three decimals (printf has no floating point).
static void format_us(char* out, size_t size, uint64 ns) {
  snprintf(out, size, "%lu.%03lu", (unsigned long)(ns / 1000), (unsigned long)(ns % 1000));
}

// A round: setup, span_begin(), `ops` operations, span_end(), cleanup.
// Returns 0, or an errno value when the kernel refused something.
typedef int (*round_fn)(int ops);

// Hundredths as "I.FF".
static void format_hundredths(char* out, size_t size, uint64 x100) {
  snprintf(out, size, "%lu.%02lu", (unsigned long)(x100 / 100), (unsigned long)(x100 % 100));
}

// What measure() does besides the timing line.
#define DISK_PER_OP 1  // also print the disk traffic per operation (KEY.io)

// The disk traffic of the last measure()'s measured rounds (the warm-up not
// included), for measure_disk().
static struct disk_totals measured_disk;
static uint64 measured_ops;

// Runs a warm-up round and `rounds` measured rounds of `round`, and prints
// the line for `key`; with DISK_PER_OP in `flags`, also the disk traffic of
// the measured spans per operation:
//
//   bench: KEY.io read_requests=R read_kib=K write_requests=W write_kib=K
//          flushes=F unit=U rounds=N ops=K
//
// (on one line, every figure per operation with two decimals, summed over
// the measured rounds' spans and divided by rounds * ops). Returns 0 or the
// errno that stopped it (after printing the n/a line).
static int measure_flags(const char* key, const char* unit, int ops, round_fn round, int flags) {
  uint64 instret[MAX_ROUNDS], ns[MAX_ROUNDS];
  struct disk_totals disk = {0, 0, 0, 0, 0};
  for (int r = -1; r < rounds; r++) {
    span.ended = 0;
    int err = round(ops);
    if (err != 0) {
      report_na(key, errname(err));
      return err;
    }
    if (!span.ended) {
      report_na(key, "round did not end its span");
      return EINVAL;
    }
    if (r < 0) continue;  // the warm-up round
    instret[r] = (span.instret1 - span.instret0 + ops / 2) / ops;
    ns[r] = ((span.time1 - span.time0) * 1000000000ull / time_hz + ops / 2) / ops;
    disk.read_requests += span.disk1.read_requests - span.disk0.read_requests;
    disk.read_sectors += span.disk1.read_sectors - span.disk0.read_sectors;
    disk.write_requests += span.disk1.write_requests - span.disk0.write_requests;
    disk.write_sectors += span.disk1.write_sectors - span.disk0.write_sectors;
    disk.flushes += span.disk1.flushes - span.disk0.flushes;
  }
  measured_disk = disk;
  measured_ops = (uint64)rounds * ops;
  sort(instret, rounds);
  sort(ns, rounds);
  char med[24], lo[24], hi[24];
  format_us(med, sizeof med, ns[rounds / 2]);
  format_us(lo, sizeof lo, ns[0]);
  format_us(hi, sizeof hi, ns[rounds - 1]);
  printf("bench: %s instret_median=%lu instret_min=%lu instret_max=%lu time_us_median=%s time_us_min=%s "
         "time_us_max=%s unit=%s rounds=%d ops=%d\n",
         key, (unsigned long)instret[rounds / 2], (unsigned long)instret[0], (unsigned long)instret[rounds - 1],
         med, lo, hi, unit, rounds, ops);
  if (flags & DISK_PER_OP) {
    uint64 n = measured_ops;
    char rr[24], rk[24], wr[24], wk[24], fl[24];
    // Sectors are 512 bytes: KiB * 100 = sectors * 50.
    format_hundredths(rr, sizeof rr, (disk.read_requests * 100 + n / 2) / n);
    format_hundredths(rk, sizeof rk, (disk.read_sectors * 50 + n / 2) / n);
    format_hundredths(wr, sizeof wr, (disk.write_requests * 100 + n / 2) / n);
    format_hundredths(wk, sizeof wk, (disk.write_sectors * 50 + n / 2) / n);
    format_hundredths(fl, sizeof fl, (disk.flushes * 100 + n / 2) / n);
    printf("bench: %s.io read_requests=%s read_kib=%s write_requests=%s write_kib=%s flushes=%s unit=%s "
           "rounds=%d ops=%d\n",
           key, rr, rk, wr, wk, fl, unit, rounds, ops);
  }
  return 0;
}

static int measure(const char* key, const char* unit, int ops, round_fn round) {
  return measure_flags(key, unit, ops, round, 0);
}

// measure() for a figure that moves `mib_per_op` MiB of file data per op:
// prints the KEY.io line, then the disk requests (reads and writes; flushes
// are only in KEY.io) its measured spans took per MiB of file data, `bench: KEY.disk
// requests_per_mib=R disk_mib_per_mib=D`, where D is the MiB the disks
// moved (read or written) per MiB of file data (2 for data written once to
// the log and once in place).
static int measure_disk(const char* key, const char* unit, int ops, round_fn round, int mib_per_op) {
  int err = measure_flags(key, unit, ops, round, DISK_PER_OP);
  if (err) return err;
  struct disk_totals d = measured_disk;
  uint64 mib = measured_ops * mib_per_op;
  uint64 req100 = (d.read_requests + d.write_requests) * 100 / mib;
  uint64 disk100 = (d.read_sectors + d.write_sectors) * 100 / 2048 / mib;
  char req[24], moved[24];
  format_hundredths(req, sizeof req, req100);
  format_hundredths(moved, sizeof moved, disk100);
  printf("bench: %s.disk requests_per_mib=%s disk_mib_per_mib=%s\n", key, req, moved);
  return 0;
}

// ---- null system call --------------------------------------------------------------

static int getpid_round(int ops) {
  span_begin();
  for (int i = 0; i < ops; i++) getpid();
  span_end();
  return 0;
}

static void bench_getpid(void) { measure("getpid", "call", 10000, getpid_round); }

// ---- anonymous memory ----------------------------------------------------------

#define FAULT_PAGES 1024  // 4 MiB per round

// First touch of lazily allocated pages: one page fault each.
static int lazy_fault_round(int ops) {
  volatile char* p = (volatile char*)sbrklazy(ops * PAGE);
  if (p == (volatile char*)-1) return errno;
  span_begin();
  for (int i = 0; i < ops; i++) p[(long)i * PAGE] = 1;
  span_end();
  if (sbrk(-ops * PAGE) == (char*)-1) return errno;
  return 0;
}

// The same memory allocated eagerly (the kernel zeroes and maps it in sbrk).
static int eager_page_round(int ops) {
  span_begin();
  volatile char* p = (volatile char*)sbrk(ops * PAGE);
  if (p == (volatile char*)-1) return errno;
  for (int i = 0; i < ops; i++) p[(long)i * PAGE] = 1;
  span_end();
  if (sbrk(-ops * PAGE) == (char*)-1) return errno;
  return 0;
}

static void bench_page_fault(void) { measure("page_fault", "page", FAULT_PAGES, lazy_fault_round); }
static void bench_page_eager(void) { measure("page_eager", "page", FAULT_PAGES, eager_page_round); }

// ---- fork ------------------------------------------------------------------------

// fork; the child exits at once; the parent waits for it.
static int fork_round(int ops) {
  span_begin();
  for (int i = 0; i < ops; i++) {
    int pid = fork();
    if (pid < 0) return errno;
    if (pid == 0) exit(0);
    int status = -1;
    if (wait(&status) != pid) return errno ? errno : ECHILD;
  }
  span_end();
  return 0;
}

static void bench_fork_small(void) { measure("fork_small", "fork", 50, fork_round); }

// The parent first allocates and touches `mib` MiB, so fork has that much to
// share (or copy).
static void bench_fork_big(const char* key, int mib, int ops) {
  int bytes = mib * MIB;
  volatile char* p = (volatile char*)sbrk(bytes);
  if (p == (volatile char*)-1) {
    report_na(key, errname(errno));
    return;
  }
  for (int i = 0; i < bytes; i += PAGE) p[i] = (char)(i / PAGE);
  measure_flags(key, "fork", ops, fork_round, DISK_PER_OP);
  sbrk(-bytes);
}

static void bench_fork_16m(void) { bench_fork_big("fork_16m", 16, 4); }
static void bench_fork_64m(void) { bench_fork_big("fork_64m", 64, 2); }

// fork + exec("/bin/true") + wait. A failed exec exits with its errno.
static int fork_exec_round(int ops) {
  span_begin();
  for (int i = 0; i < ops; i++) {
    int pid = fork();
    if (pid < 0) return errno;
    if (pid == 0) {
      char* argv[] = {"true", 0};
      exec("/bin/true", argv);
      exit(errno ? errno : EIO);
    }
    int status = -1;
    if (wait(&status) != pid) return errno ? errno : ECHILD;
    if (status != 0) return status > 0 && status < 128 ? status : EIO;
  }
  span_end();
  return 0;
}

static void bench_fork_exec(void) { measure_flags("fork_exec", "fork+exec", 20, fork_exec_round, DISK_PER_OP); }

// ---- pipe ------------------------------------------------------------------------

static int ping[2], pong[2];  // parent -> child, child -> parent

static int pipe_round(int ops) {
  char c = 'x';
  span_begin();
  for (int i = 0; i < ops; i++) {
    if (write(ping[1], &c, 1) != 1) return errno ? errno : EIO;
    if (read(pong[0], &c, 1) != 1) return errno ? errno : EIO;
  }
  span_end();
  return 0;
}

// A child echoes every byte back until the pipe closes.
static void bench_pipe_rtt(void) {
  if (pipe(ping) < 0 || pipe(pong) < 0) {
    report_na("pipe_rtt", errname(errno));
    return;
  }
  int pid = fork();
  if (pid < 0) {
    report_na("pipe_rtt", errname(errno));
    return;
  }
  if (pid == 0) {
    close(ping[1]);
    close(pong[0]);
    char c;
    while (read(ping[0], &c, 1) == 1)
      if (write(pong[1], &c, 1) != 1) break;
    exit(0);
  }
  close(ping[0]);
  close(pong[1]);
  measure("pipe_rtt", "round trip", 500, pipe_round);
  close(ping[1]);  // the child sees end of file and exits
  close(pong[0]);
  wait(0);
}

// ---- files -----------------------------------------------------------------------

#define SMALL_FILE "bench.1m"
#define BIG_FILE "bench.8m"
#define SMALL_FILE_BYTES (1 * MIB)
#define BIG_FILE_BYTES (8 * MIB)
#define SMALL_CALL (4 * KIB)
#define BIG_CALL (64 * KIB)

static int want(const char* key);

static char* io_buffer;  // BIG_CALL bytes, from sbrk so small forks stay small

// The file's cached pages written back and dropped (those nothing maps), so
// the next read goes to the disk: posix_fadvise(POSIX_FADV_DONTNEED).
static int drop_cached(const char* path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return errno;
  int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) < 0 ? errno : 0;
  close(fd);
  return err;
}

// A new 1 MiB file in 4 KiB write() calls, then fsync(): the operation ends
// when the data and the file's metadata are on the disk. The previous
// round's file is removed, and that made durable, before the span.
static int write_1m_round(int ops) {
  unlink(SMALL_FILE);
  if (sync() < 0) return errno;
  memset(io_buffer, 'b', SMALL_CALL);
  span_begin();
  for (int op = 0; op < ops; op++) {
    int fd = open(SMALL_FILE, O_CREATE | O_WRONLY | O_TRUNC);
    if (fd < 0) return errno;
    for (int done = 0; done < SMALL_FILE_BYTES; done += SMALL_CALL) {
      if (write(fd, io_buffer, SMALL_CALL) != SMALL_CALL) {
        int err = errno ? errno : EIO;
        close(fd);
        return err;
      }
    }
    if (fsync(fd) < 0) {
      int err = errno;
      close(fd);
      return err;
    }
    if (close(fd) < 0) return errno;
  }
  span_end();
  return 0;
}

// The file write_1m left, read back in 4 KiB calls: cached (the warm-up
// round reads it in if write_1m did not leave it cached).
static int read_1m_round(int ops) {
  span_begin();
  for (int op = 0; op < ops; op++) {
    int fd = open(SMALL_FILE, O_RDONLY);
    if (fd < 0) return errno;
    int total = 0, n;
    while ((n = read(fd, io_buffer, SMALL_CALL)) > 0) total += n;
    int err = n < 0 ? errno : 0;
    close(fd);
    if (err) return err;
    if (total != SMALL_FILE_BYTES) return EIO;
  }
  span_end();
  return 0;
}

// The 8 MiB file holds each 8-byte word's own offset, so a reader can
// check what it summed.
static uint64 big_file_sum;
static uint64 read_sum, mmap_sum;

// Written and fsync()ed, so no write-back of it falls into a later span.
static int make_big_file(void) {
  unlink(BIG_FILE);
  int fd = open(BIG_FILE, O_CREATE | O_WRONLY | O_TRUNC);
  if (fd < 0) return errno;
  uint64* words = (uint64*)io_buffer;
  big_file_sum = 0;
  for (uint64 off = 0; off < BIG_FILE_BYTES; off += BIG_CALL) {
    for (int i = 0; i < BIG_CALL / 8; i++) {
      words[i] = off + 8 * (uint64)i;
      big_file_sum += words[i];
    }
    if (write(fd, io_buffer, BIG_CALL) != BIG_CALL) {
      int err = errno ? errno : EIO;
      close(fd);
      return err;
    }
  }
  if (fsync(fd) < 0) {
    int err = errno;
    close(fd);
    return err;
  }
  return close(fd) < 0 ? errno : 0;
}

static uint64 sum_words(const volatile uint64* p, long bytes) {
  uint64 sum = 0;
  for (long i = 0; i < bytes / 8; i++) sum += p[i];
  return sum;
}

// Whether the 8 MiB rounds first drop the file's cached pages (outside the
// span). They then time one read of the whole file per round.
static int big_uncached;

static int big_round_setup(int ops) {
  if (!big_uncached) return 0;
  if (ops != 1) return EINVAL;  // the drop must stay outside the span
  return drop_cached(BIG_FILE);
}

// read() in 64 KiB calls, summing every word like the mmap reader does.
static int read_8m_round(int ops) {
  int err = big_round_setup(ops);
  if (err) return err;
  span_begin();
  for (int op = 0; op < ops; op++) {
    int fd = open(BIG_FILE, O_RDONLY);
    if (fd < 0) return errno;
    uint64 sum = 0;
    long total = 0;
    int n;
    while ((n = read(fd, io_buffer, BIG_CALL)) > 0) {
      sum += sum_words((const uint64*)io_buffer, n);
      total += n;
    }
    err = n < 0 ? errno : 0;
    close(fd);
    if (err) return err;
    if (total != BIG_FILE_BYTES) return EIO;
    read_sum = sum;
  }
  span_end();
  return 0;
}

static int mmap_8m_round(int ops) {
  int err = big_round_setup(ops);
  if (err) return err;
  span_begin();
  for (int op = 0; op < ops; op++) {
    int fd = open(BIG_FILE, O_RDONLY);
    if (fd < 0) return errno;
    void* p = mmap(0, BIG_FILE_BYTES, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      err = errno;
      close(fd);
      return err;
    }
    mmap_sum = sum_words((const volatile uint64*)p, BIG_FILE_BYTES);
    err = munmap(p, BIG_FILE_BYTES) < 0 ? errno : 0;
    close(fd);
    if (err) return err;
  }
  span_end();
  return 0;
}

// One 8 MiB figure; checks the sum its reader computed.
static void bench_big(const char* key, round_fn round, int uncached, uint64* sum) {
  if (!want(key)) return;
  big_uncached = uncached;
  *sum = 0;
  if (measure_disk(key, "8 MiB", 1, round, 8) == 0 && *sum != big_file_sum)
    printf("bench: warning: %s summed %lu, expected %lu\n", key, (unsigned long)*sum, (unsigned long)big_file_sum);
}

// The file figures share the files and the buffer.
static const char* const file_keys[] = {"write_1m", "read_1m", "read_8m", "mmap_8m", "read_8m_cached",
                                        "mmap_8m_cached"};
#define NFILE_KEYS ((int)(sizeof file_keys / sizeof file_keys[0]))

static void bench_files(void) {
  int any = 0;
  for (int i = 0; i < NFILE_KEYS; i++) any |= want(file_keys[i]);
  if (!any) return;
  io_buffer = sbrk(BIG_CALL);
  if (io_buffer == (char*)-1) {
    for (int i = 0; i < NFILE_KEYS; i++)
      if (want(file_keys[i])) report_na(file_keys[i], errname(errno));
    return;
  }
  if (want("write_1m") || want("read_1m")) {
    int err = measure_disk("write_1m", "MiB", 1, write_1m_round, 1);
    if (want("read_1m")) {
      if (err)
        report_na("read_1m", errname(err));
      else
        measure_disk("read_1m", "MiB", 1, read_1m_round, 1);
    }
    unlink(SMALL_FILE);
  }
  if (want("read_8m") || want("mmap_8m") || want("read_8m_cached") || want("mmap_8m_cached")) {
    int err = make_big_file();
    if (err) {
      for (int i = 2; i < NFILE_KEYS; i++)
        if (want(file_keys[i])) report_na(file_keys[i], errname(err));
    } else {
      // Not cached: each round's file pages dropped first. Then cached: the
      // warm-up round reads the file in and the measured rounds find it.
      bench_big("read_8m", read_8m_round, 1, &read_sum);
      bench_big("mmap_8m", mmap_8m_round, 1, &mmap_sum);
      bench_big("read_8m_cached", read_8m_round, 0, &read_sum);
      bench_big("mmap_8m_cached", mmap_8m_round, 0, &mmap_sum);
    }
    unlink(BIG_FILE);
  }
  sbrk(-BIG_CALL);
}

// ---- swap ------------------------------------------------------------------------

#define SWAP_PAGES_PER_ROUND 64

static volatile char* swap_region;
static int swap_next_page;  // the next page to re-touch; earliest touched first

// Reads back pages touched long ago, which the kernel should have evicted.
static int swap_in_round(int ops) {
  span_begin();
  for (int i = 0; i < ops; i++, swap_next_page++)
    if (swap_region[(long)swap_next_page * PAGE] != (char)swap_next_page) return EIO;
  span_end();
  return 0;
}

// In a child, so that the kernel killing it for want of memory does not end
// bench. The child prints its own line and exits 0.
static void bench_swap_in(void) {
  struct memstat ms;
  if (memstat(&ms) < 0) {
    report_na("swap_in", errname(errno));
    return;
  }
  if (ms.swap_total_pages == 0) {
    report_na("swap_in", "no swap");
    return;
  }
  int pid = fork();
  if (pid < 0) {
    report_na("swap_in", errname(errno));
    return;
  }
  if (pid == 0) {
    if (memstat(&ms) < 0) {
      report_na("swap_in", errname(errno));
      exit(0);
    }
    // All of free RAM and half as much again (at most half the free swap):
    // the first pages touched must be written out to make room for the last.
    uint64 swap_free = ms.swap_total_pages - ms.swap_used_pages;
    uint64 extra = ms.free_pages / 2 < swap_free / 2 ? ms.free_pages / 2 : swap_free / 2;
    uint64 pages = ms.free_pages + extra;
    uint64 needed = (uint64)(rounds + 1) * SWAP_PAGES_PER_ROUND;
    if (extra < needed) {
      report_na("swap_in", "swap too small");
      exit(0);
    }
    // Grow in 16 MiB steps (sbrk takes an int).
    for (uint64 grown = 0; grown < pages;) {
      uint64 step = pages - grown < 4096 ? pages - grown : 4096;
      char* p = sbrklazy((int)(step * PAGE));
      if (p == (char*)-1) {
        report_na("swap_in", errname(errno));
        exit(0);
      }
      if (grown == 0) swap_region = (volatile char*)p;
      grown += step;
    }
    for (uint64 i = 0; i < pages; i++) swap_region[i * PAGE] = (char)i;
    swap_next_page = 0;
    measure_flags("swap_in", "page", SWAP_PAGES_PER_ROUND, swap_in_round, DISK_PER_OP);
    exit(0);
  }
  int status = -1;
  wait(&status);
  if (status != 0) {
    char reason[40];
    snprintf(reason, sizeof reason, "child died, status %d", status);
    report_na("swap_in", reason);
  }
}

// ---- main ------------------------------------------------------------------------

struct benchmark {
  const char* key;
  void (*run)(void);
};

// In this order: the small-process figures first, while bench is small.
static const struct benchmark benchmarks[] = {
    {"getpid", bench_getpid},
    {"page_fault", bench_page_fault},
    {"page_eager", bench_page_eager},
    {"fork_small", bench_fork_small},
    {"fork_exec", bench_fork_exec},
    {"pipe_rtt", bench_pipe_rtt},
    {"fork_16m", bench_fork_16m},
    {"fork_64m", bench_fork_64m},
    {"write_1m", 0},  // these six: bench_files
    {"read_1m", 0},
    {"read_8m", 0},
    {"mmap_8m", 0},
    {"read_8m_cached", 0},
    {"mmap_8m_cached", 0},
    {"swap_in", bench_swap_in},
};
#define NBENCH ((int)(sizeof benchmarks / sizeof benchmarks[0]))

static char** selected;  // the KEY arguments, or null for all
static int nselected;

static int want(const char* key) {
  if (!selected) return 1;
  for (int i = 0; i < nselected; i++)
    if (strcmp(selected[i], key) == 0) return 1;
  return 0;
}

static void usage(void) {
  fprintf(2, "usage: bench [-r ROUNDS] [-H TIME_HZ] [-l] [KEY...]\n");
  exit(2);
}

int main(int argc, char* argv[]) {
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "-l") == 0) {
      for (int b = 0; b < NBENCH; b++) printf("%s\n", benchmarks[b].key);
      exit(0);
    } else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
      rounds = atoi(argv[++i]);
      if (rounds < 1 || rounds > MAX_ROUNDS) usage();
    } else if (strcmp(argv[i], "-H") == 0 && i + 1 < argc) {
      int hz = atoi(argv[++i]);
      if (hz < 1000) usage();
      time_hz = (uint64)hz;
    } else {
      usage();
    }
  }
  if (i < argc) {
    selected = argv + i;
    nselected = argc - i;
    for (int s = 0; s < nselected; s++) {
      int known = 0;
      for (int b = 0; b < NBENCH; b++) known |= strcmp(selected[s], benchmarks[b].key) == 0;
      if (!known) {
        fprintf(2, "bench: unknown benchmark %s (bench -l lists them)\n", selected[s]);
        exit(2);
      }
    }
  }
  printf("bench: start rounds=%d time_hz=%lu\n", rounds, (unsigned long)time_hz);
  int files_done = 0;
  for (int b = 0; b < NBENCH; b++) {
    if (benchmarks[b].run == 0) {
      if (!files_done) bench_files();
      files_done = 1;
    } else if (want(benchmarks[b].key)) {
      benchmarks[b].run();
    }
  }
  printf("bench: done\n");
  exit(0);
}

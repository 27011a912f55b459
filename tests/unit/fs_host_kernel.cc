// Host implementations of the kernel services the file system needs; see
// fs_host_kernel.h. Linked instead of host_support.cc (it defines
// check_failed too).
#include "tests/unit/fs_host_kernel.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <unordered_map>

#include "kernel/fs/page_cache.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/user_copy.h"
#include "kernel/sync/sleeplock.h"
#include "kernel/proc/process.h"
#include "kernel/proc/wait.h"

namespace rivet {

volatile bool g_panicking = false;

namespace {

// A distinct address per thread stands in for "this hart".
thread_local char tl_cpu_identity;
Cpu* this_cpu_identity() { return reinterpret_cast<Cpu*>(&tl_cpu_identity); }

std::atomic<int> g_next_pid{1};
struct ThreadProcess {
  Process process;
  ThreadProcess() { process.pid = g_next_pid++; process.state = ProcState::Running; }
};
thread_local ThreadProcess tl_process;

// sleep_on/wakeup: one mutex and condition variable for every channel.
// Sleepers recheck their condition, so waking everyone is correct.
std::mutex g_sleep_mutex;
std::condition_variable g_sleep_cv;

std::atomic<bool> g_log_on{false};
std::mutex g_log_text_mutex;
std::string g_log_text;
std::atomic<size_t> g_log_count{0};

uint8_t* g_user_base = nullptr;
size_t g_user_size = 0;

bool user_range(uint64_t addr, size_t n, uint8_t** out) {
  if (addr < host::kUserBase) return false;
  uint64_t off = addr - host::kUserBase;
  if (off > g_user_size || n > g_user_size - off) return false;
  *out = g_user_base + off;
  return true;
}

}  // namespace

// ---- locks -----------------------------------------------------------------------

void Spinlock::lock() {
  if (held_by_this_cpu()) panic("spinlock %s: acquired twice", name_);
  while (__atomic_exchange_n(&locked_, 1u, __ATOMIC_ACQUIRE) != 0) sched_yield();
  owner_ = this_cpu_identity();
}

void Spinlock::unlock() {
  if (!held_by_this_cpu()) panic("spinlock %s: released but not held", name_);
  owner_ = nullptr;
  __atomic_store_n(&locked_, 0u, __ATOMIC_RELEASE);
}

bool Spinlock::held_by_this_cpu() const {
  return __atomic_load_n(&locked_, __ATOMIC_RELAXED) != 0 && owner_ == this_cpu_identity();
}

void SleepLock::lock() {
  guard_.lock();
  while (locked_) sleep_on(this, guard_);
  locked_ = true;
  owner_pid_ = current()->pid;
  guard_.unlock();
}

void SleepLock::unlock() {
  guard_.lock();
  locked_ = false;
  owner_pid_ = 0;
  wakeup(this);
  guard_.unlock();
}

bool SleepLock::held_by_current() const {
  auto& self = const_cast<SleepLock&>(*this);
  self.guard_.lock();
  bool held = locked_ && owner_pid_ == current()->pid;
  self.guard_.unlock();
  return held;
}

void sleep_on(const void* channel, Spinlock& lock) {
  // Take the mutex before releasing the spinlock: a waker must change the
  // condition under the spinlock and then notify under the mutex, so it
  // cannot slip in between our check and our wait.
  std::unique_lock<std::mutex> guard(g_sleep_mutex);
  lock.unlock();
  g_sleep_cv.wait(guard);
  guard.unlock();
  lock.lock();
}

void wakeup(const void* channel) {
  std::lock_guard<std::mutex> guard(g_sleep_mutex);
  g_sleep_cv.notify_all();
}

bool current_killed() { return tl_process.process.killed; }

Process* current() { return &tl_process.process; }

// ---- memory --------------------------------------------------------------------

void* kmalloc(size_t size) { return aligned_alloc(16, (size + 15) & ~size_t{15}); }
void* kzalloc(size_t size) {
  void* p = kmalloc(size);
  if (p) memset(p, 0, size);
  return p;
}
void kfree(void* p) { free(p); }

// Page-cache frames: host pages with a reference count each.
namespace fs::frames {
namespace {
std::mutex g_frames_mutex;
std::unordered_map<uint8_t*, uint32_t>& frame_refs() {
  static auto* refs = new std::unordered_map<uint8_t*, uint32_t>();
  return *refs;
}
}  // namespace
uint8_t* alloc() {
  auto* page = static_cast<uint8_t*>(aligned_alloc(4096, 4096));
  std::lock_guard<std::mutex> guard(g_frames_mutex);
  frame_refs()[page] = 1;
  return page;
}
void get(uint8_t* page) {
  std::lock_guard<std::mutex> guard(g_frames_mutex);
  auto it = frame_refs().find(page);
  if (it == frame_refs().end() || it->second == 0) abort();
  it->second++;
}
void put(uint8_t* page) {
  std::lock_guard<std::mutex> guard(g_frames_mutex);
  auto it = frame_refs().find(page);
  if (it == frame_refs().end() || it->second == 0) abort();
  if (--it->second == 0) {
    frame_refs().erase(it);
    free(page);
  }
}
uint32_t refs(uint8_t* page) {
  std::lock_guard<std::mutex> guard(g_frames_mutex);
  auto it = frame_refs().find(page);
  return it == frame_refs().end() ? 0 : it->second;
}
uint64_t total() { return 1u << 20; }  // 4 GiB: the host never runs short
}  // namespace fs::frames

Result<void> IoSink::put(size_t at, const void* src, size_t n) const {
  if (!user_) {
    memcpy(reinterpret_cast<uint8_t*>(addr_) + at, src, n);
    return {};
  }
  uint8_t* p;
  if (!user_range(addr_ + at, n, &p)) return Error::Fault;
  memcpy(p, src, n);
  return {};
}

Result<void> IoSource::get(size_t at, void* dst, size_t n) const {
  if (!user_) {
    memcpy(dst, reinterpret_cast<const uint8_t*>(addr_) + at, n);
    return {};
  }
  uint8_t* p;
  if (!user_range(addr_ + at, n, &p)) return Error::Fault;
  memcpy(dst, p, n);
  return {};
}

namespace detail {

Result<void> copy_in_bytes(void* dst, uint64_t user_src, size_t n) {
  uint8_t* p;
  if (!user_range(user_src, n, &p)) return Error::Fault;
  memcpy(dst, p, n);
  return {};
}

Result<void> copy_out_bytes(uint64_t user_dst, const void* src, size_t n) {
  uint8_t* p;
  if (!user_range(user_dst, n, &p)) return Error::Fault;
  memcpy(p, src, n);
  return {};
}

Result<void> check_user_range(uint64_t addr, size_t n, bool) {
  if (n == 0) return {};
  uint8_t* p;
  return user_range(addr, n, &p) ? Result<void>() : Error::Fault;
}

}  // namespace detail

Result<size_t> copy_in_str(char* dst, size_t max, UserIn<char> src) {
  for (size_t i = 0; i < max; i++) {
    uint8_t* p;
    if (!user_range(src.addr() + i, 1, &p)) return Error::Fault;
    dst[i] = static_cast<char>(*p);
    if (*p == 0) return i;
  }
  return Error::NameTooLong;
}

// ---- log and panic -----------------------------------------------------------------

void vkprintf(const char* fmt, va_list args) {
  g_log_count++;
  va_list copy;
  va_copy(copy, args);
  char line[512];
  vsnprintf(line, sizeof line, fmt, copy);
  va_end(copy);
  {
    std::lock_guard<std::mutex> guard(g_log_text_mutex);
    g_log_text += line;
    if (g_log_text.size() > 65536) g_log_text.erase(0, g_log_text.size() - 65536);
  }
  if (g_log_on) vfprintf(stderr, fmt, args);
}

void kprintf(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  vkprintf(fmt, args);
  va_end(args);
}

void panic(const char* fmt, ...) {
  g_panicking = true;
  va_list args;
  va_start(args, fmt);
  fprintf(stderr, "panic: ");
  vfprintf(stderr, fmt, args);
  fputc('\n', stderr);
  va_end(args);
  abort();
}

[[noreturn]] void check_failed(const char* condition, const char* file, int line) {
  fprintf(stderr, "check failed: %s at %s:%d\n", condition, file, line);
  abort();
}

namespace host {

void set_user_memory(void* base, size_t size) {
  g_user_base = static_cast<uint8_t*>(base);
  g_user_size = size;
}

fs::Inode*& process_cwd() { return tl_process.process.cwd; }
fs::File** process_files() { return tl_process.process.files; }
void set_killed(bool killed) { tl_process.process.killed = killed; }

void set_kernel_log(bool on) { g_log_on = on; }

size_t take_log_count() { return g_log_count.exchange(0); }

std::string take_log_text() {
  std::lock_guard<std::mutex> guard(g_log_text_mutex);
  std::string text;
  text.swap(g_log_text);
  return text;
}

}  // namespace host

}  // namespace rivet

// System-call dispatch. The table is generated from kernel/sys/syscall_list.h;
// each entry is a thunk that converts the saved argument registers into the
// handler's declared parameter types (ints, lengths, typed user pointers), so
// handlers never see raw registers. This is the one place where an Error
// becomes the user's -1 and errno.
#include "kernel/sys/syscall.h"

#include <stddef.h>
#include <stdint.h>

#include <type_traits>
#include <utility>

#include "kernel/arch/riscv64/timer.h"
#include "kernel/log/log.h"
#include "kernel/proc/process.h"
#include "kernel/proc/scheduler.h"
#include "kernel/sys/abi.h"
#include "kernel/sys/syscall_list.h"
#include "kernel/sys/syscalls.h"

// abi.h's errno numbers are the list's (kernel/lib/error_list.h).
#define RIVET_CHECK_ERRNO(name, number, errno_name, text) \
  static_assert(errno_name == number && static_cast<int>(::rivet::Error::name) == errno_name, #errno_name);
RIVET_USER_ERRORS(RIVET_CHECK_ERRNO)
#undef RIVET_CHECK_ERRNO

namespace rivet::sys {
namespace {

// How a register becomes each kind of parameter.
template <typename T>
struct FromRegister {
  static T convert(uint64_t r) {
    static_assert(std::is_integral_v<T>, "system-call parameters are integers or user pointers");
    return static_cast<T>(r);
  }
};
template <typename T>
struct FromRegister<UserIn<T>> {
  static UserIn<T> convert(uint64_t r) { return UserIn<T>(r); }
};
template <typename T>
struct FromRegister<UserOut<T>> {
  static UserOut<T> convert(uint64_t r) { return UserOut<T>(r); }
};

template <typename... Args, size_t... I>
Result<long> call_with_registers(Result<long> (*handler)(Args...), const uint64_t* regs,
                                 std::index_sequence<I...>) {
  static_assert(sizeof...(Args) <= 6, "at most six arguments in registers");
  return handler(FromRegister<std::remove_cvref_t<Args>>::convert(regs[I])...);
}

template <auto Handler>
Result<long> thunk(const uint64_t* regs) {
  return [&]<typename... Args>(Result<long> (*h)(Args...)) {
    return call_with_registers(h, regs, std::index_sequence_for<Args...>{});
  }(Handler);
}

using Thunk = Result<long> (*)(const uint64_t*);

struct Entry {
  Thunk thunk;
  const char* name;
};

struct Table {
  Entry entries[RIVET_SYSCALL_MAX + 1];
};

// Built at compile time: entry n is system call n; gaps stay empty.
constexpr Table make_table() {
  Table t{};
#define RIVET_ENTRY(number, name, user_symbol) t.entries[number] = Entry{&thunk<&sys_##name>, #name};
  RIVET_SYSCALLS(RIVET_ENTRY)
#undef RIVET_ENTRY
  return t;
}
constexpr Table kTable = make_table();

// Unknown system calls are logged, but a program issuing them in a loop
// must not flood the console: at most kUnknownBurst lines per second,
// then one line saying how many were not shown.
constexpr uint64_t kUnknownBurst = 5;
uint64_t g_unknown_window = 0;      // the tick the current window began
uint64_t g_unknown_in_window = 0;   // lines (or attempts) in it
uint64_t g_unknown_suppressed = 0;  // not shown since the last line

void report_unknown_syscall(Process* p, uint64_t number) {
  uint64_t now = ticks();
  uint64_t suppressed = 0;
  bool show;
  // A racy counter at worst prints a line more or fewer; no lock needed for that.
  if (now - __atomic_load_n(&g_unknown_window, __ATOMIC_RELAXED) >= timer::kTicksPerSecond) {
    __atomic_store_n(&g_unknown_window, now, __ATOMIC_RELAXED);
    __atomic_store_n(&g_unknown_in_window, 0, __ATOMIC_RELAXED);
    suppressed = __atomic_exchange_n(&g_unknown_suppressed, 0, __ATOMIC_RELAXED);
  }
  show = __atomic_fetch_add(&g_unknown_in_window, 1, __ATOMIC_RELAXED) < kUnknownBurst;
  if (suppressed) kprintf("rivet: %lu more unknown system calls not shown\n", suppressed);
  if (show)
    kprintf("rivet: pid %d (%s): unknown system call %lu\n", p->pid, p->name, number);
  else
    __atomic_fetch_add(&g_unknown_suppressed, 1, __ATOMIC_RELAXED);
}

}  // namespace

void dispatch(Process* p) {
  TrapFrame* tf = p->trapframe;
  uint64_t number = tf->a7;
  uint64_t regs[6] = {tf->a0, tf->a1, tf->a2, tf->a3, tf->a4, tf->a5};
  if (number == 0 || number > RIVET_SYSCALL_MAX || !kTable.entries[number].thunk) {
    report_unknown_syscall(p, number);
    tf->a0 = static_cast<uint64_t>(-1);
    tf->a1 = static_cast<uint64_t>(Error::NotImplemented);
    return;
  }
  Result<long> r = kTable.entries[number].thunk(regs);
  // exec replaced the trapframe's registers; its result is argc.
  if (r.ok()) {
    tf->a0 = static_cast<uint64_t>(r.value());
  } else {
    tf->a0 = static_cast<uint64_t>(-1);
    tf->a1 = static_cast<uint64_t>(user_errno(r.error()));
  }
}

}  // namespace rivet::sys

// RIVET_CHECK: an invariant of the pure-logic code. In the kernel a failed
// check is a panic (a bug, not a user error); in host unit tests it aborts so
// death tests can observe it.
#pragma once

namespace rivet {
[[noreturn]] void check_failed(const char* condition, const char* file, int line);
}

#define RIVET_CHECK(cond)                                          \
  do {                                                             \
    if (!(cond)) ::rivet::check_failed(#cond, __FILE__, __LINE__); \
  } while (0)

// What the kernel provides to its pure-logic code, provided for the host.
#include <cstdio>
#include <cstdlib>

namespace rivet {
[[noreturn]] void check_failed(const char* condition, const char* file, int line) {
  std::fprintf(stderr, "check failed: %s at %s:%d\n", condition, file, line);
  std::abort();
}
}  // namespace rivet

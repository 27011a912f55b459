#include "kernel/lib/log.h"

#include "kernel/dev/console.h"
#include "kernel/lib/format.h"

namespace rivet {

void vkprintf(const char* fmt, va_list args) {
  // Long lines are cut: the log is for people, and a bounded buffer keeps
  // the call safe on a small kernel stack.
  char line[320];
  size_t n = vsnformat(line, sizeof line, fmt, args);
  if (n >= sizeof line) n = sizeof line - 1;
  console::write(line, n);
}

void kprintf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vkprintf(fmt, ap);
  va_end(ap);
}

}  // namespace rivet

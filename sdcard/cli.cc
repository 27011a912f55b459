#include "sdcard/cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

namespace rivet::cli {
namespace {

const char* g_program = "rivet";
std::string g_partial;

void print_error(const char* format, va_list args) {
  fprintf(stderr, "%s: error: ", g_program);
  vfprintf(stderr, format, args);
}

}  // namespace

void set_program(const char* name) { g_program = name; }
void set_partial_output(const std::string& path) { g_partial = path; }

void fail(const char* format, ...) {
  if (!g_partial.empty()) unlink(g_partial.c_str());
  va_list args;
  va_start(args, format);
  print_error(format, args);
  va_end(args);
  fputc('\n', stderr);
  exit(1);
}

void usage_error(const char* format, ...) {
  va_list args;
  va_start(args, format);
  print_error(format, args);
  va_end(args);
  fprintf(stderr, "\n(run '%s --help' for usage)\n", g_program);
  exit(2);
}

bool parse_u64(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10) return false;
    n = n * 10 + digit;
  }
  *out = n;
  return true;
}

bool parse_size(const std::string& text, uint64_t unit, uint64_t* bytes, std::string* why) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') digits++;
  uint64_t number;
  if (digits == 0) {
    *why = "expected a number";
    return false;
  }
  if (!parse_u64(text.substr(0, digits), &number)) {
    *why = "too large";
    return false;
  }
  std::string suffix = text.substr(digits);
  uint64_t scale;
  switch (suffix.empty() ? '\0' : suffix.size() == 1 ? suffix[0] : '?') {
    case '\0': scale = unit; break;
    case 's': case 'S': scale = 512; break;
    case 'K': case 'k': scale = uint64_t{1} << 10; break;
    case 'M': case 'm': scale = uint64_t{1} << 20; break;
    case 'G': case 'g': scale = uint64_t{1} << 30; break;
    case 'T': case 't': scale = uint64_t{1} << 40; break;
    default:
      *why = "unknown suffix '" + suffix + "' (use s, K, M, G or T)";
      return false;
  }
  if (number > UINT64_MAX / scale) {
    *why = "too large";
    return false;
  }
  *bytes = number * scale;
  return true;
}

}  // namespace rivet::cli

namespace rivet {
// A failed RIVET_CHECK (kernel/lib/check.h) in the kernel code the tools
// share: a bug in the tool, not bad input.
[[noreturn]] void check_failed(const char* condition, const char* file, int line) {
  fprintf(stderr, "rivet: internal error: check failed: %s at %s:%d\n", condition, file, line);
  abort();
}
}  // namespace rivet

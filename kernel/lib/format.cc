#include "kernel/lib/format.h"

#include <stdint.h>

namespace rivet {
namespace {

struct Spec {
  bool left = false, zero = false, space = false, plus = false, alt = false;
  int width = 0;
  int precision = -1;
};

void pad(FormatSink sink, void* ctx, char c, int count) {
  char block[16];
  for (char& b : block) b = c;
  while (count > 0) {
    int n = count < 16 ? count : 16;
    sink(ctx, block, static_cast<size_t>(n));
    count -= n;
  }
}

// Emits `body` (length n) with sign/prefix, honouring width and flags.
void emit(FormatSink sink, void* ctx, const Spec& spec, const char* prefix, size_t prefix_len,
          const char* body, size_t n, int min_digits) {
  int zeros = min_digits > static_cast<int>(n) ? min_digits - static_cast<int>(n) : 0;
  int total = static_cast<int>(prefix_len + n) + zeros;
  int fill = spec.width > total ? spec.width - total : 0;
  if (!spec.left && !(spec.zero && spec.precision < 0)) pad(sink, ctx, ' ', fill);
  if (prefix_len) sink(ctx, prefix, prefix_len);
  if (!spec.left && spec.zero && spec.precision < 0) pad(sink, ctx, '0', fill);
  pad(sink, ctx, '0', zeros);
  if (n) sink(ctx, body, n);
  if (spec.left) pad(sink, ctx, ' ', fill);
}

void emit_unsigned(FormatSink sink, void* ctx, const Spec& spec, uint64_t v, unsigned base,
                   bool upper, bool negative, bool is_signed, bool pointer) {
  char digits[24];
  size_t n = 0;
  const char* alphabet = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  if (v == 0 && spec.precision == 0) {
    // C: a zero with precision 0 prints no digits.
  } else {
    do {
      digits[sizeof(digits) - 1 - n++] = alphabet[v % base];
      v /= base;
    } while (v != 0);
  }
  char prefix[3];
  size_t plen = 0;
  if (negative)
    prefix[plen++] = '-';
  else if (is_signed && spec.plus)
    prefix[plen++] = '+';
  else if (is_signed && spec.space)
    prefix[plen++] = ' ';
  if ((spec.alt && base == 16 && n > 0) || pointer) {
    prefix[plen++] = '0';
    prefix[plen++] = upper ? 'X' : 'x';
  } else if (spec.alt && base == 8 && (n == 0 || digits[sizeof(digits) - n] != '0')) {
    prefix[plen++] = '0';
  }
  emit(sink, ctx, spec, prefix, plen, digits + sizeof(digits) - n, n, spec.precision);
}

}  // namespace

void vformat(FormatSink sink, void* ctx, const char* fmt, va_list args) {
  va_list ap;
  va_copy(ap, args);
  while (*fmt) {
    const char* run = fmt;
    while (*fmt && *fmt != '%') fmt++;
    if (fmt != run) sink(ctx, run, static_cast<size_t>(fmt - run));
    if (!*fmt) break;
    fmt++;  // '%'

    Spec spec;
    for (;; fmt++) {
      if (*fmt == '-') spec.left = true;
      else if (*fmt == '0') spec.zero = true;
      else if (*fmt == ' ') spec.space = true;
      else if (*fmt == '+') spec.plus = true;
      else if (*fmt == '#') spec.alt = true;
      else break;
    }
    if (*fmt == '*') {
      spec.width = va_arg(ap, int);
      if (spec.width < 0) { spec.left = true; spec.width = -spec.width; }
      fmt++;
    } else {
      while (*fmt >= '0' && *fmt <= '9') spec.width = spec.width * 10 + (*fmt++ - '0');
    }
    if (*fmt == '.') {
      fmt++;
      spec.precision = 0;
      if (*fmt == '*') {
        spec.precision = va_arg(ap, int);
        if (spec.precision < 0) spec.precision = -1;
        fmt++;
      } else {
        while (*fmt >= '0' && *fmt <= '9') spec.precision = spec.precision * 10 + (*fmt++ - '0');
      }
    }
    int longness = 0;  // 0 int, 1 long, 2 long long / size_t / intmax
    int half = 0;  // 1: h (short), 2: hh (char)
    for (;; fmt++) {
      if (*fmt == 'l') longness++;
      else if (*fmt == 'z' || *fmt == 't' || *fmt == 'j') longness = 2;
      else if (*fmt == 'h') half++;
      else break;
    }
    char conv = *fmt;
    if (conv) fmt++;
    switch (conv) {
      case '%':
        sink(ctx, "%", 1);
        break;
      case 'c': {
        char c = static_cast<char>(va_arg(ap, int));
        emit(sink, ctx, spec, nullptr, 0, &c, 1, 0);
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (!s) s = "(null)";
        size_t n = 0;
        while (s[n] && (spec.precision < 0 || n < static_cast<size_t>(spec.precision))) n++;
        Spec plain = spec;
        plain.precision = -1;
        plain.zero = false;
        emit(sink, ctx, plain, nullptr, 0, s, n, 0);
        break;
      }
      case 'd':
      case 'i': {
        int64_t v = longness ? va_arg(ap, int64_t) : va_arg(ap, int);
        if (half == 1 && !longness) v = static_cast<int16_t>(v);
        if (half >= 2 && !longness) v = static_cast<int8_t>(v);
        bool neg = v < 0;
        uint64_t mag = neg ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
        emit_unsigned(sink, ctx, spec, mag, 10, false, neg, true, false);
        break;
      }
      case 'u':
      case 'x':
      case 'X':
      case 'o': {
        uint64_t v = longness ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
        if (half == 1 && !longness) v = static_cast<uint16_t>(v);
        if (half >= 2 && !longness) v = static_cast<uint8_t>(v);
        unsigned base = conv == 'u' ? 10 : conv == 'o' ? 8 : 16;
        emit_unsigned(sink, ctx, spec, v, base, conv == 'X', false, false, false);
        break;
      }
      case 'p': {
        uint64_t v = reinterpret_cast<uint64_t>(va_arg(ap, void*));
        emit_unsigned(sink, ctx, spec, v, 16, false, false, false, true);
        break;
      }
      case 0:
        break;
      default:  // unknown conversion: print it verbatim
        sink(ctx, fmt - 1, 1);
        break;
    }
  }
  va_end(ap);
}

namespace {
struct Buffer {
  char* buf;
  size_t size;
  size_t used;
};
void buffer_sink(void* ctx, const char* text, size_t n) {
  auto* b = static_cast<Buffer*>(ctx);
  for (size_t i = 0; i < n; i++, b->used++)
    if (b->size && b->used < b->size - 1) b->buf[b->used] = text[i];
}
}  // namespace

size_t vsnformat(char* buf, size_t size, const char* fmt, va_list args) {
  Buffer b{buf, size, 0};
  vformat(buffer_sink, &b, fmt, args);
  if (size) buf[b.used < size ? b.used : size - 1] = '\0';
  return b.used;
}

size_t snformat(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t n = vsnformat(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

}  // namespace rivet

/* printf-style formatting; see format.h. */
#include "format.h"

#include <stddef.h>

enum {
  FLAG_LEFT = 1,   /* '-' */
  FLAG_ZERO = 2,   /* '0' */
  FLAG_PLUS = 4,   /* '+' */
  FLAG_SPACE = 8,  /* ' ' */
  FLAG_ALT = 16,   /* '#' */
};

struct spec {
  int flags;
  int width;      /* 0 if none */
  int precision;  /* -1 if none */
};

struct out {
  format_sink sink;
  void* ctx;
  int count;
};

static void emit(struct out* o, const char* s, int n) {
  if (n <= 0) return;
  o->sink(o->ctx, s, n);
  o->count += n;
}

static void emit_repeat(struct out* o, char c, int n) {
  char chunk[16];
  for (int i = 0; i < (int)sizeof chunk; i++) chunk[i] = c;
  while (n > 0) {
    int k = n < (int)sizeof chunk ? n : (int)sizeof chunk;
    emit(o, chunk, k);
    n -= k;
  }
}

static int length_of(const char* s, int limit) {
  int n = 0;
  while ((limit < 0 || n < limit) && s[n] != '\0') n++;
  return n;
}

/* A string, padded to the width. */
static void emit_padded(struct out* o, const struct spec* sp, const char* s, int n) {
  int pad = sp->width > n ? sp->width - n : 0;
  if (!(sp->flags & FLAG_LEFT)) emit_repeat(o, ' ', pad);
  emit(o, s, n);
  if (sp->flags & FLAG_LEFT) emit_repeat(o, ' ', pad);
}

/* A number: [sign or prefix][zeros][digits], padded to the width. */
static void emit_number(struct out* o, const struct spec* sp, unsigned long long value, int negative,
                        unsigned base, int upper, const char* prefix) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char buf[24];  /* 2^64 in octal is 22 digits */
  int n = 0;
  /* Precision 0 and value 0 print no digits (C's rule). */
  if (!(value == 0 && sp->precision == 0)) {
    do {
      buf[sizeof buf - 1 - n++] = digits[value % base];
      value /= base;
    } while (value != 0);
  }
  char head[3];
  int head_len = 0;
  if (negative) {
    head[head_len++] = '-';
  } else if (sp->flags & FLAG_PLUS) {
    head[head_len++] = '+';
  } else if (sp->flags & FLAG_SPACE) {
    head[head_len++] = ' ';
  }
  for (; prefix != NULL && *prefix != '\0'; prefix++) head[head_len++] = *prefix;

  int zeros = sp->precision > n ? sp->precision - n : 0;
  int total = head_len + zeros + n;
  int pad = sp->width > total ? sp->width - total : 0;
  if ((sp->flags & FLAG_ZERO) && !(sp->flags & FLAG_LEFT) && sp->precision < 0) {
    zeros += pad;
    pad = 0;
  }
  if (!(sp->flags & FLAG_LEFT)) emit_repeat(o, ' ', pad);
  emit(o, head, head_len);
  emit_repeat(o, '0', zeros);
  emit(o, buf + sizeof buf - n, n);
  if (sp->flags & FLAG_LEFT) emit_repeat(o, ' ', pad);
}

/* Length modifiers, by how many bytes the argument has. */
enum length { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static long long signed_arg(va_list* ap, enum length len) {
  switch (len) {
    case LEN_CHAR: return (signed char)va_arg(*ap, int);
    case LEN_SHORT: return (short)va_arg(*ap, int);
    case LEN_LONG: return va_arg(*ap, long);
    case LEN_LLONG: return va_arg(*ap, long long);
    case LEN_SIZE: return (long long)va_arg(*ap, long);  /* ssize_t-like */
    default: return va_arg(*ap, int);
  }
}

static unsigned long long unsigned_arg(va_list* ap, enum length len) {
  switch (len) {
    case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned);
    case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned);
    case LEN_LONG: return va_arg(*ap, unsigned long);
    case LEN_LLONG: return va_arg(*ap, unsigned long long);
    case LEN_SIZE: return va_arg(*ap, size_t);
    default: return va_arg(*ap, unsigned);
  }
}

int rivet_vformat(format_sink sink, void* ctx, const char* fmt, va_list ap_in) {
  struct out o = {sink, ctx, 0};
  va_list ap;
  va_copy(ap, ap_in);
  const char* p = fmt;
  while (*p != '\0') {
    if (*p != '%') {
      const char* start = p;
      while (*p != '\0' && *p != '%') p++;
      emit(&o, start, (int)(p - start));
      continue;
    }
    const char* conversion_start = p;
    p++;
    struct spec sp = {0, 0, -1};
    for (;; p++) {
      if (*p == '-') sp.flags |= FLAG_LEFT;
      else if (*p == '0') sp.flags |= FLAG_ZERO;
      else if (*p == '+') sp.flags |= FLAG_PLUS;
      else if (*p == ' ') sp.flags |= FLAG_SPACE;
      else if (*p == '#') sp.flags |= FLAG_ALT;
      else break;
    }
    if (*p == '*') {
      sp.width = va_arg(ap, int);
      if (sp.width < 0) {
        sp.flags |= FLAG_LEFT;
        sp.width = -sp.width;
      }
      p++;
    } else {
      while (*p >= '0' && *p <= '9') sp.width = sp.width * 10 + (*p++ - '0');
    }
    if (*p == '.') {
      p++;
      sp.precision = 0;
      if (*p == '*') {
        sp.precision = va_arg(ap, int);
        if (sp.precision < 0) sp.precision = -1;
        p++;
      } else {
        while (*p >= '0' && *p <= '9') sp.precision = sp.precision * 10 + (*p++ - '0');
      }
    }
    enum length len = LEN_INT;
    if (*p == 'h') {
      p++;
      len = LEN_SHORT;
      if (*p == 'h') {
        p++;
        len = LEN_CHAR;
      }
    } else if (*p == 'l') {
      p++;
      len = LEN_LONG;
      if (*p == 'l') {
        p++;
        len = LEN_LLONG;
      }
    } else if (*p == 'z' || *p == 't' || *p == 'j') {
      p++;
      len = *(p - 1) == 'j' ? LEN_LLONG : LEN_SIZE;
    }

    char c = *p;
    if (c == '\0') {  /* a lone '%' (or unfinished conversion) at the end */
      emit(&o, conversion_start, (int)(p - conversion_start));
      break;
    }
    p++;
    switch (c) {
      case 'd':
      case 'i': {
        long long v = signed_arg(&ap, len);
        unsigned long long magnitude = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
        emit_number(&o, &sp, magnitude, v < 0, 10, 0, NULL);
        break;
      }
      case 'u':
        emit_number(&o, &sp, unsigned_arg(&ap, len), 0, 10, 0, NULL);
        break;
      case 'x':
      case 'X': {
        unsigned long long v = unsigned_arg(&ap, len);
        const char* prefix = (sp.flags & FLAG_ALT) && v != 0 ? (c == 'x' ? "0x" : "0X") : NULL;
        emit_number(&o, &sp, v, 0, 16, c == 'X', prefix);
        break;
      }
      case 'o': {
        unsigned long long v = unsigned_arg(&ap, len);
        /* '#' makes the first digit a 0, adding one only if needed. */
        const char* prefix = NULL;
        if (sp.flags & FLAG_ALT) {
          int digits = 0;
          for (unsigned long long t = v; t != 0; t /= 8) digits++;
          if (v == 0) {
            if (sp.precision == 0) sp.precision = 1;
          } else if (sp.precision <= digits) {
            prefix = "0";
          }
        }
        emit_number(&o, &sp, v, 0, 8, 0, prefix);
        break;
      }
      case 'p': {
        /* xv6 prints every pointer as 0x and 16 hex digits. */
        struct spec ps = {sp.flags & FLAG_LEFT, sp.width, 16};
        emit_number(&o, &ps, (unsigned long long)(size_t)va_arg(ap, void*), 0, 16, 0, "0x");
        break;
      }
      case 's': {
        const char* s = va_arg(ap, const char*);
        if (s == NULL) s = "(null)";
        emit_padded(&o, &sp, s, length_of(s, sp.precision));
        break;
      }
      case 'c': {
        char ch = (char)va_arg(ap, int);
        emit_padded(&o, &sp, &ch, 1);
        break;
      }
      case '%':
        emit(&o, "%", 1);
        break;
      default:
        /* Unknown: print it as written, so the mistake is visible. */
        emit(&o, conversion_start, (int)(p - conversion_start));
        break;
    }
  }
  va_end(ap);
  return o.count;
}

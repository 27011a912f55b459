/* printf, fprintf and snprintf over the formatting engine (format.c).
   Output to a file descriptor is collected in a buffer on the stack and
   written in as few write() calls as possible, so that a line printed by
   one process is not interleaved with another process's output. */
#include "kernel/types.h"
#include "user/user.h"
#include "format.h"

struct fd_sink {
  int fd;
  int used;
  char buf[256];
};

static void flush_fd(struct fd_sink* s) {
  int done = 0;
  while (done < s->used) {
    int n = write(s->fd, s->buf + done, s->used - done);
    if (n <= 0) break;  /* nowhere to report it */
    done += n;
  }
  s->used = 0;
}

static void put_fd(void* ctx, const char* text, int n) {
  struct fd_sink* s = (struct fd_sink*)ctx;
  while (n > 0) {
    if (s->used == (int)sizeof s->buf) flush_fd(s);
    int room = (int)sizeof s->buf - s->used;
    int k = n < room ? n : room;
    memmove(s->buf + s->used, text, k);
    s->used += k;
    text += k;
    n -= k;
  }
}

int vfprintf(int fd, const char* fmt, va_list ap) {
  struct fd_sink s;
  s.fd = fd;
  s.used = 0;
  int n = rivet_vformat(put_fd, &s, fmt, ap);
  flush_fd(&s);
  return n;
}

int vprintf(const char* fmt, va_list ap) { return vfprintf(1, fmt, ap); }

int fprintf(int fd, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(fd, fmt, ap);
  va_end(ap);
  return n;
}

int printf(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vfprintf(1, fmt, ap);
  va_end(ap);
  return n;
}

int putchar(int c) {
  char ch = (char)c;
  return write(1, &ch, 1) == 1 ? (int)(uchar)ch : -1;
}

/* The string and its newline in one write where they fit, like printf. */
int puts(const char* s) {
  struct fd_sink sink;
  sink.fd = 1;
  sink.used = 0;
  int n = (int)strlen(s);
  put_fd(&sink, s, n);
  put_fd(&sink, "\n", 1);
  int want = sink.used;
  int done = 0;
  while (done < want) {
    int k = write(1, sink.buf + done, want - done);
    if (k <= 0) return -1;
    done += k;
  }
  return n + 1;
}

struct buffer_sink {
  char* dst;
  size_t size;  /* room, including the terminating NUL */
  size_t used;
};

static void put_buffer(void* ctx, const char* text, int n) {
  struct buffer_sink* s = (struct buffer_sink*)ctx;
  for (int i = 0; i < n; i++) {
    if (s->used + 1 < s->size) s->dst[s->used] = text[i];
    s->used++;
  }
}

int vsnprintf(char* dst, size_t size, const char* fmt, va_list ap) {
  struct buffer_sink s = {dst, size, 0};
  int n = rivet_vformat(put_buffer, &s, fmt, ap);
  if (size > 0) dst[s.used < size ? s.used : size - 1] = '\0';
  return n;
}

int snprintf(char* dst, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(dst, size, fmt, ap);
  va_end(ap);
  return n;
}

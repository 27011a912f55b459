/* malloc and friends: the allocator in heap.c, growing the heap with sbrk. */
#include "kernel/types.h"
#include "user/user.h"
#include "heap.h"

static struct heap the_heap;
static int heap_ready;

static void* grow_with_sbrk(void* ctx, long delta) {
  (void)ctx;
  if (delta > 0x7fffffffL || delta < -0x7fffffffL) {
    errno = ENOMEM;
    return (void*)-1;
  }
  return sbrk((int)delta);
}

static struct heap* heap(void) {
  if (!heap_ready) {
    heap_init(&the_heap, grow_with_sbrk, 0);
    heap_ready = 1;
  }
  return &the_heap;
}

void* malloc(size_t n) {
  void* p = heap_alloc(heap(), n);
  if (p == 0 && n != 0) errno = ENOMEM;
  return p;
}

void free(void* p) {
  if (heap_free(heap(), p) != 0) {
    /* A double free or a pointer malloc never returned: the program's
       memory is corrupt, and carrying on would hide the bug. */
    fprintf(2, "free: invalid pointer %p\n", p);
    exit(1);
  }
}

void* calloc(size_t count, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(count, size, &total)) {
    errno = ENOMEM;
    return 0;
  }
  void* p = malloc(total);
  if (p != 0) memset(p, 0, total);
  return p;
}

void* realloc(void* p, size_t n) {
  void* q = heap_realloc(heap(), p, n);
  if (q == 0 && n != 0) errno = ENOMEM;
  return q;
}

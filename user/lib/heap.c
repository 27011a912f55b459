/* The allocator; see heap.h.
 *
 * Every block starts with a 16-byte header: its whole size (a multiple of
 * 16, header included) and a tag. An allocated block's tag is its address
 * mixed with a constant, so free() can tell a real block from a stray or
 * already freed pointer. A free block also stores the next free block's
 * address in its first payload word. */
#include "heap.h"

#include <stdint.h>

#define TAG_USED 0x5a17c0de5a17c0deull
#define TAG_FREE 0xf4eef4eef4eef4eeull
#define HEADER_SIZE 16
#define MIN_BLOCK 32  /* header + next pointer, rounded to the alignment */
#define PAGE 4096

struct heap_free_block {
  size_t size;
  uint64_t tag;
  struct heap_free_block* next;
};

struct used_header {
  size_t size;
  uint64_t tag;
};

static uint64_t used_tag(const void* block) { return TAG_USED ^ (uint64_t)(uintptr_t)block; }

static char* end_of(const struct heap_free_block* b) { return (char*)b + b->size; }

void heap_init(struct heap* h, heap_grow_fn grow, void* ctx) {
  h->grow = grow;
  h->ctx = ctx;
  h->free_list = NULL;
  h->grow_step = HEAP_DEFAULT_GROW_STEP;
  h->trim_threshold = HEAP_DEFAULT_TRIM_THRESHOLD;
}

/* Block size for a request of n bytes, or 0 if it would overflow. */
static size_t block_size_for(size_t n) {
  if (n > SIZE_MAX / 2) return 0;
  size_t size = (n + HEADER_SIZE + HEAP_ALIGN - 1) & ~(size_t)(HEAP_ALIGN - 1);
  return size < MIN_BLOCK ? MIN_BLOCK : size;
}

/* Puts a free block into the list at its address, merging it with the
   blocks right before and after it. */
static void insert_free(struct heap* h, struct heap_free_block* b) {
  b->tag = TAG_FREE;
  struct heap_free_block* prev = NULL;
  struct heap_free_block* next = h->free_list;
  while (next != NULL && next < b) {
    prev = next;
    next = next->next;
  }
  if (next != NULL && end_of(b) == (char*)next) {
    b->size += next->size;
    next = next->next;
  }
  b->next = next;
  if (prev != NULL && end_of(prev) == (char*)b) {
    prev->size += b->size;
    prev->next = next;
  } else if (prev != NULL) {
    prev->next = b;
  } else {
    h->free_list = b;
  }
}

/* Asks for at least size more bytes of heap and adds them as a free block.
   The break is kept aligned, so memory from successive calls is contiguous
   and merges into one block. */
static int grow_heap(struct heap* h, size_t size) {
  char* brk = (char*)h->grow(h->ctx, 0);
  if (brk == (char*)-1) return -1;
  size_t misalign = (uintptr_t)brk % HEAP_ALIGN;
  if (misalign != 0) {
    if (h->grow(h->ctx, (long)(HEAP_ALIGN - misalign)) == (void*)-1) return -1;
  }
  size_t least = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
  if (least < size || least > (~(size_t)0 >> 1)) return -1;  /* must fit in a long */
  size_t want = least < h->grow_step ? h->grow_step : least;
  char* old = (char*)h->grow(h->ctx, (long)want);
  if (old == (char*)-1 && want > least) {
    /* Perhaps the step was too greedy: try just what is needed. */
    want = least;
    old = (char*)h->grow(h->ctx, (long)want);
  }
  if (old == (char*)-1) return -1;
  struct heap_free_block* b = (struct heap_free_block*)old;
  b->size = want;
  insert_free(h, b);
  return 0;
}

void* heap_alloc(struct heap* h, size_t n) {
  if (n == 0) return NULL;
  size_t size = block_size_for(n);
  if (size == 0) return NULL;
  for (int attempt = 0; attempt < 2; attempt++) {
    struct heap_free_block** link = &h->free_list;
    for (struct heap_free_block* b = h->free_list; b != NULL; link = &b->next, b = b->next) {
      if (b->size < size) continue;
      if (b->size - size >= MIN_BLOCK) {
        /* Split: the front is handed out, the rest stays in the list. */
        struct heap_free_block* rest = (struct heap_free_block*)((char*)b + size);
        rest->size = b->size - size;
        rest->tag = TAG_FREE;
        rest->next = b->next;
        *link = rest;
      } else {
        size = b->size;
        *link = b->next;
      }
      struct used_header* u = (struct used_header*)b;
      u->size = size;
      u->tag = used_tag(u);
      return (char*)u + HEADER_SIZE;
    }
    if (attempt == 0 && grow_heap(h, size) != 0) return NULL;
  }
  return NULL;
}

/* If the free block at the top of the heap is big, gives most of it back. */
static void trim(struct heap* h) {
  struct heap_free_block* prev = NULL;
  struct heap_free_block* last = h->free_list;
  if (last == NULL) return;
  while (last->next != NULL) {
    prev = last;
    last = last->next;
  }
  if (last->size < h->trim_threshold) return;
  /* Only if nobody else moved the break since. */
  if ((char*)h->grow(h->ctx, 0) != end_of(last)) return;
  /* Give back whole pages, keeping either nothing or a usable block. */
  size_t give = last->size & ~(size_t)(PAGE - 1);
  size_t keep = last->size - give;
  if (keep != 0 && keep < MIN_BLOCK) {
    if (give < PAGE) return;
    give -= PAGE;
    keep += PAGE;
  }
  if (give == 0) return;
  if (h->grow(h->ctx, -(long)give) == (void*)-1) return;
  if (keep == 0) {
    if (prev != NULL) prev->next = NULL;
    else h->free_list = NULL;
  } else {
    last->size = keep;
  }
}

int heap_free(struct heap* h, void* p) {
  if (p == NULL) return 0;
  if (((uintptr_t)p & (HEAP_ALIGN - 1)) != 0) return -1;
  struct used_header* u = (struct used_header*)((char*)p - HEADER_SIZE);
  if (u->tag != used_tag(u) || u->size < MIN_BLOCK || (u->size & (HEAP_ALIGN - 1)) != 0) return -1;
  struct heap_free_block* b = (struct heap_free_block*)u;
  insert_free(h, b);
  trim(h);
  return 0;
}

size_t heap_block_size(const void* p) {
  const struct used_header* u = (const struct used_header*)((const char*)p - HEADER_SIZE);
  return u->size - HEADER_SIZE;
}

void* heap_realloc(struct heap* h, void* p, size_t n) {
  if (p == NULL) return heap_alloc(h, n);
  if (n == 0) {
    heap_free(h, p);
    return NULL;
  }
  size_t have = heap_block_size(p);
  if (n <= have) return p;
  void* q = heap_alloc(h, n);
  if (q == NULL) return NULL;
  const char* from = (const char*)p;
  char* to = (char*)q;
  for (size_t i = 0; i < have; i++) to[i] = from[i];
  heap_free(h, p);
  return q;
}

long heap_check(const struct heap* h) {
  long total = 0;
  for (const struct heap_free_block* b = h->free_list; b != NULL; b = b->next) {
    if (b->tag != TAG_FREE || b->size < MIN_BLOCK || (b->size & (HEAP_ALIGN - 1)) != 0) return -1;
    if (((uintptr_t)b & (HEAP_ALIGN - 1)) != 0) return -1;
    /* Ascending, and never adjacent (adjacent blocks should have merged). */
    if (b->next != NULL && (char*)b->next <= end_of(b)) return -1;
    total += (long)b->size;
  }
  return total;
}

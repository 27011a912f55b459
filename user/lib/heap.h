/* The memory allocator behind malloc and free: first fit over an
   address-ordered free list, splitting big blocks and merging a freed block
   with its free neighbours at once, growing the heap through an sbrk-like
   callback and handing a large free top of the heap back to it.
   Pure C with no system calls, so the host unit tests compile it as it is. */
#ifndef RIVET_USER_HEAP_H
#define RIVET_USER_HEAP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Moves the break by delta bytes (delta may be negative) and returns the old
   break, or (void*)-1 if it cannot. grow(ctx, 0) returns the break. */
typedef void* (*heap_grow_fn)(void* ctx, long delta);

struct heap_free_block;

struct heap {
  heap_grow_fn grow;
  void* ctx;
  struct heap_free_block* free_list;  /* ascending addresses, never two adjacent */
  size_t grow_step;                    /* least to ask grow() for at a time */
  size_t trim_threshold;               /* give back a free top of heap this big */
};

#define HEAP_ALIGN 16
#define HEAP_DEFAULT_GROW_STEP (64 * 1024)
#define HEAP_DEFAULT_TRIM_THRESHOLD (256 * 1024)

void heap_init(struct heap* h, heap_grow_fn grow, void* ctx);
/* NULL if n is 0 or does not fit; blocks are HEAP_ALIGN aligned. */
void* heap_alloc(struct heap* h, size_t n);
/* 0, or -1 if p is not a block heap_alloc returned and not yet freed. */
int heap_free(struct heap* h, void* p);
/* NULL (and p untouched) if it does not fit; heap_realloc(h, p, 0) frees. */
void* heap_realloc(struct heap* h, void* p, size_t n);
/* Usable bytes of an allocated block (at least what was asked for). */
size_t heap_block_size(const void* p);
/* Checks the free list's invariants; returns the bytes free, or -1 if broken. */
long heap_check(const struct heap* h);

#ifdef __cplusplus
}
#endif

#endif

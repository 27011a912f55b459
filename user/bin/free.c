// free: physical memory and swap, in KiB and pages.
#include "kernel/types.h"
#include "user/user.h"

#define PAGE_KIB 4

int main(void) {
  struct memstat ms;
  if (memstat(&ms) < 0) {
    fprintf(2, "free: %s\n", strerror(errno));
    exit(1);
  }
  // Cached file pages count as neither used nor free: the kernel gives the
  // clean ones back when memory runs short.
  uint64 used = ms.total_pages - ms.free_pages - ms.cached_pages;
  printf("%-6s %12s %12s %12s %12s\n", "", "total KiB", "used KiB", "free KiB", "cache KiB");
  printf("%-6s %12lu %12lu %12lu %12lu\n", "Mem:", (unsigned long)(ms.total_pages * PAGE_KIB),
         (unsigned long)(used * PAGE_KIB), (unsigned long)(ms.free_pages * PAGE_KIB),
         (unsigned long)(ms.cached_pages * PAGE_KIB));
  printf("%-6s %12lu %12lu %12lu\n", "Swap:", (unsigned long)(ms.swap_total_pages * PAGE_KIB),
         (unsigned long)(ms.swap_used_pages * PAGE_KIB),
         (unsigned long)((ms.swap_total_pages - ms.swap_used_pages) * PAGE_KIB));
  printf("pages: %lu total, %lu free, %lu cached (%lu dirty); this process has %lu resident\n",
         (unsigned long)ms.total_pages, (unsigned long)ms.free_pages, (unsigned long)ms.cached_pages,
         (unsigned long)ms.dirty_pages, (unsigned long)ms.resident_pages);
  // Every allocated page by what it is for: a leak is a count that keeps growing.
  printf("used pages: %lu user, %lu cache, %lu page tables, %lu kernel stacks, %lu heap, %lu trapframes, %lu other\n",
         (unsigned long)ms.user_pages, (unsigned long)ms.cache_pages, (unsigned long)ms.table_pages,
         (unsigned long)ms.kstack_pages, (unsigned long)ms.heap_pages, (unsigned long)ms.process_pages,
         (unsigned long)ms.other_pages);
  exit(0);
}

// vmbss: a helper for vmtests (bss_zero, bss_lazy): a program with a 64 MiB
// BSS, which exec must not allocate up front.
//
//   vmbss zero   the BSS reads as zero everywhere this samples, and holds
//                what is written to it
//   vmbss lazy   the process starts with few resident pages (far fewer than
//                the BSS's 16384), and touching N pages of the BSS makes
//                exactly N more resident
//
// Prints one line, "vmbss: ok ..." or "vmbss: <what went wrong>", and exits
// 0 or 1.
#include "kernel/types.h"
#include "user/user.h"

#define PAGE 4096
#define BSS_PAGES 16384  // 64 MiB
#define TOUCH_STRIDE 64  // pages between samples
#define RESIDENT_LIMIT 1024

// Page aligned, so that no other variable shares its pages.
static char big[BSS_PAGES * PAGE] __attribute__((aligned(PAGE)));

static int zero(void) {
  for (long i = 0; i < BSS_PAGES; i += TOUCH_STRIDE) {
    long at = i * PAGE + (i * 13) % (PAGE - 1);
    if (big[at] != 0) {
      printf("vmbss: BSS byte %ld is %d, not zero\n", at, big[at]);
      return 1;
    }
    big[at] = (char)(i | 1);
  }
  if (big[sizeof big - 1] != 0) {
    printf("vmbss: the last BSS byte is not zero\n");
    return 1;
  }
  for (long i = 0; i < BSS_PAGES; i += TOUCH_STRIDE) {
    long at = i * PAGE + (i * 13) % (PAGE - 1);
    if (big[at] != (char)(i | 1) || big[at + 1] != 0) {
      printf("vmbss: BSS page %ld lost its data\n", i);
      return 1;
    }
  }
  printf("vmbss: ok, BSS zero\n");
  return 0;
}

static int lazy(void) {
  struct memstat before, after;
  if (memstat(&before) < 0) {
    printf("vmbss: memstat: %s\n", strerror(errno));
    return 1;
  }
  if (before.resident_pages >= RESIDENT_LIMIT) {
    printf("vmbss: %lu pages resident at start with a %d-page BSS (expected fewer than %d)\n",
           (unsigned long)before.resident_pages, BSS_PAGES, RESIDENT_LIMIT);
    return 1;
  }
  // The last BSS pages may share a page with other variables; stay clear.
  long touched = 0;
  for (long i = 0; i < BSS_PAGES - 1; i += TOUCH_STRIDE) {
    big[i * PAGE + 5] = 1;
    touched++;
  }
  if (memstat(&after) < 0) {
    printf("vmbss: memstat: %s\n", strerror(errno));
    return 1;
  }
  if (after.resident_pages != before.resident_pages + touched) {
    printf("vmbss: touching %ld BSS pages made %ld more resident\n", touched,
           (long)(after.resident_pages - before.resident_pages));
    return 1;
  }
  printf("vmbss: ok, %lu resident at start, +%ld\n", (unsigned long)before.resident_pages, touched);
  return 0;
}

int main(int argc, char* argv[]) {
  if (argc == 2 && strcmp(argv[1], "zero") == 0) return zero();
  if (argc == 2 && strcmp(argv[1], "lazy") == 0) return lazy();
  fprintf(2, "usage: vmbss zero|lazy\n");
  return 2;
}

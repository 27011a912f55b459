/* A standard C program: only standard headers, as on any hosted system. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int compare_words(const char* a, const char* b) { return strcmp(a, b); }

int main(int argc, char* argv[]) {
  char buf[64];
  const char* words[] = {"pear", "Apple", "fig"};
  size_t total = 0;
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) total += strlen(words[i]);
  int n = snprintf(buf, sizeof buf, "%zu letters, max %d", total, INT_MAX);
  char* copy = malloc((size_t)n + 1);
  if (copy == NULL) return EXIT_FAILURE;
  memcpy(copy, buf, (size_t)n + 1);
  for (char* p = copy; *p != '\0'; p++) *p = (char)toupper((unsigned char)*p);
  bool sorted = compare_words(words[1], words[0]) < 0;
  printf("stdc: %s (%s) argc=%d sorted=%d\n", copy, buf, argc, sorted);
  puts("stdc: puts works");
  putchar('!');
  putchar('\n');
  int64_t big = INT64_MAX;
  uint8_t small = UINT8_MAX;
  printf("stdc: %ld %u %ld\n", (long)big, small, strtol("-42", NULL, 10) + atoi("2"));
  errno = 0;
  if (close(-1) < 0 && errno == EBADF) fprintf(stderr, "stdc: close(-1): %s\n", strerror(errno));
  free(copy);
  (void)argv;
  return isdigit('7') && isalpha('x') && !isspace('y') ? EXIT_SUCCESS : EXIT_FAILURE;
}

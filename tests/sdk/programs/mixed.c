/* Both kinds of header in one file, in both orders, without a conflict. */
#include <stdio.h>
#include <string.h>
#include "kernel/types.h"
#include "user/user.h"
#include <stdlib.h>
#include <unistd.h>
#include <ctype.h>

int main(void) {
  char* s = strdup("mixed");
  s[0] = (char)toupper(s[0]);
  printf("%s: %d\n", s, (int)strlen(s));
  fprintf(stderr, "%s on stderr\n", s);
  free(s);
  exit(0);
}

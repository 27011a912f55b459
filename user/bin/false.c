// false: fails (exit status 1).
#include "kernel/types.h"
#include "user/user.h"

int main(void) { exit(1); }

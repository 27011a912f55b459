// true: succeeds.
#include "kernel/types.h"
#include "user/user.h"

int main(void) { exit(0); }

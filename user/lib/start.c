/* The C side of program start-up (crt0.S jumps here). */
#include "kernel/types.h"
#include "user/user.h"

typedef void (*init_fn)(void);
extern init_fn __preinit_array_start[] __attribute__((weak));
extern init_fn __preinit_array_end[] __attribute__((weak));
extern init_fn __init_array_start[] __attribute__((weak));
extern init_fn __init_array_end[] __attribute__((weak));

int main(int argc, char** argv);

void __rivet_start(int argc, char** argv) __attribute__((noreturn, used));

void __rivet_start(int argc, char** argv) {
  /* Constructors of C++ objects with static storage, in link order. */
  for (init_fn* f = __preinit_array_start; f < __preinit_array_end; f++) (*f)();
  for (init_fn* f = __init_array_start; f < __init_array_end; f++) (*f)();
  exit(main(argc, argv));
}

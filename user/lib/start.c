/* The C side of program start-up (crt0.S jumps here). */
#include "kernel/types.h"
#include "user/user.h"

typedef void (*init_fn)(void);
extern init_fn __preinit_array_start[] __attribute__((weak));
extern init_fn __preinit_array_end[] __attribute__((weak));
extern init_fn __init_array_start[] __attribute__((weak));
extern init_fn __init_array_end[] __attribute__((weak));

int main(int argc, char** argv);

void __rivet_start(int argc, char** argv, char** envp) __attribute__((noreturn, used));

/* The kernel passes envp in a2: the pointers right after argv's null, an
   empty array when the program was started by xv6's exec (sys_exec). */
void __rivet_start(int argc, char** argv, char** envp) {
  environ = envp;
  /* Constructors of C++ objects with static storage, in link order. */
  for (init_fn* f = __preinit_array_start; f < __preinit_array_end; f++) (*f)();
  for (init_fn* f = __init_array_start; f < __init_array_end; f++) (*f)();
  exit(main(argc, argv));
}

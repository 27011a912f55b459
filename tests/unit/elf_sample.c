/* A tiny riscv64 program for the ELF validator's test: text, read-only
   data, initialised data and bss, linked with user/user.ld. Never run. */
static const char message[] = "hello from a real ELF file";
int counter = 42;
char scratch[8192];

void _start(void) {
  for (unsigned long i = 0; i < sizeof message; i++) scratch[i] = message[i] + (char)counter;
  for (;;) {
  }
}

/*
 * _start: where exec() enters a program.
 *
 * The kernel starts the program with a0 = argc, a1 = argv (an array of argc
 * string pointers followed by a null pointer, on the user stack), a2 = envp
 * (the environment's "NAME=value" pointers and a null pointer, right after
 * argv's) and sp 16-byte aligned; a0-a2 pass through to __rivet_start. __rivet_start (start.c) runs the C++ constructors, calls
 * main(argc, argv) and passes its return value to exit().
 */
  .section .text.start, "ax", @progbits
  .globl _start
  .type _start, @function
_start:
  /* gp lets the linker relax accesses to small data; it must be set
     without relaxation, or the assembler would use gp to compute gp. */
  .option push
  .option norelax
  lla gp, __global_pointer$
  .option pop
  andi sp, sp, -16          /* the kernel promises this; be sure anyway */
  li ra, 0                  /* end of the call chain for debuggers */
  li fp, 0
  call __rivet_start
1:
  j 1b                      /* __rivet_start does not return */
  .size _start, . - _start

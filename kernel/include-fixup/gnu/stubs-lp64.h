/* The kernel is built for the lp64 ABI (no floating-point registers) with
   Debian's riscv64-linux-gnu toolchain, whose glibc headers exist only for
   lp64d. libstdc++'s header-only parts (<type_traits>, <new>, <utility>)
   include glibc's <features.h>, which asks for this file; glibc's stubs only
   list unimplemented libc functions, and the kernel uses no libc at all. */

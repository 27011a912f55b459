# Compiler and linker flags for Rivet user programs (shared by the tree's own
# build and the SDK's CMake toolchain example).
#
# rv64gc/lp64d: user programs may use floating point (the kernel saves the F
# and D registers); medany: code and data anywhere; freestanding: no libc but
# librivet; static and non-PIE: the kernel loads the file's segments as they
# are, at the addresses user.ld gives them. -nostdinc: only the SDK's own
# headers (its include directory must be on the path), never the host's
# glibc ones.
set(RIVET_USER_ARCH_FLAGS -march=rv64gc -mabi=lp64d -mcmodel=medany)
set(RIVET_USER_COMMON_FLAGS
  ${RIVET_USER_ARCH_FLAGS}
  -ffreestanding -fno-builtin -nostdlib -nostdinc
  -fno-pie -fno-stack-protector -fno-plt
  -fno-tree-loop-distribute-patterns   # or GCC turns memset's loop into a memset call
  -fno-asynchronous-unwind-tables -fno-unwind-tables
  -ffunction-sections -fdata-sections
  -O2 -Wall -Werror)
set(RIVET_USER_C_FLAGS ${RIVET_USER_COMMON_FLAGS} -std=c11)
set(RIVET_USER_CXX_FLAGS ${RIVET_USER_COMMON_FLAGS} -std=c++20 -fno-exceptions -fno-rtti)
set(RIVET_USER_LINK_FLAGS
  ${RIVET_USER_ARCH_FLAGS} -nostdlib -static -no-pie
  -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,max-page-size=4096)

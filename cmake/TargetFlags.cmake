# Compiler and linker flags shared by everything built for the RISC-V target.
set(CMAKE_CXX_STANDARD 20)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
set(CMAKE_CXX_EXTENSIONS ON)  # statement expressions for TRY()

# The kernel: freestanding, no exceptions/RTTI, no floating point (rv64imac,
# lp64), medany so it runs at any address within +-2 GiB of its link address,
# frame pointers for backtraces, warnings are errors.
set(RIVET_KERNEL_ARCH_FLAGS -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany)
set(RIVET_KERNEL_CXX_FLAGS
  ${RIVET_KERNEL_ARCH_FLAGS}
  -ffreestanding -fno-exceptions -fno-rtti -nostdlib
  -fno-threadsafe-statics -fno-use-cxa-atexit
  -fno-stack-protector -fno-pie -fno-plt -fno-tree-loop-distribute-patterns
  -fno-omit-frame-pointer -fno-optimize-sibling-calls
  -fno-asynchronous-unwind-tables -fno-unwind-tables
  -ffunction-sections -fdata-sections
  -Wall -Wextra -Werror -Wno-unused-parameter
  -O2 -g)

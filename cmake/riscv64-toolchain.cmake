# Cross toolchain for the Rivet target side: Debian's riscv64-linux-gnu GCC 12
# (package g++-riscv64-linux-gnu), used freestanding.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)

set(RIVET_CROSS_PREFIX riscv64-linux-gnu- CACHE STRING "Prefix of the cross tools")
set(CMAKE_C_COMPILER ${RIVET_CROSS_PREFIX}gcc)
set(CMAKE_CXX_COMPILER ${RIVET_CROSS_PREFIX}g++)
set(CMAKE_ASM_COMPILER ${RIVET_CROSS_PREFIX}gcc)
set(CMAKE_OBJCOPY ${RIVET_CROSS_PREFIX}objcopy CACHE FILEPATH "objcopy")
set(CMAKE_OBJDUMP ${RIVET_CROSS_PREFIX}objdump CACHE FILEPATH "objdump")
set(CMAKE_NM ${RIVET_CROSS_PREFIX}nm CACHE FILEPATH "nm")

# A freestanding target cannot link a test program while CMake probes it.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

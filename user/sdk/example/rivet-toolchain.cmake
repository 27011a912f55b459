# A CMake toolchain file for Rivet programs, relative to the SDK it sits in:
#   cmake -S . -B build -DCMAKE_TOOLCHAIN_FILE=/path/to/sdk/example/rivet-toolchain.cmake
# Then add_executable(NAME sources...) builds a Rivet program (C or C++).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)
get_filename_component(RIVET_SDK "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)

set(CMAKE_C_COMPILER riscv64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER riscv64-linux-gnu-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(rivet_arch "-march=rv64gc -mabi=lp64d -mcmodel=medany")
set(rivet_common "${rivet_arch} -ffreestanding -fno-builtin -nostdlib -nostdinc -fno-pie -fno-stack-protector -fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections -isystem ${RIVET_SDK}/include")
set(CMAKE_C_FLAGS_INIT "${rivet_common}")
set(CMAKE_CXX_FLAGS_INIT "${rivet_common} -fno-exceptions -fno-rtti")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${rivet_arch} -nostdlib -static -no-pie -T ${RIVET_SDK}/lib/user.ld -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,max-page-size=4096")
# crt0.o and the library go on every link line.
set(CMAKE_C_STANDARD_LIBRARIES "${RIVET_SDK}/lib/crt0.o ${RIVET_SDK}/lib/librivet.a -lgcc")
set(CMAKE_CXX_STANDARD_LIBRARIES "${RIVET_SDK}/lib/crt0.o ${RIVET_SDK}/lib/librivet.a -lgcc")

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

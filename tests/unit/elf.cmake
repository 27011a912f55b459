# ELF64 validator (kernel/proc/elf.cc): hand-built and malformed executables,
# plus, when the riscv64 cross compiler is installed, a real executable linked
# with user/user.ld at test-build time.
rivet_unit_test(unit_elf
  ${CMAKE_SOURCE_DIR}/tests/unit/elf_test.cc
  ${CMAKE_SOURCE_DIR}/kernel/proc/elf.cc)

find_program(RIVET_RISCV64_GCC riscv64-linux-gnu-gcc)
if(RIVET_RISCV64_GCC)
  set(elf_sample ${CMAKE_CURRENT_BINARY_DIR}/elf_sample.elf)
  add_custom_command(
    OUTPUT ${elf_sample}
    COMMAND ${RIVET_RISCV64_GCC} -march=rv64gc -mabi=lp64d -mcmodel=medany -O2
      -ffreestanding -nostdlib -static -no-pie -fno-pie
      -T ${CMAKE_SOURCE_DIR}/user/user.ld -Wl,--build-id=none
      -o ${elf_sample} ${CMAKE_SOURCE_DIR}/tests/unit/elf_sample.c
    DEPENDS ${CMAKE_SOURCE_DIR}/tests/unit/elf_sample.c ${CMAKE_SOURCE_DIR}/user/user.ld
    COMMENT "Cross-compiling the ELF test sample")
  add_custom_target(unit_elf_sample DEPENDS ${elf_sample})
  add_dependencies(unit_elf unit_elf_sample)
  target_compile_definitions(unit_elf PRIVATE RIVET_ELF_SAMPLE="${elf_sample}")
endif()

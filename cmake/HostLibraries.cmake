# The kernel's pure-logic sources that several host programs share (the
# image tools and the unit tests), each named once. They build twice: plain
# for the tools (rivet_pure) and with the sanitizers for the unit tests
# (rivet_pure_checked, made by tests/unit). A program links the library and
# gets the objects it references.
set(RIVET_PURE_SOURCES
  kernel/lib/result.cc
  kernel/lib/format.cc
  kernel/block/gpt.cc
  kernel/fs/format.cc
  kernel/dt/fdt.cc
  kernel/dt/machine.cc
  kernel/dev/sd/card.cc
  kernel/dev/sd/crc.cc
  kernel/dev/sd/spi_host.cc
  sdcard/fs_builder.cc
  sdcard/fs_check.cc)
list(TRANSFORM RIVET_PURE_SOURCES PREPEND ${CMAKE_SOURCE_DIR}/)

# rivet_pure_library(NAME [COMPILE_OPTIONS...])
function(rivet_pure_library name)
  add_library(${name} STATIC ${RIVET_PURE_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_compile_options(${name} PRIVATE -Wall -Wextra -Werror -Wno-unused-parameter ${ARGN})
endfunction()

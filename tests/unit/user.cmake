# The pure parts of the user library and the shell, compiled for the host:
# printf's formatting engine, the malloc allocator, the string functions and
# the shell's parser and line editor (user/lib, user/bin/sh_parse.c, sh_edit.c).
enable_language(C)

# The string functions keep their xv6 names in user/lib/string.c; renamed
# here so they do not collide with the host's C library.
set(user_string_functions
  strlen strcpy strncpy strcat strcmp strncmp strchr strrchr strstr memset memcmp
  memmove memcpy strdup isdigit isspace isalpha isprint isupper islower isalnum isxdigit
  iscntrl isgraph ispunct toupper tolower strtol atol atoi malloc)
set(user_string_renames "")
foreach(fn IN LISTS user_string_functions)
  list(APPEND user_string_renames ${fn}=ulib_${fn})
endforeach()

# The SDK headers expect rivet/abi.h beside them, as the target build stages it.
configure_file(${CMAKE_SOURCE_DIR}/kernel/sys/abi.h ${CMAKE_CURRENT_BINARY_DIR}/user_sdk/rivet/abi.h COPYONLY)
add_library(unit_user_string OBJECT ${CMAKE_SOURCE_DIR}/user/lib/string.c)
target_include_directories(unit_user_string PRIVATE
  ${CMAKE_SOURCE_DIR}/user/sdk/include ${CMAKE_CURRENT_BINARY_DIR}/user_sdk)
target_compile_definitions(unit_user_string PRIVATE ${user_string_renames} RIVET_HOST_TEST=1)
target_compile_options(unit_user_string PRIVATE -std=c11 -fno-builtin -Wall -Wextra -Werror ${RIVET_HOST_SANITIZE})

rivet_unit_test(unit_user
  ${CMAKE_SOURCE_DIR}/tests/unit/user_lib_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/user_sh_parse_test.cc
  ${CMAKE_SOURCE_DIR}/tests/unit/user_sh_edit_test.cc
  ${CMAKE_SOURCE_DIR}/user/lib/format.c
  ${CMAKE_SOURCE_DIR}/user/lib/heap.c
  ${CMAKE_SOURCE_DIR}/user/bin/sh_parse.c
  ${CMAKE_SOURCE_DIR}/user/bin/sh_edit.c
  $<TARGET_OBJECTS:unit_user_string>)
target_include_directories(unit_user PRIVATE ${CMAKE_SOURCE_DIR}/user/lib ${CMAKE_SOURCE_DIR}/user/bin)
set_source_files_properties(
  ${CMAKE_SOURCE_DIR}/user/lib/format.c ${CMAKE_SOURCE_DIR}/user/lib/heap.c ${CMAKE_SOURCE_DIR}/user/bin/sh_parse.c
  ${CMAKE_SOURCE_DIR}/user/bin/sh_edit.c
  TARGET_DIRECTORY unit_user PROPERTIES COMPILE_OPTIONS "-std=c11")

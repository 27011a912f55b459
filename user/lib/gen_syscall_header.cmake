# Turns the preprocessed syscall.h.in ("RIVET_DEFINE SYS_fork 1 RIVET_DEFINE
# SYS_exit 2 ...") into rivet/syscall.h with one #define per line.
# cmake -DIN=<preprocessed> -DOUT=<header> -P gen_syscall_header.cmake
file(READ ${IN} text)
string(REGEX MATCHALL "RIVET_DEFINE[ \t\r\n]+SYS_[A-Za-z0-9_]+[ \t\r\n]+[0-9]+" entries "${text}")
if(NOT entries)
  message(FATAL_ERROR "no system calls found in ${IN}")
endif()
set(out "/* Generated from rivet/syscall_list.h: system-call numbers (xv6's SYS_ names). */\n")
string(APPEND out "#ifndef RIVET_SYSCALL_H\n#define RIVET_SYSCALL_H\n")
foreach(entry IN LISTS entries)
  string(REGEX REPLACE "RIVET_DEFINE[ \t\r\n]+(SYS_[A-Za-z0-9_]+)[ \t\r\n]+([0-9]+)" "#define \\1 \\2" line "${entry}")
  string(APPEND out "${line}\n")
endforeach()
string(APPEND out "#endif\n")
file(WRITE ${OUT}.tmp "${out}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)

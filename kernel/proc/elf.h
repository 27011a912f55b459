// ELF64 executables: validation and the load plan exec() follows.
//
// parse_elf() reads a file through a callback, checks the ELF header and
// every program header against what Rivet can load (a static, non-PIE
// RISC-V 64 executable whose segments lie in user space), and returns the
// entry point and the PT_LOAD segments. It never maps memory and never
// trusts a field before checking it, so exec() can map the segments knowing
// that offsets, sizes and addresses are consistent and overflow-free.
//
// Pure logic: no heap, no libc; shared by the kernel and the host unit tests.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/layout_asm.h"

namespace rivet::elf {

// ---- the on-disk format (System V gABI, ELF64) ------------------------------

inline constexpr size_t kIdentSize = 16;

struct Elf64_Ehdr {
  uint8_t e_ident[kIdentSize];
  uint16_t e_type;
  uint16_t e_machine;
  uint32_t e_version;
  uint64_t e_entry;
  uint64_t e_phoff;
  uint64_t e_shoff;
  uint32_t e_flags;
  uint16_t e_ehsize;
  uint16_t e_phentsize;
  uint16_t e_phnum;
  uint16_t e_shentsize;
  uint16_t e_shnum;
  uint16_t e_shstrndx;
};
static_assert(sizeof(Elf64_Ehdr) == 64);

struct Elf64_Phdr {
  uint32_t p_type;
  uint32_t p_flags;
  uint64_t p_offset;
  uint64_t p_vaddr;
  uint64_t p_paddr;
  uint64_t p_filesz;
  uint64_t p_memsz;
  uint64_t p_align;
};
static_assert(sizeof(Elf64_Phdr) == 56);

// e_ident indices and values.
inline constexpr int EI_CLASS = 4;
inline constexpr int EI_DATA = 5;
inline constexpr int EI_VERSION = 6;
inline constexpr int EI_OSABI = 7;
inline constexpr uint8_t ELFCLASS64 = 2;
inline constexpr uint8_t ELFDATA2LSB = 1;
inline constexpr uint8_t EV_CURRENT = 1;
inline constexpr uint8_t ELFOSABI_SYSV = 0;  // also "none"

inline constexpr uint16_t ET_EXEC = 2;
inline constexpr uint16_t ET_DYN = 3;
inline constexpr uint16_t EM_RISCV = 243;

inline constexpr uint32_t PT_NULL = 0;
inline constexpr uint32_t PT_LOAD = 1;
inline constexpr uint32_t PT_DYNAMIC = 2;
inline constexpr uint32_t PT_INTERP = 3;

inline constexpr uint32_t PF_X = 0x1;
inline constexpr uint32_t PF_W = 0x2;
inline constexpr uint32_t PF_R = 0x4;

// ---- what Rivet accepts -------------------------------------------------------

inline constexpr uint64_t kPageSize = 4096;
// Segments must end at or below this address: the top two pages of user
// space hold the trampoline and the trap frame.
inline constexpr uint64_t kUserLoadLimit = RIVET_TRAPFRAME;
// The lowest loadable address: page 0 stays unmapped so null pointers fault.
inline constexpr uint64_t kUserLoadBase = kPageSize;
inline constexpr uint16_t kMaxProgramHeaders = 64;
inline constexpr size_t kMaxSegments = 16;

// One PT_LOAD segment, validated: [vaddr, vaddr + memsz) lies within
// [kUserLoadBase, kUserLoadLimit); the file bytes [offset, offset + filesz)
// lie within the file and go to [vaddr, vaddr + filesz); the rest is zero.
// vaddr and offset are congruent modulo the page size, and no two segments
// share a page.
struct Segment {
  uint64_t vaddr;
  uint64_t memsz;
  uint64_t offset;
  uint64_t filesz;
  uint32_t flags;  // PF_R | PF_W | PF_X, as in the file

  bool readable() const { return (flags & PF_R) != 0; }
  bool writable() const { return (flags & PF_W) != 0; }
  bool executable() const { return (flags & PF_X) != 0; }
  // Writable and executable at once: loaded as asked, but worth a warning.
  bool write_and_execute() const { return writable() && executable(); }
};

struct Image {
  uint64_t entry;
  size_t segment_count;
  Segment segments[kMaxSegments];  // sorted by vaddr
};

// Reads n bytes at offset into dst. The parser only asks for ranges it has
// already checked lie within file_size; a failure propagates unchanged.
using ReadFn = Result<void> (*)(void* ctx, uint64_t offset, void* dst, size_t n);

// Validates the executable and returns its load plan. Anything malformed or
// unsupported is Error::BadExec (ENOEXEC); read errors come back as they are.
Result<Image> parse_elf(ReadFn read, void* ctx, uint64_t file_size);

}  // namespace rivet::elf

// ELF64 validation. Every field is checked before it is used: sizes and
// offsets come from a file a user may have crafted, so each sum is done
// with an overflow check and each range is compared with the file size.
#include "kernel/proc/elf.h"

namespace rivet::elf {
namespace {

constexpr uint64_t page_down(uint64_t a) { return a & ~(kPageSize - 1); }

// a + b, or false if it does not fit in 64 bits.
bool add_overflows(uint64_t a, uint64_t b, uint64_t* sum) { return __builtin_add_overflow(a, b, sum); }

Result<void> check_header(const Elf64_Ehdr& h, uint64_t file_size) {
  if (h.e_ident[0] != 0x7f || h.e_ident[1] != 'E' || h.e_ident[2] != 'L' || h.e_ident[3] != 'F') {
    return Error::BadExec;
  }
  if (h.e_ident[EI_CLASS] != ELFCLASS64) return Error::BadExec;
  if (h.e_ident[EI_DATA] != ELFDATA2LSB) return Error::BadExec;
  if (h.e_ident[EI_VERSION] != EV_CURRENT) return Error::BadExec;
  if (h.e_ident[EI_OSABI] != ELFOSABI_SYSV) return Error::BadExec;
  // Only static, non-position-independent executables: Rivet has no
  // dynamic loader and does not relocate.
  if (h.e_type != ET_EXEC) return Error::BadExec;
  if (h.e_machine != EM_RISCV) return Error::BadExec;
  if (h.e_version != EV_CURRENT) return Error::BadExec;
  if (h.e_ehsize != sizeof(Elf64_Ehdr)) return Error::BadExec;
  if (h.e_phentsize != sizeof(Elf64_Phdr)) return Error::BadExec;
  if (h.e_phnum == 0 || h.e_phnum > kMaxProgramHeaders) return Error::BadExec;
  // The program-header table lies within the file. phnum * 56 cannot
  // overflow (phnum <= 64); the sum with the offset can.
  uint64_t table_end;
  if (add_overflows(h.e_phoff, uint64_t{h.e_phnum} * sizeof(Elf64_Phdr), &table_end)) {
    return Error::BadExec;
  }
  if (h.e_phoff < sizeof(Elf64_Ehdr) || table_end > file_size) return Error::BadExec;
  return {};
}

// Checks one PT_LOAD header on its own; returns the segment it describes.
Result<Segment> check_load(const Elf64_Phdr& p, uint64_t file_size) {
  if (p.p_filesz > p.p_memsz) return Error::BadExec;
  uint64_t file_end;
  if (add_overflows(p.p_offset, p.p_filesz, &file_end) || file_end > file_size) {
    return Error::BadExec;
  }
  uint64_t mem_end;
  if (add_overflows(p.p_vaddr, p.p_memsz, &mem_end)) return Error::BadExec;
  if (p.p_vaddr < kUserLoadBase || mem_end > kUserLoadLimit) return Error::BadExec;
  // The loader maps whole pages of the file, so a byte's offset within its
  // page must be the same in the file and in memory.
  if (p.p_vaddr % kPageSize != p.p_offset % kPageSize) return Error::BadExec;
  if ((p.p_flags & ~(PF_R | PF_W | PF_X)) != 0 || p.p_flags == 0) return Error::BadExec;
  // p_align: 0 and 1 mean none; otherwise a power of two.
  if (p.p_align > 1 && (p.p_align & (p.p_align - 1)) != 0) return Error::BadExec;
  return Segment{p.p_vaddr, p.p_memsz, p.p_offset, p.p_filesz, p.p_flags};
}

}  // namespace

Result<Image> parse_elf(ReadFn read, void* ctx, uint64_t file_size) {
  if (file_size < sizeof(Elf64_Ehdr)) return Error::BadExec;
  Elf64_Ehdr header;
  TRY(read(ctx, 0, &header, sizeof header));
  TRY(check_header(header, file_size));

  Image image{};
  image.entry = header.e_entry;
  for (uint16_t i = 0; i < header.e_phnum; i++) {
    Elf64_Phdr ph;
    TRY(read(ctx, header.e_phoff + uint64_t{i} * sizeof(Elf64_Phdr), &ph, sizeof ph));
    if (ph.p_type == PT_INTERP || ph.p_type == PT_DYNAMIC) return Error::BadExec;
    if (ph.p_type != PT_LOAD) continue;  // notes, GNU_STACK, RISCV_ATTRIBUTES...
    // An empty segment maps nothing (GNU ld emits one, at address 0, for
    // a PHDRS entry that received no sections); its other fields do not
    // matter.
    if (ph.p_memsz == 0 && ph.p_filesz == 0) continue;
    Segment segment = TRY(check_load(ph, file_size));
    if (image.segment_count == kMaxSegments) return Error::BadExec;
    // Sorted (the gABI requires PT_LOAD entries in ascending vaddr order),
    // and no page shared with the previous segment: each page gets exactly
    // one segment's permissions and contents.
    if (image.segment_count > 0) {
      const Segment& prev = image.segments[image.segment_count - 1];
      uint64_t prev_last_page = page_down(prev.vaddr + prev.memsz - 1);
      if (page_down(segment.vaddr) <= prev_last_page) return Error::BadExec;
    }
    image.segments[image.segment_count++] = segment;
  }
  if (image.segment_count == 0) return Error::BadExec;

  // The entry point is code in the file: inside the file-backed part of an
  // executable segment, on an instruction boundary (2 bytes with the C
  // extension).
  if (image.entry % 2 != 0) return Error::BadExec;
  bool entry_ok = false;
  for (size_t i = 0; i < image.segment_count; i++) {
    const Segment& s = image.segments[i];
    if (s.executable() && image.entry >= s.vaddr && image.entry - s.vaddr < s.filesz) entry_ok = true;
  }
  if (!entry_ok) return Error::BadExec;
  return image;
}

}  // namespace rivet::elf

// Tests of the ELF64 validator in kernel/proc/elf.cc: hand-built executables
// (valid, and broken one field at a time), every truncation of a valid file,
// and, when the cross compiler was available at build time, a real riscv64
// executable linked with the user-space linker script.
#include "kernel/proc/elf.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <string.h>

#include <functional>
#include <string>
#include <vector>

namespace rivet::elf {
namespace {

// ---- helpers -------------------------------------------------------------------

// A file in memory, readable through the parser's callback. Reads outside
// the file fail the test: the parser promises to check ranges first.
struct MemoryFile {
  std::vector<uint8_t> bytes;
  int reads = 0;

  static Result<void> read(void* ctx, uint64_t offset, void* dst, size_t n) {
    auto* self = static_cast<MemoryFile*>(ctx);
    self->reads++;
    EXPECT_LE(offset, self->bytes.size());
    EXPECT_LE(n, self->bytes.size() - offset);
    if (offset > self->bytes.size() || n > self->bytes.size() - offset) return Error::Io;
    memcpy(dst, self->bytes.data() + offset, n);
    return {};
  }

  Result<Image> parse() { return parse_elf(&MemoryFile::read, this, bytes.size()); }
};

// Builds an executable: a header, a program-header table right after it, and
// segment contents. Tests change fields before calling build().
struct ElfBuilder {
  Elf64_Ehdr header{};
  std::vector<Elf64_Phdr> phdrs;
  uint64_t file_size = 0x3000;

  ElfBuilder() {
    const uint8_t ident[kIdentSize] = {0x7f, 'E', 'L', 'F', ELFCLASS64, ELFDATA2LSB, EV_CURRENT, 0};
    memcpy(header.e_ident, ident, sizeof ident);
    header.e_type = ET_EXEC;
    header.e_machine = EM_RISCV;
    header.e_version = EV_CURRENT;
    header.e_entry = 0x10000;
    header.e_phoff = sizeof(Elf64_Ehdr);
    header.e_ehsize = sizeof(Elf64_Ehdr);
    header.e_phentsize = sizeof(Elf64_Phdr);
    // A typical layout: text at 0x10000 from offset 0x1000, data + bss at
    // 0x11000 from offset 0x2000, plus a non-load header to skip.
    phdrs.push_back(load(0x10000, 0x1000, 0x800, 0x800, PF_R | PF_X));
    phdrs.push_back(load(0x11000, 0x2000, 0x100, 0x3000, PF_R | PF_W));
    Elf64_Phdr stack{};
    stack.p_type = 0x6474e551;  // PT_GNU_STACK
    stack.p_flags = PF_R | PF_W;
    phdrs.push_back(stack);
  }

  static Elf64_Phdr load(uint64_t vaddr, uint64_t offset, uint64_t filesz, uint64_t memsz, uint32_t flags) {
    Elf64_Phdr p{};
    p.p_type = PT_LOAD;
    p.p_flags = flags;
    p.p_offset = offset;
    p.p_vaddr = vaddr;
    p.p_paddr = vaddr;
    p.p_filesz = filesz;
    p.p_memsz = memsz;
    p.p_align = kPageSize;
    return p;
  }

  MemoryFile build() const {
    MemoryFile f;
    f.bytes.assign(file_size, 0xcc);
    Elf64_Ehdr h = header;
    if (h.e_phnum == 0 && !keep_phnum) h.e_phnum = static_cast<uint16_t>(phdrs.size());
    memcpy(f.bytes.data(), &h, std::min<size_t>(sizeof h, f.bytes.size()));
    for (size_t i = 0; i < phdrs.size(); i++) {
      uint64_t at = header.e_phoff + i * sizeof(Elf64_Phdr);
      if (header.e_phoff <= f.bytes.size() && at <= f.bytes.size() && f.bytes.size() - at >= sizeof(Elf64_Phdr)) memcpy(f.bytes.data() + at, &phdrs[i], sizeof phdrs[i]);
    }
    return f;
  }

  bool keep_phnum = false;  // leave e_phnum as set (even 0)
};

Error parse_error(const ElfBuilder& b) {
  MemoryFile f = b.build();
  Result<Image> r = f.parse();
  return r.ok() ? Error::None : r.error();
}

// Applies a change to a valid builder and expects ENOEXEC.
void expect_rejected(const std::function<void(ElfBuilder&)>& change) {
  ElfBuilder b;
  change(b);
  EXPECT_EQ(parse_error(b), Error::BadExec);
}

// ---- valid executables ----------------------------------------------------------

// The typical two-segment executable parses into its entry and both segments.
TEST(Elf, ValidExecutableGivesEntryAndSegments) {
  MemoryFile f = ElfBuilder().build();
  Result<Image> r = f.parse();
  ASSERT_TRUE(r.ok()) << error_name(r.error());
  EXPECT_EQ(r->entry, 0x10000u);
  ASSERT_EQ(r->segment_count, 2u);
  EXPECT_EQ(r->segments[0].vaddr, 0x10000u);
  EXPECT_EQ(r->segments[0].offset, 0x1000u);
  EXPECT_EQ(r->segments[0].filesz, 0x800u);
  EXPECT_EQ(r->segments[0].memsz, 0x800u);
  EXPECT_TRUE(r->segments[0].executable());
  EXPECT_FALSE(r->segments[0].writable());
  EXPECT_EQ(r->segments[1].vaddr, 0x11000u);
  EXPECT_EQ(r->segments[1].filesz, 0x100u);
  EXPECT_EQ(r->segments[1].memsz, 0x3000u);
  EXPECT_TRUE(r->segments[1].writable());
  EXPECT_FALSE(r->segments[1].write_and_execute());
}

// A writable and executable segment is accepted, and reported as such.
TEST(Elf, WriteExecuteSegmentIsAcceptedAndReported) {
  ElfBuilder b;
  b.phdrs[0].p_flags = PF_R | PF_W | PF_X;
  MemoryFile f = b.build();
  Result<Image> r = f.parse();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->segments[0].write_and_execute());
}

// The entry point may be anywhere inside the executable segment's file bytes.
TEST(Elf, EntryInsideTextIsAccepted) {
  ElfBuilder b;
  b.header.e_entry = 0x107fe;
  EXPECT_EQ(parse_error(b), Error::None);
}

// Segments that are not page aligned but congruent with their offsets load.
TEST(Elf, UnalignedCongruentSegmentIsAccepted) {
  ElfBuilder b;
  b.phdrs[1] = ElfBuilder::load(0x11234, 0x2234, 0x10, 0x20, PF_R | PF_W);
  EXPECT_EQ(parse_error(b), Error::None);
}

// A segment may end exactly at the load limit (below trampoline and trap frame).
TEST(Elf, SegmentEndingAtLoadLimitIsAccepted) {
  ElfBuilder b;
  b.phdrs[1] = ElfBuilder::load(kUserLoadLimit - 0x2000, 0x2000, 0x100, 0x2000, PF_R | PF_W);
  EXPECT_EQ(parse_error(b), Error::None);
}

// Empty PT_LOAD entries (even at address 0 with an incongruent offset, as
// GNU ld writes for a segment that got no sections) and other header types
// are skipped, not loaded.
TEST(Elf, EmptyLoadAndOtherTypesAreSkipped) {
  ElfBuilder b;
  b.phdrs.insert(b.phdrs.begin() + 1, ElfBuilder::load(0, 0x120, 0, 0, PF_R));
  b.phdrs.push_back(ElfBuilder::load(0x20000, 0, 0, 0, PF_R));
  Elf64_Phdr note{};
  note.p_type = 4;  // PT_NOTE, with nonsense fields that must not matter
  note.p_offset = ~0ull;
  note.p_filesz = ~0ull;
  b.phdrs.push_back(note);
  MemoryFile f = b.build();
  Result<Image> r = f.parse();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->segment_count, 2u);
}

// The maximum number of program headers is accepted.
TEST(Elf, MaximumProgramHeaderCountIsAccepted) {
  ElfBuilder b;
  Elf64_Phdr null{};
  while (b.phdrs.size() < kMaxProgramHeaders) b.phdrs.push_back(null);
  b.file_size = 0x4000;
  EXPECT_EQ(parse_error(b), Error::None);
}

// kMaxSegments loadable segments are accepted; one more is refused.
TEST(Elf, SegmentCountLimit) {
  ElfBuilder b;
  b.phdrs.clear();
  b.file_size = 0x1000 * (kMaxSegments + 2);
  for (size_t i = 0; i < kMaxSegments; i++) {
    b.phdrs.push_back(ElfBuilder::load(0x10000 + i * 0x1000, 0x1000 + i * 0x1000, 0x10, 0x10, PF_R | PF_X));
  }
  EXPECT_EQ(parse_error(b), Error::None);
  b.phdrs.push_back(ElfBuilder::load(0x10000 + kMaxSegments * 0x1000, 0x1000, 0x10, 0x10, PF_R));
  EXPECT_EQ(parse_error(b), Error::BadExec);
}

// ---- the ELF header, one field at a time ------------------------------------------

// Each byte of the magic number matters.
TEST(Elf, WrongMagicIsRejected) {
  for (int i = 0; i < 4; i++) {
    expect_rejected([i](ElfBuilder& b) { b.header.e_ident[i] ^= 0x20; });
  }
}

// 32-bit (and invalid) classes are refused.
TEST(Elf, Class32IsRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_ident[EI_CLASS] = 1; });
  expect_rejected([](ElfBuilder& b) { b.header.e_ident[EI_CLASS] = 0; });
}

// Big-endian files are refused.
TEST(Elf, BigEndianIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_ident[EI_DATA] = 2; });
  expect_rejected([](ElfBuilder& b) { b.header.e_ident[EI_DATA] = 0; });
}

// The identification version and the header version must both be 1.
TEST(Elf, WrongVersionIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_ident[EI_VERSION] = 0; });
  expect_rejected([](ElfBuilder& b) { b.header.e_ident[EI_VERSION] = 2; });
  expect_rejected([](ElfBuilder& b) { b.header.e_version = 0; });
  expect_rejected([](ElfBuilder& b) { b.header.e_version = 2; });
}

// Only the System V ("none") OS ABI is accepted.
TEST(Elf, ForeignOsAbiIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_ident[EI_OSABI] = 3; });    // GNU/Linux
  expect_rejected([](ElfBuilder& b) { b.header.e_ident[EI_OSABI] = 255; });  // standalone
}

// Position-independent (ET_DYN), relocatable and core files are refused.
TEST(Elf, NonExecTypeIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_type = ET_DYN; });
  expect_rejected([](ElfBuilder& b) { b.header.e_type = 1; });
  expect_rejected([](ElfBuilder& b) { b.header.e_type = 4; });
  expect_rejected([](ElfBuilder& b) { b.header.e_type = 0; });
}

// Executables for other machines (x86-64, AArch64, none) are refused.
TEST(Elf, WrongMachineIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_machine = 62; });
  expect_rejected([](ElfBuilder& b) { b.header.e_machine = 183; });
  expect_rejected([](ElfBuilder& b) { b.header.e_machine = 0; });
}

// The header and program-header sizes must be the ELF64 ones.
TEST(Elf, WrongHeaderSizesAreRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_ehsize = 52; });
  expect_rejected([](ElfBuilder& b) { b.header.e_ehsize = 65; });
  expect_rejected([](ElfBuilder& b) { b.header.e_phentsize = 32; });
  expect_rejected([](ElfBuilder& b) { b.header.e_phentsize = 57; });
  expect_rejected([](ElfBuilder& b) { b.header.e_phentsize = 0; });
}

// No program headers, or an absurd number of them, is refused.
TEST(Elf, AbsurdProgramHeaderCountIsRejected) {
  expect_rejected([](ElfBuilder& b) {
    b.header.e_phnum = 0;
    b.keep_phnum = true;
  });
  expect_rejected([](ElfBuilder& b) { b.header.e_phnum = kMaxProgramHeaders + 1; });
  expect_rejected([](ElfBuilder& b) { b.header.e_phnum = 0xffff; });  // PN_XNUM
}

// The program-header table must lie within the file, without overflow.
TEST(Elf, ProgramHeaderTableOutsideFileIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_phoff = b.file_size; });
  expect_rejected([](ElfBuilder& b) { b.header.e_phoff = b.file_size - sizeof(Elf64_Phdr); });
  expect_rejected([](ElfBuilder& b) { b.header.e_phoff = ~0ull - 8; });
  expect_rejected([](ElfBuilder& b) { b.header.e_phoff = ~0ull; });
  expect_rejected([](ElfBuilder& b) { b.header.e_phoff = 0; });  // overlaps the ELF header
}

// ---- the entry point ---------------------------------------------------------------

// The entry must be in the file bytes of an executable segment, 2-aligned.
TEST(Elf, BadEntryIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.header.e_entry = 0; });
  expect_rejected([](ElfBuilder& b) { b.header.e_entry = 0xfffe; });     // just below text
  expect_rejected([](ElfBuilder& b) { b.header.e_entry = 0x10800; });    // one past text's bytes
  expect_rejected([](ElfBuilder& b) { b.header.e_entry = 0x11000; });    // data, not executable
  expect_rejected([](ElfBuilder& b) { b.header.e_entry = 0x10001; });    // misaligned
  expect_rejected([](ElfBuilder& b) { b.header.e_entry = 0xffffffff80000000ull; });
}

// An entry in a segment's zero-filled tail is not code from the file.
TEST(Elf, EntryInBssOfExecutableSegmentIsRejected) {
  expect_rejected([](ElfBuilder& b) {
    b.phdrs[0].p_memsz = 0x1000;
    b.header.e_entry = 0x10900;
  });
}

// ---- program headers -------------------------------------------------------------

// A segment cannot have more file bytes than memory.
TEST(Elf, FileSizeLargerThanMemorySizeIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_filesz = b.phdrs[1].p_memsz + 1; });
  expect_rejected([](ElfBuilder& b) { b.phdrs.push_back(ElfBuilder::load(0x20000, 0x2000, 1, 0, PF_R)); });
}

// A segment's file bytes must lie within the file, without overflow.
TEST(Elf, SegmentBeyondFileIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_offset = b.file_size; });
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_filesz = b.file_size; });
  expect_rejected([](ElfBuilder& b) {
    b.phdrs[1].p_offset = ~0ull - 0xfff;  // offset + filesz wraps to a small number
    b.phdrs[1].p_vaddr = 0x11000;
    b.phdrs[1].p_filesz = 0x1001;
    b.phdrs[1].p_memsz = 0x2000;
  });
}

// vaddr + memsz must not wrap around.
TEST(Elf, VaddrOverflowIsRejected) {
  expect_rejected([](ElfBuilder& b) {
    b.phdrs[1].p_vaddr = ~0ull - 0xfff;
    b.phdrs[1].p_offset = 0x2000;
    b.phdrs[1].p_memsz = 0x2000;
  });
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_memsz = ~0ull; });
}

// Segments in kernel space, in the trampoline/trap-frame pages or beyond
// user space are refused.
TEST(Elf, KernelSpaceVaddrIsRejected) {
  expect_rejected([](ElfBuilder& b) {
    b.phdrs[1].p_vaddr = 0xffffffff80000000ull;
    b.phdrs[1].p_offset = 0x2000;
  });
  expect_rejected([](ElfBuilder& b) {
    b.phdrs[1].p_vaddr = kUserLoadLimit;  // the trap frame's page
  });
  expect_rejected([](ElfBuilder& b) {
    b.phdrs[1].p_vaddr = kUserLoadLimit - 0x1000;  // ends one page too high
  });
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_vaddr = 0x4000000000ull; });
}

// Nothing may be loaded into page 0, where null pointers must fault.
TEST(Elf, PageZeroIsRejected) {
  expect_rejected([](ElfBuilder& b) {
    b.phdrs[0].p_vaddr = 0;
    b.phdrs[0].p_offset = 0x1000;
    b.header.e_entry = 0;
  });
  expect_rejected([](ElfBuilder& b) {
    b.phdrs[0].p_vaddr = 0x800;
    b.phdrs[0].p_offset = 0x1800;
    b.header.e_entry = 0x800;
  });
}

// File offset and address must agree modulo the page size.
TEST(Elf, IncongruentOffsetIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_offset = 0x2010; });
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_vaddr = 0x11010; });
}

// Overlapping segments, segments sharing a page and unsorted segments are refused.
TEST(Elf, OverlappingOrUnsortedSegmentsAreRejected) {
  expect_rejected([](ElfBuilder& b) { b.phdrs[1] = ElfBuilder::load(0x10000, 0x2000, 0x100, 0x100, PF_R | PF_W); });
  expect_rejected([](ElfBuilder& b) { b.phdrs[1] = ElfBuilder::load(0x10400, 0x2400, 0x100, 0x100, PF_R | PF_W); });
  // Text ends at 0x10800; data starting in the same page (no overlap in bytes).
  expect_rejected([](ElfBuilder& b) { b.phdrs[1] = ElfBuilder::load(0x10900, 0x2900, 0x100, 0x100, PF_R | PF_W); });
  // Text's bss spills into data's page.
  expect_rejected([](ElfBuilder& b) { b.phdrs[0].p_memsz = 0x1001; });
  expect_rejected([](ElfBuilder& b) { std::swap(b.phdrs[0], b.phdrs[1]); });
}

// Unknown flag bits, no permissions at all, and non-power-of-two alignment are refused.
TEST(Elf, BadSegmentFlagsOrAlignIsRejected) {
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_flags = 0; });
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_flags = PF_R | 0x8; });
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_flags = PF_R | 0x00100000; });  // PF_MASKOS bit
  expect_rejected([](ElfBuilder& b) { b.phdrs[1].p_align = 3000; });
}

// Dynamically linked executables (PT_INTERP, PT_DYNAMIC) are refused.
TEST(Elf, DynamicExecutableIsRejected) {
  for (uint32_t type : {PT_INTERP, PT_DYNAMIC}) {
    expect_rejected([type](ElfBuilder& b) {
      Elf64_Phdr p{};
      p.p_type = type;
      b.phdrs.push_back(p);
    });
  }
}

// A file with no loadable segment has nothing to run.
TEST(Elf, NoLoadSegmentIsRejected) {
  expect_rejected([](ElfBuilder& b) {
    b.phdrs.erase(b.phdrs.begin(), b.phdrs.begin() + 2);
  });
}

// ---- truncation and read errors --------------------------------------------------------

// Every truncation of a valid file is refused, and no read goes past the end.
TEST(Elf, EveryTruncationIsRejected) {
  MemoryFile full = ElfBuilder().build();
  for (size_t n = 0; n < full.bytes.size(); n++) {
    // Truncating inside the data segment's file bytes (the last byte it
    // uses is at 0x20ff) is the last length that must fail.
    if (n >= 0x2100) break;
    MemoryFile f;
    f.bytes.assign(full.bytes.begin(), full.bytes.begin() + n);
    Result<Image> r = f.parse();
    ASSERT_FALSE(r.ok()) << "length " << n;
    EXPECT_EQ(r.error(), Error::BadExec) << "length " << n;
  }
  MemoryFile f;
  f.bytes.assign(full.bytes.begin(), full.bytes.begin() + 0x2100);
  EXPECT_TRUE(f.parse().ok());
}

// A failing read is reported as the read's own error.
TEST(Elf, ReadErrorPropagates) {
  MemoryFile f = ElfBuilder().build();
  auto failing = [](void*, uint64_t, void*, size_t) -> Result<void> { return Error::Io; };
  Result<Image> r = parse_elf(failing, &f, f.bytes.size());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), Error::Io);
}

// Random garbage never parses and never reads out of bounds.
TEST(Elf, GarbageIsRejected) {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  for (int round = 0; round < 200; round++) {
    MemoryFile f;
    f.bytes.resize(64 + (round * 37) % 4096);
    for (auto& byte : f.bytes) {
      state = state * 6364136223846793005ull + 1442695040888963407ull;
      byte = static_cast<uint8_t>(state >> 56);
    }
    // Half the time, a valid identification, so the later checks run.
    if (round % 2 == 0) {
      ElfBuilder b;
      memcpy(f.bytes.data(), &b.header, 24);
    }
    EXPECT_FALSE(f.parse().ok());
  }
}

// ---- a real executable ------------------------------------------------------------------

#ifdef RIVET_ELF_SAMPLE
// A program built by the riscv64 cross compiler with user/user.ld parses, its
// entry lies in text, and text is not writable.
TEST(Elf, RealCrossCompiledExecutableIsAccepted) {
  FILE* fp = fopen(RIVET_ELF_SAMPLE, "rb");
  ASSERT_NE(fp, nullptr) << RIVET_ELF_SAMPLE;
  MemoryFile f;
  uint8_t buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, fp)) > 0) f.bytes.insert(f.bytes.end(), buf, buf + n);
  fclose(fp);
  Result<Image> r = f.parse();
  ASSERT_TRUE(r.ok()) << error_name(r.error());
  EXPECT_GE(r->segment_count, 1u);
  EXPECT_EQ(r->segments[0].vaddr, 0x10000u);
  EXPECT_TRUE(r->segments[0].executable());
  EXPECT_FALSE(r->segments[0].writable());
  for (size_t i = 0; i < r->segment_count; i++) EXPECT_FALSE(r->segments[i].write_and_execute());
}
#endif

}  // namespace
}  // namespace rivet::elf

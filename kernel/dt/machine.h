// What the kernel needs to know about the machine, distilled from the
// flattened device tree the firmware hands over.
//
// Pure logic: compiled into the kernel and into the host unit tests. It never
// reads outside the blob it is given and copies out everything it keeps, so a
// Machine stays valid after the blob is gone.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace rivet::dt {

inline constexpr size_t kMaxMemoryRanges = 16;
inline constexpr size_t kMaxReservedRanges = 32;
// The most harts the kernel runs: one Cpu each (kMaxCpus is this). Harts
// beyond it are left stopped. tools/boot.sh reads this line to refuse a
// larger --smp.
inline constexpr size_t kMaxHarts = 16;
inline constexpr uint32_t kNoContext = 0xffffffffu;

struct Range {
  uint64_t base = 0;
  uint64_t size = 0;
  uint64_t end() const { return base + size; }
};

struct Hart {
  uint32_t hartid = 0;
  bool okay = false;         // status absent, "okay" or "ok"
  bool sv39 = false;         // mmu-type is riscv,sv39 / sv48 / sv57 (all can run Sv39)
  bool sstc = false;         // "sstc" appears in riscv,isa or riscv,isa-extensions
  bool usable() const { return okay && sv39; }  // may run Rivet
  char isa[96] = {};         // riscv,isa as given (truncated if longer)
  char mmu_type[16] = {};    // mmu-type as given, "" if absent
  uint32_t intc_phandle = 0; // phandle of the hart's riscv,cpu-intc node
  uint32_t plic_s_context = kNoContext;  // PLIC context for S-mode external irq (9)
};

enum class UartKind : uint8_t { None, Ns16550a, DwApb, Sifive };

struct Uart {
  UartKind kind = UartKind::None;
  uint64_t base = 0;
  uint64_t size = 0;
  uint32_t reg_shift = 0;     // register stride is 1 << reg_shift bytes
  uint32_t reg_io_width = 1;  // bytes per access: 1 or 4
  uint32_t irq = 0;           // PLIC source, 0 if none
  uint32_t clock_hz = 0;      // clock-frequency, 0 if absent
  char compatible[32] = {};   // the compatible string that matched
  char path[64] = {};         // node path, e.g. /soc/serial@10000000
};

struct Plic {
  bool present = false;
  uint64_t base = 0;
  uint64_t size = 0;
  uint32_t ndev = 0;          // riscv,ndev
  uint32_t phandle = 0;
};

struct Chosen {
  char bootargs[256] = {};
  char stdout_path[64] = {};  // as given, including any ":115200" suffix
  bool has_initrd = false;
  uint64_t initrd_start = 0;
  uint64_t initrd_end = 0;    // exclusive
  // Bounds were given but do not lie inside one memory range: has_initrd
  // stays false and the kernel says why.
  bool initrd_outside_memory = false;
  bool has_boot_hartid = false;
  uint32_t boot_hartid = 0;
};

struct Machine {
  char model[64] = {};
  char compatible[64] = {};   // first root compatible string

  Range memory[kMaxMemoryRanges];
  size_t memory_count = 0;

  // The memory-reservation block plus every /reserved-memory child with reg.
  Range reserved[kMaxReservedRanges];
  size_t reserved_count = 0;

  Hart harts[kMaxHarts];
  size_t hart_count = 0;
  // Every hart the tree lists, also those past kMaxHarts (never started):
  // the boot log says "using N of M harts" when this exceeds hart_count.
  size_t harts_in_tree = 0;

  uint64_t timebase_hz = 0;   // /cpus timebase-frequency (4- or 8-byte cell)
  Chosen chosen;
  Plic plic;
  Uart uart;                  // the console: stdout-path first, else first known UART

  // On failure: a human-readable reason, e.g. "dt: truncated: struct block
  // ends at 0x1234 beyond totalsize 0x1000".
  char error[128] = {};

  const Hart* find_hart(uint32_t hartid) const;
};

// Reads the FDT header's totalsize from the first 40 bytes (which the caller
// guarantees are readable), or 0 if the magic is wrong. Used to learn how much
// to map before calling discover().
uint32_t fdt_total_size(const void* header);

// Parses the tree at `blob` (at most `blob_bytes` readable bytes) into `out`.
// Malformed or truncated trees yield Error::Malformed with out.error set; a
// tree missing something essential (memory, cpus, timebase) yields
// Error::NotFound with out.error set.
// boot_hartid, when known (not -1), keeps the boot hart in the hart table
// even when the tree lists more harts than kMaxHarts before it.
Result<void> discover(const void* blob, size_t blob_bytes, Machine& out, int64_t boot_hartid = -1);

}  // namespace rivet::dt

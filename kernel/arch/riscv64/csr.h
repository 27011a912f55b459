// Supervisor CSRs and the few privileged instructions the kernel uses,
// as inline functions so C++ code never needs assembly files for them.
#pragma once

#include <stdint.h>

#include "kernel/mm/layout_asm.h"

namespace rivet::arch {

#define RIVET_CSR_READ(name)                               \
  static inline uint64_t read_##name() {                   \
    uint64_t v;                                            \
    asm volatile("csrr %0, " #name : "=r"(v));             \
    return v;                                              \
  }
#define RIVET_CSR_WRITE(name)                              \
  static inline void write_##name(uint64_t v) {            \
    asm volatile("csrw " #name ", %0" ::"r"(v));           \
  }
#define RIVET_CSR_SETCLEAR(name)                           \
  static inline void set_##name(uint64_t bits) {           \
    asm volatile("csrs " #name ", %0" ::"r"(bits));        \
  }                                                        \
  static inline void clear_##name(uint64_t bits) {         \
    asm volatile("csrc " #name ", %0" ::"r"(bits));        \
  }
#define RIVET_CSR(name) RIVET_CSR_READ(name) RIVET_CSR_WRITE(name) RIVET_CSR_SETCLEAR(name)

RIVET_CSR(sstatus)
RIVET_CSR(sie)
RIVET_CSR(sip)
RIVET_CSR(stvec)
RIVET_CSR(sepc)
RIVET_CSR(scause)
RIVET_CSR(stval)
RIVET_CSR(sscratch)
RIVET_CSR(satp)
RIVET_CSR(scounteren)
RIVET_CSR_READ(time)
RIVET_CSR_READ(cycle)
RIVET_CSR_READ(instret)

// stimecmp (Sstc) is CSR 0x14d; older assemblers do not know its name.
static inline void write_stimecmp(uint64_t v) { asm volatile("csrw 0x14d, %0" ::"r"(v)); }

#undef RIVET_CSR
#undef RIVET_CSR_READ
#undef RIVET_CSR_WRITE
#undef RIVET_CSR_SETCLEAR

// sstatus bits
inline constexpr uint64_t kSstatusSie = 1ull << 1;
inline constexpr uint64_t kSstatusSpie = 1ull << 5;
inline constexpr uint64_t kSstatusSpp = 1ull << 8;
inline constexpr uint64_t kSstatusFsMask = 3ull << 13;
inline constexpr uint64_t kSstatusFsOff = 0ull << 13;
inline constexpr uint64_t kSstatusFsInitial = 1ull << 13;
inline constexpr uint64_t kSstatusFsClean = 2ull << 13;
inline constexpr uint64_t kSstatusFsDirty = 3ull << 13;
inline constexpr uint64_t kSstatusSum = 1ull << 18;

// sie / sip bits
inline constexpr uint64_t kIntSoftware = 1ull << 1;
inline constexpr uint64_t kIntTimer = 1ull << 5;
inline constexpr uint64_t kIntExternal = 1ull << 9;

// scause
inline constexpr uint64_t kCauseInterrupt = 1ull << 63;
enum class Exception : uint64_t {
  InstructionMisaligned = 0,
  InstructionAccessFault = 1,
  IllegalInstruction = 2,
  Breakpoint = 3,
  LoadMisaligned = 4,
  LoadAccessFault = 5,
  StoreMisaligned = 6,
  StoreAccessFault = 7,
  EcallFromUser = 8,
  EcallFromSupervisor = 9,
  InstructionPageFault = 12,
  LoadPageFault = 13,
  StorePageFault = 15,
};
enum class Interrupt : uint64_t { Software = 1, Timer = 5, External = 9 };

inline constexpr uint64_t kSatpSv39 = uint64_t{RIVET_SATP_MODE_SV39} << RIVET_SATP_MODE_SHIFT;  // entry.S too

static inline void interrupts_on() { set_sstatus(kSstatusSie); }
static inline void interrupts_off() { clear_sstatus(kSstatusSie); }
static inline bool interrupts_enabled() { return (read_sstatus() & kSstatusSie) != 0; }

static inline void sfence_vma_all() { asm volatile("sfence.vma zero, zero" ::: "memory"); }
static inline void sfence_vma_page(uint64_t va) { asm volatile("sfence.vma %0, zero" ::"r"(va) : "memory"); }
static inline void wait_for_interrupt() { asm volatile("wfi"); }
static inline void fence() { asm volatile("fence rw, rw" ::: "memory"); }
static inline void fence_i() { asm volatile("fence.i" ::: "memory"); }

static inline uint64_t read_tp() {
  uint64_t v;
  asm volatile("mv %0, tp" : "=r"(v));
  return v;
}
static inline void write_tp(uint64_t v) { asm volatile("mv tp, %0" ::"r"(v)); }
static inline uint64_t read_fp() {
  uint64_t v;
  asm volatile("mv %0, s0" : "=r"(v));
  return v;
}

}  // namespace rivet::arch

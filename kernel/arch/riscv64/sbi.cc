#include "kernel/arch/riscv64/sbi.h"

#include "kernel/boot/image.h"
#include "kernel/mm/layout.h"

namespace rivet::sbi {
namespace {

// Extension IDs.
constexpr long kEidLegacyPutchar = 0x01;
constexpr long kEidLegacyGetchar = 0x02;
constexpr long kEidBase = 0x10;
constexpr long kEidTime = 0x54494D45;    // "TIME"
constexpr long kEidIpi = 0x735049;       // "sPI"
constexpr long kEidRfence = 0x52464E43;  // "RFNC"
constexpr long kEidHsm = 0x48534D;       // "HSM"
constexpr long kEidSrst = 0x53525354;    // "SRST"
constexpr long kEidDbcn = 0x4442434E;    // "DBCN"

Info g_info;

Ret ecall(long eid, long fid, unsigned long a0 = 0, unsigned long a1 = 0, unsigned long a2 = 0,
          unsigned long a3 = 0, unsigned long a4 = 0) {
  register unsigned long r0 asm("a0") = a0;
  register unsigned long r1 asm("a1") = a1;
  register unsigned long r2 asm("a2") = a2;
  register unsigned long r3 asm("a3") = a3;
  register unsigned long r4 asm("a4") = a4;
  register unsigned long r6 asm("a6") = fid;
  register unsigned long r7 asm("a7") = eid;
  asm volatile("ecall"
               : "+r"(r0), "+r"(r1)
               : "r"(r2), "r"(r3), "r"(r4), "r"(r6), "r"(r7)
               : "memory");
  return Ret{static_cast<long>(r0), static_cast<long>(r1)};
}

// Legacy extensions return their result in a0 only.
long legacy_ecall(long eid, unsigned long a0 = 0) {
  register unsigned long r0 asm("a0") = a0;
  register unsigned long r7 asm("a7") = eid;
  asm volatile("ecall" : "+r"(r0) : "r"(r7) : "memory", "a1");
  return static_cast<long>(r0);
}

bool probe(long eid) {
  Ret r = ecall(kEidBase, 3, eid);
  return r.error == kSuccess && r.value != 0;
}

Result<void> to_result(Ret r) {
  switch (r.error) {
    case kSuccess: return {};
    case kErrNotSupported: return Error::NotSupported;
    case kErrInvalidParam: return Error::Invalid;
    case kErrDenied: return Error::NotPermitted;
    case kErrInvalidAddress: return Error::Fault;
    case kErrAlreadyAvailable: return Error::Busy;
    default: return Error::Io;
  }
}

}  // namespace

void init() {
  Ret spec = ecall(kEidBase, 0);
  g_info.spec_major = static_cast<uint32_t>((spec.value >> 24) & 0x7f);
  g_info.spec_minor = static_cast<uint32_t>(spec.value & 0xffffff);
  g_info.impl_id = ecall(kEidBase, 1).value;
  g_info.impl_version = ecall(kEidBase, 2).value;
  g_info.has_time = probe(kEidTime);
  g_info.has_ipi = probe(kEidIpi);
  g_info.has_rfence = probe(kEidRfence);
  g_info.has_hsm = probe(kEidHsm);
  g_info.has_srst = probe(kEidSrst);
  g_info.has_dbcn = probe(kEidDbcn);
}

const Info& info() { return g_info; }

const char* implementation_name(long impl_id) {
  switch (impl_id) {
    case 0: return "BBL";
    case 1: return "OpenSBI";
    case 2: return "Xvisor";
    case 3: return "KVM";
    case 4: return "RustSBI";
    case 5: return "Diosix";
    case 6: return "Coffer";
    default: return "unknown";
  }
}

void console_write(const char* s, size_t n) {
  // DBCN takes a physical address: translate image and direct-map
  // addresses; anything else (a stack in the kernel-stack area) goes through
  // the legacy one-character call.
  uint64_t va = reinterpret_cast<uint64_t>(s);
  uint64_t image = reinterpret_cast<uint64_t>(_kernel_start);
  uint64_t pa = 0;
  bool translatable = true;
  if (va >= image && va + n <= reinterpret_cast<uint64_t>(_kernel_end))
    pa = va - image + g_kernel_load_pa;
  else if (va >= mm::kDirectMapBase && va + n <= mm::kDirectMapBase + mm::kDirectMapSize)
    pa = va - mm::kDirectMapBase;
  else
    translatable = false;
  if (g_info.has_dbcn && translatable) {
    while (n > 0) {
      Ret r = ecall(kEidDbcn, 0, n, pa, 0);
      if (r.error != kSuccess) break;
      if (r.value <= 0) continue;
      n -= static_cast<size_t>(r.value);
      pa += static_cast<size_t>(r.value);
    }
    if (n == 0) return;
  }
  for (size_t i = 0; i < n; i++) legacy_ecall(kEidLegacyPutchar, static_cast<unsigned char>(s[i]));
}

int console_getchar() { return static_cast<int>(legacy_ecall(kEidLegacyGetchar)); }

void set_timer(uint64_t stime_value) {
  if (g_info.has_time)
    ecall(kEidTime, 0, stime_value);
  else
    legacy_ecall(0x00, stime_value);
}

Result<void> send_ipi(unsigned long hart_mask, unsigned long hart_mask_base) {
  return to_result(ecall(kEidIpi, 0, hart_mask, hart_mask_base));
}

Result<void> remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                               unsigned long start, unsigned long size) {
  return to_result(ecall(kEidRfence, 1, hart_mask, hart_mask_base, start, size));
}

Result<void> remote_fence_i(unsigned long hart_mask, unsigned long hart_mask_base) {
  return to_result(ecall(kEidRfence, 0, hart_mask, hart_mask_base));
}

Result<void> hart_start(unsigned long hartid, unsigned long start_addr, unsigned long opaque) {
  return to_result(ecall(kEidHsm, 0, hartid, start_addr, opaque));
}

Result<HartState> hart_status(unsigned long hartid) {
  Ret r = ecall(kEidHsm, 2, hartid);
  if (r.error != kSuccess) return to_result(r).error();
  return static_cast<HartState>(r.value);
}

long system_reset(ResetType type, ResetReason reason) {
  if (!g_info.has_srst) return kErrNotSupported;
  return ecall(kEidSrst, 0, static_cast<uint32_t>(type), static_cast<uint32_t>(reason)).error;
}

}  // namespace rivet::sbi

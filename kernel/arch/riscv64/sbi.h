// The Supervisor Binary Interface: Rivet's only way to reach machine mode.
// OpenSBI provides the timer, IPIs, remote fences, hart start/stop, the early
// console and system reset.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kernel/lib/result.h"

namespace rivet::sbi {

struct Ret {
  long error;  // 0 on success, negative SBI error code otherwise
  long value;
};

// SBI error codes (SBI specification, "Standard SBI Errors").
inline constexpr long kSuccess = 0;
inline constexpr long kErrFailed = -1;
inline constexpr long kErrNotSupported = -2;
inline constexpr long kErrInvalidParam = -3;
inline constexpr long kErrDenied = -4;
inline constexpr long kErrInvalidAddress = -5;
inline constexpr long kErrAlreadyAvailable = -6;

// Probed once at boot by init(); read-only afterwards.
struct Info {
  uint32_t spec_major = 0, spec_minor = 0;
  long impl_id = -1;
  long impl_version = 0;
  bool has_time = false, has_ipi = false, has_rfence = false;
  bool has_hsm = false, has_srst = false, has_dbcn = false;
};
void init();
const Info& info();
const char* implementation_name(long impl_id);

// Console: DBCN when available, else the legacy putchar (EID 0x01).
void console_write(const char* s, size_t n);
int console_getchar();  // legacy call, -1 if nothing; only for emergencies

// Timer.
void set_timer(uint64_t stime_value);

// IPIs and remote fences. hart_mask_base == -1 means "all harts".
Result<void> send_ipi(unsigned long hart_mask, unsigned long hart_mask_base);
Result<void> remote_sfence_vma(unsigned long hart_mask, unsigned long hart_mask_base,
                               unsigned long start, unsigned long size);
Result<void> remote_fence_i(unsigned long hart_mask, unsigned long hart_mask_base);

// Hart state management.
enum class HartState : long { Started = 0, Stopped = 1, StartPending = 2, StopPending = 3,
                              Suspended = 4, SuspendPending = 5, ResumePending = 6 };
Result<void> hart_start(unsigned long hartid, unsigned long start_addr, unsigned long opaque);
Result<HartState> hart_status(unsigned long hartid);

// System reset. Returns only if the firmware refused.
enum class ResetType : uint32_t { Shutdown = 0, ColdReboot = 1, WarmReboot = 2 };
enum class ResetReason : uint32_t { None = 0, SystemFailure = 1 };
long system_reset(ResetType type, ResetReason reason);

}  // namespace rivet::sbi

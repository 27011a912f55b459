#include "kernel/boot/power.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/arch/riscv64/sbi.h"
#include "kernel/log/log.h"

namespace rivet::power {
namespace {

[[noreturn]] void park(const char* what, long error) {
  kprintf("rivet: firmware refused %s (SBI error %ld); halting this hart\n", what, error);
  arch::interrupts_off();
  for (;;) arch::wait_for_interrupt();
}

}  // namespace

void shutdown(bool failure) {
  long err = sbi::system_reset(sbi::ResetType::Shutdown,
                               failure ? sbi::ResetReason::SystemFailure : sbi::ResetReason::None);
  // Some firmware (OpenSBI on sifive_u) cannot power off but can reset.
  park("shutdown", err);
}

void reboot() {
  long err = sbi::system_reset(sbi::ResetType::ColdReboot, sbi::ResetReason::None);
  park("reboot", err);
}

}  // namespace rivet::power

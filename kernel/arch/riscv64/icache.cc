#include "kernel/arch/riscv64/icache.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/proc/cpu.h"

namespace rivet::arch {
namespace {
uint64_t g_generation = 0;  // atomic: user code writes so far
}  // namespace

void icache_new_user_code() { __atomic_fetch_add(&g_generation, 1, __ATOMIC_RELEASE); }

void icache_sync_for_user() {
  uint64_t now = __atomic_load_n(&g_generation, __ATOMIC_ACQUIRE);
  Cpu& cpu = this_cpu();
  if (cpu.icache_generation == now) return;
  fence_i();
  cpu.icache_generation = now;
}

}  // namespace rivet::arch

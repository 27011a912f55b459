#include "kernel/proc/cpu.h"

#include "kernel/log/panic.h"

namespace rivet {

Cpu g_cpus[kMaxCpus];
uint32_t g_cpu_count = 1;

Cpu* cpu_by_hartid(uint32_t hartid) {
  for (uint32_t i = 0; i < g_cpu_count; i++)
    if (g_cpus[i].hartid == hartid) return &g_cpus[i];
  return nullptr;
}

void push_off() {
  bool was_on = arch::interrupts_enabled();
  arch::interrupts_off();
  Cpu& cpu = this_cpu();
  if (cpu.off_depth == 0) cpu.interrupts_were_on = was_on;
  cpu.off_depth++;
}

void pop_off() {
  Cpu& cpu = this_cpu();
  if (arch::interrupts_enabled()) panic("pop_off: interrupts enabled");
  if (cpu.off_depth < 1) panic("pop_off: not pushed");
  cpu.off_depth--;
  if (cpu.off_depth == 0 && cpu.interrupts_were_on) arch::interrupts_on();
}

}  // namespace rivet

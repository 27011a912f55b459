// Memory system calls.
#include "kernel/mm/address_space.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/process.h"
#include "kernel/sys/syscalls.h"

namespace rivet::sys {

Result<long> sys_memstat(UserOut<struct memstat> out) {
  mm::PageStats s = mm::page_stats();
  struct memstat m = {};
  m.total_pages = s.usable_pages;
  m.free_pages = s.free_pages;
  m.resident_pages = current()->address_space->resident_pages();
  m.swap_total_pages = 0;  // no swap area yet
  m.swap_used_pages = 0;
  TRY(copy_out(out, m));
  return 0;
}

// mmap and friends arrive with the page-fault virtual-memory work; until
// then they say so (ENOSYS) rather than pretend.
Result<long> sys_mmap(uint64_t, uint64_t, int, int, int, int64_t) { return Error::NotImplemented; }
Result<long> sys_munmap(uint64_t, uint64_t) { return Error::NotImplemented; }
Result<long> sys_mprotect(uint64_t, uint64_t, int) { return Error::NotImplemented; }
Result<long> sys_msync(uint64_t, uint64_t, int) { return Error::NotImplemented; }

}  // namespace rivet::sys

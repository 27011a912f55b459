// Copies between the kernel and user memory by walking the process's page
// table in software (xv6's way): each page is translated — and faulted in,
// exactly as a user access would — then copied through the direct map. A
// bad address is just a failed translation: no SUM bit, no fault recovery.
// Translating may fault a page in (and sleep on the disk), so no spinlock
// may be held here; checked builds assert it (kernel/sync/spinlock.h).
#include "kernel/mm/user_copy.h"

#include "kernel/sync/spinlock.h"
#include "kernel/mm/address_space.h"
#include "kernel/proc/process.h"

namespace rivet {
namespace {

mm::AddressSpace& current_space() { return *current()->address_space; }

bool range_ok(uint64_t addr, size_t n) {
  return addr + n >= addr && addr + n <= mm::kUserLimit;
}

}  // namespace

namespace detail {

Result<void> copy_in_bytes(mm::AddressSpace& as, void* dst, uint64_t src, size_t n) {
  assert_no_spinlock_held("copy_in");
  if (!range_ok(src, n)) return Error::Fault;
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    mm::PhysAddr pa = TRY(as.translate(mm::VirtAddr(src), mm::Access::Read));
    size_t chunk = mm::kPageSize - (src & (mm::kPageSize - 1));
    if (chunk > n) chunk = n;
    __builtin_memcpy(out, mm::phys_to_virt(pa), chunk);
    out += chunk;
    src += chunk;
    n -= chunk;
  }
  return {};
}

Result<void> copy_out_bytes(mm::AddressSpace& as, uint64_t dst, const void* src, size_t n) {
  assert_no_spinlock_held("copy_out");
  if (!range_ok(dst, n)) return Error::Fault;
  const auto* in = static_cast<const char*>(src);
  while (n > 0) {
    mm::PhysAddr pa = TRY(as.translate(mm::VirtAddr(dst), mm::Access::Write));
    size_t chunk = mm::kPageSize - (dst & (mm::kPageSize - 1));
    if (chunk > n) chunk = n;
    __builtin_memcpy(mm::phys_to_virt(pa), in, chunk);
    in += chunk;
    dst += chunk;
    n -= chunk;
  }
  return {};
}

Result<void> copy_in_bytes(void* dst, uint64_t src, size_t n) { return copy_in_bytes(current_space(), dst, src, n); }
Result<void> copy_out_bytes(uint64_t dst, const void* src, size_t n) {
  return copy_out_bytes(current_space(), dst, src, n);
}

Result<void> check_user_range(uint64_t addr, size_t n, bool write) {
  if (n == 0) return {};
  if (!range_ok(addr, n)) return Error::Fault;
  // The areas decide; pages not there yet come in when the copy touches
  // them (one look at the area list instead of a walk per page).
  mm::Access access = write ? mm::Access::Write : mm::Access::Read;
  if (!current_space().range_allows(mm::VirtAddr(addr), mm::VirtAddr(addr + n), access)) return Error::Fault;
  return {};
}

}  // namespace detail

Result<size_t> copy_in_str(char* dst, size_t max, UserIn<char> src) {
  assert_no_spinlock_held("copy_in_str");
  if (max == 0) return Error::NameTooLong;
  mm::AddressSpace& as = current_space();
  uint64_t va = src.addr();
  size_t len = 0;
  while (len < max) {
    if (va >= mm::kUserLimit) return Error::Fault;
    mm::PhysAddr pa = TRY(as.translate(mm::VirtAddr(va), mm::Access::Read));
    size_t chunk = mm::kPageSize - (va & (mm::kPageSize - 1));
    const char* p = mm::phys_to_virt<const char>(pa);
    for (size_t i = 0; i < chunk && len < max; i++, len++) {
      dst[len] = p[i];
      if (p[i] == 0) return len;
    }
    va += chunk;
  }
  dst[max - 1] = 0;
  return Error::NameTooLong;
}

Result<void> IoSink::put(size_t at, const void* src, size_t n) const {
  if (user_) return detail::copy_out_bytes(addr_ + at, src, n);
  __builtin_memcpy(reinterpret_cast<char*>(addr_) + at, src, n);
  return {};
}

Result<void> IoSource::get(size_t at, void* dst, size_t n) const {
  if (user_) return detail::copy_in_bytes(dst, addr_ + at, n);
  __builtin_memcpy(dst, reinterpret_cast<const char*>(addr_) + at, n);
  return {};
}

}  // namespace rivet

#include "kernel/mm/pages.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/fs/page_cache.h"
#include "kernel/mm/page_allocator.h"

namespace rivet::mm {
namespace {

Spinlock g_lock("pages", LockRank::Pages);
PageAllocator g_allocator;
uint64_t g_ram_bytes = 0;

constexpr size_t kMaxExcluded = dt::kMaxReservedRanges + 4;

struct Excluded {
  dt::Range ranges[kMaxExcluded];
  size_t count = 0;
  void add(uint64_t base, uint64_t size) {
    if (size == 0) return;
    if (count == kMaxExcluded) panic("pages: too many reserved ranges");
    ranges[count++] = dt::Range{base, size};
  }
  bool overlaps(uint64_t base, uint64_t size) const {
    for (size_t i = 0; i < count; i++)
      if (base < ranges[i].end() && ranges[i].base < base + size) return true;
    return false;
  }
};

}  // namespace

Result<void> pages_init(const dt::Machine& machine, const BootRegions& boot) {
  if (machine.memory_count == 0) return Error::NotFound;
  uint64_t lo = ~0ull, hi = 0;
  for (size_t i = 0; i < machine.memory_count; i++) {
    const dt::Range& r = machine.memory[i];
    lo = r.base < lo ? r.base : lo;
    hi = r.end() > hi ? r.end() : hi;
    g_ram_bytes += r.size;
  }
  lo = page_round_down(lo);
  hi = page_round_down(hi);
  uint64_t frames = (hi - lo) >> kPageShift;

  Excluded excluded;
  for (size_t i = 0; i < machine.reserved_count; i++)
    excluded.add(page_round_down(machine.reserved[i].base),
                 page_round_up(machine.reserved[i].end()) - page_round_down(machine.reserved[i].base));
  excluded.add(page_round_down(boot.kernel_pa), page_round_up(boot.kernel_pa + boot.kernel_size) - page_round_down(boot.kernel_pa));
  excluded.add(page_round_down(boot.dtb_pa), page_round_up(boot.dtb_pa + boot.dtb_size) - page_round_down(boot.dtb_pa));
  if (machine.chosen.has_initrd && machine.chosen.initrd_end > machine.chosen.initrd_start)
    excluded.add(page_round_down(machine.chosen.initrd_start),
                 page_round_up(machine.chosen.initrd_end) - page_round_down(machine.chosen.initrd_start));

  // The metadata goes in the first stretch of RAM that nothing else claims.
  uint64_t meta_bytes = page_round_up(PageAllocator::metadata_bytes(frames));
  uint64_t meta_pa = 0;
  for (size_t i = 0; i < machine.memory_count && !meta_pa; i++) {
    const dt::Range& r = machine.memory[i];
    for (uint64_t pa = page_round_up(r.base); pa + meta_bytes <= r.end(); pa += kPageSize) {
      if (!excluded.overlaps(pa, meta_bytes)) {
        meta_pa = pa;
        break;
      }
    }
  }
  if (!meta_pa) return Error::NoMemory;
  excluded.add(meta_pa, meta_bytes);

  SpinlockGuard guard(g_lock);
  g_allocator.init(phys_to_virt<PageInfo>(PhysAddr(meta_pa)), lo >> kPageShift, frames);
  for (size_t i = 0; i < machine.memory_count; i++) {
    const dt::Range& r = machine.memory[i];
    g_allocator.release(page_round_up(r.base) >> kPageShift, page_round_down(r.end()) >> kPageShift);
  }
  for (size_t i = 0; i < excluded.count; i++)
    g_allocator.reserve(excluded.ranges[i].base >> kPageShift, page_round_up(excluded.ranges[i].end()) >> kPageShift);
  if (g_allocator.free_frames() == 0) return Error::NoMemory;
  return {};
}

namespace {
size_t (*g_reclaim)(size_t) = nullptr;

// ---- catching a reference put once too often -----------------------------------
//
// Every put that frees a frame records who did it (PageInfo::freed_by), and
// a get or put of a frame that is not allocated panics naming that caller
// as well as its own (the panic's backtrace). With poisoning on (the
// command-line word page_poison), freed frames are filled with a pattern
// that allocation checks, so a store into a frame after its last
// reference went (a stale mapping, a stale kernel pointer) is reported with
// the frame's freer too.

constexpr uint64_t kPoison = 0xdeadf4eedeadf4eeull;
constexpr uint16_t kPagePoisoned = 1u << 15;  // PageInfo::flags of a free, poisoned frame
// PageInfo::flags of an allocated frame: its PageOwner in the low bits.
constexpr uint16_t kOwnerMask = 0xf;
static_assert(kPageOwners <= kOwnerMask + 1);
uint64_t g_owned[kPageOwners];  // g_lock
bool g_poison = false;

// The kernel's text lies in the top 2 GiB: the high half of a return address.
uint64_t text_address(uint32_t low) { return low ? (kKernelBase & ~0xffffffffull) | low : 0; }

// The return addresses of the function whose frame pointer is fp and of
// its caller (0 where the chain ends), as print_backtrace walks them.
void callers_of(uint64_t fp, uint32_t out[2]) {
  out[0] = out[1] = 0;
  for (int i = 0; i < 2; i++) {
    if (fp < kDirectMapBase || (fp & 7) != 0) return;
    uint64_t ra = reinterpret_cast<uint64_t*>(fp)[-1];
    uint64_t prev = reinterpret_cast<uint64_t*>(fp)[-2];
    if (ra < kKernelBase) return;
    out[i] = static_cast<uint32_t>(ra);
    if (prev <= fp) return;
    fp = prev;
  }
}

const char* state_name(uint16_t state) {
  switch (state) {
    case kPageFree: return "free";
    case kPageReserved: return "reserved";
    case kPageAllocated: return "allocated";
  }
  return "corrupt";
}

// g_lock held: pfn is not an allocated frame with a reference (a get or
// put just refused it). Panics naming who freed it last.
[[noreturn]] void bad_reference_locked(const char* what, uint64_t pfn) {
  if (!g_allocator.contains(pfn))
    panic("%s: frame %#lx (pa %#lx) is not RAM the allocator manages", what, pfn, pfn << kPageShift);
  PageInfo& p = g_allocator.info(pfn);
  panic("%s: frame %#lx (pa %#lx) is %s (refcount %u); it was last freed by %p called from %p", what, pfn,
        pfn << kPageShift, state_name(p.state), p.refcount, reinterpret_cast<void*>(text_address(p.freed_by[0])),
        reinterpret_cast<void*>(text_address(p.freed_by[1])));
}

// g_lock held: drops a reference after checking it, recording `callers`
// and poisoning the frame if this freed it.
void put_locked(uint64_t pfn, const uint32_t callers[2], const char* what) {
  bool freed;
  uint16_t flags;
  if (!g_allocator.try_put(pfn, &freed, &flags)) bad_reference_locked(what, pfn);
  if (!freed) return;
  g_owned[flags & kOwnerMask]--;
  PageInfo& p = g_allocator.info(pfn);
  p.freed_by[0] = callers[0];
  p.freed_by[1] = callers[1];
  if (g_poison) {
    auto* words = phys_to_virt<uint64_t>(PhysAddr::from_pfn(pfn));
    for (uint64_t i = 0; i < kPageSize / 8; i++) words[i] = kPoison;
    p.flags |= kPagePoisoned;
  }
}

// g_lock held: a frame just allocated for `owner`, counted. With poisoning
// on, checks that nobody wrote it while it was free.
void check_allocated_locked(uint64_t pfn, PageOwner owner) {
  PageInfo& p = g_allocator.allocated_info(pfn);
  p.flags = static_cast<uint16_t>((p.flags & ~kOwnerMask) | static_cast<uint16_t>(owner));
  g_owned[static_cast<int>(owner)]++;
  if (!(p.flags & kPagePoisoned)) return;
  p.flags &= static_cast<uint16_t>(~kPagePoisoned);
  const auto* words = phys_to_virt<const uint64_t>(PhysAddr::from_pfn(pfn));
  for (uint64_t i = 0; i < kPageSize / 8; i++) {
    if (words[i] == kPoison) continue;
    panic("page allocator: frame %#lx (pa %#lx) was written while free: offset %#lx holds %#lx; it was freed by "
          "%p called from %p", pfn, pfn << kPageShift, i * 8, words[i],
          reinterpret_cast<void*>(text_address(p.freed_by[0])), reinterpret_cast<void*>(text_address(p.freed_by[1])));
  }
}

}  // namespace

void set_page_reclaimer(size_t (*reclaim)(size_t want)) { g_reclaim = reclaim; }

void set_page_poisoning(bool on) {
  SpinlockGuard guard(g_lock);
  g_poison = on;
}

Result<PhysAddr> alloc_page(PageOwner owner) {
  for (int attempt = 0;; attempt++) {
    {
      SpinlockGuard guard(g_lock);
      if (auto pfn = g_allocator.allocate()) {
        check_allocated_locked(pfn.value(), owner);
        return PhysAddr::from_pfn(pfn.value());
      }
    }
    // Out of pages: clean cached file pages go (without the lock: the
    // reclaimer puts pages back).
    if (attempt > 0 || !g_reclaim || g_reclaim(32) == 0) return Error::NoMemory;
  }
}

Result<PhysAddr> alloc_zeroed_page(PageOwner owner) {
  PhysAddr pa = TRY(alloc_page(owner));
  __builtin_memset(phys_to_virt(pa), 0, kPageSize);
  return pa;
}

Result<PhysAddr> alloc_contiguous_pages(uint64_t count, PageOwner owner) {
  SpinlockGuard guard(g_lock);
  uint64_t pfn = TRY(g_allocator.allocate_contiguous(count));
  for (uint64_t i = 0; i < count; i++) check_allocated_locked(pfn + i, owner);
  return PhysAddr::from_pfn(pfn);
}

void page_get(PhysAddr pa) {
  SpinlockGuard guard(g_lock);
  if (!g_allocator.try_get(pa.pfn())) bad_reference_locked("page_get", pa.pfn());
}

void page_put(PhysAddr pa) {
  uint32_t callers[2];
  callers_of(arch::read_fp(), callers);
  SpinlockGuard guard(g_lock);
  put_locked(pa.pfn(), callers, "page_put");
}

void page_get_many(const uint64_t* pfns, uint64_t count) {
  SpinlockGuard guard(g_lock);
  for (uint64_t i = 0; i < count; i++) {
    if (!g_allocator.try_get(pfns[i])) bad_reference_locked("page_get_many", pfns[i]);
  }
}

void page_put_many(const uint64_t* pfns, uint64_t count) {
  uint32_t callers[2];
  callers_of(arch::read_fp(), callers);
  SpinlockGuard guard(g_lock);
  for (uint64_t i = 0; i < count; i++) put_locked(pfns[i], callers, "page_put_many");
}

uint32_t page_refcount(PhysAddr pa) {
  SpinlockGuard guard(g_lock);
  return g_allocator.refcount(pa.pfn());
}

uint64_t free_page_count() {
  SpinlockGuard guard(g_lock);
  return g_allocator.free_frames();
}

PageStats page_stats() {
  SpinlockGuard guard(g_lock);
  PageStats s{g_allocator.free_frames(), g_allocator.usable_frames(), g_ram_bytes, {}};
  for (int i = 0; i < kPageOwners; i++) s.owned[i] = g_owned[i];
  return s;
}

}  // namespace rivet::mm

// The page cache's frames (kernel/fs/page_cache.h) are pages of the
// direct map.
namespace rivet::fs::frames {
namespace {
mm::PhysAddr phys(const uint8_t* page) { return mm::PhysAddr(reinterpret_cast<uint64_t>(page) - mm::kDirectMapBase); }
}  // namespace

uint8_t* alloc() {
  auto page = mm::alloc_page(mm::PageOwner::PageCache);
  return page ? mm::phys_to_virt<uint8_t>(page.value()) : nullptr;
}
void get(uint8_t* page) { mm::page_get(phys(page)); }
void put(uint8_t* page) { mm::page_put(phys(page)); }
uint32_t refs(uint8_t* page) { return mm::page_refcount(phys(page)); }
uint64_t total() { return mm::page_stats().usable_pages; }

}  // namespace rivet::fs::frames

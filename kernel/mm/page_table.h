// Sv39 page tables: three levels of 512 eight-byte entries, 4 KiB pages,
// 2 MiB megapages and 1 GiB gigapages.
#pragma once

#include <stdint.h>

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"

namespace rivet::mm {

// PTE flag bits, declared once. The two RSW bits are the kernel's own.
enum class Pte : uint64_t {
  Valid = 1u << 0,
  Read = 1u << 1,
  Write = 1u << 2,
  Exec = 1u << 3,
  User = 1u << 4,
  Global = 1u << 5,
  Accessed = 1u << 6,
  Dirty = 1u << 7,
  Rsw0 = 1u << 8,  // copy-on-write
  Rsw1 = 1u << 9,
};
// entry.S builds its early page table from the same bits.
static_assert(static_cast<uint64_t>(Pte::Valid) == RIVET_PTE_V && static_cast<uint64_t>(Pte::Read) == RIVET_PTE_R &&
              static_cast<uint64_t>(Pte::Write) == RIVET_PTE_W && static_cast<uint64_t>(Pte::Exec) == RIVET_PTE_X &&
              static_cast<uint64_t>(Pte::User) == RIVET_PTE_U && static_cast<uint64_t>(Pte::Global) == RIVET_PTE_G &&
              static_cast<uint64_t>(Pte::Accessed) == RIVET_PTE_A && static_cast<uint64_t>(Pte::Dirty) == RIVET_PTE_D);

class PteFlags {
 public:
  constexpr PteFlags() = default;
  constexpr PteFlags(Pte f) : bits_(static_cast<uint64_t>(f)) {}
  constexpr explicit PteFlags(uint64_t bits) : bits_(bits & 0x3ff) {}
  constexpr PteFlags operator|(PteFlags o) const { return PteFlags(bits_ | o.bits_); }
  constexpr PteFlags without(PteFlags o) const { return PteFlags(bits_ & ~o.bits_); }
  constexpr bool has(PteFlags o) const { return (bits_ & o.bits_) == o.bits_; }
  constexpr uint64_t bits() const { return bits_; }

 private:
  uint64_t bits_ = 0;
};
constexpr PteFlags operator|(Pte a, Pte b) { return PteFlags(a) | PteFlags(b); }

// One page-table entry. Every bit of it is read and written here, through
// these accessors: no code outside this header assembles or takes apart the
// 64-bit value (the PPN's position, the flag bits, the kernel's own
// encoding of a page out on swap).
class PageTableEntry {
 public:
  constexpr PageTableEntry() = default;
  // A valid entry for pa (a leaf if flags hold R, W or X; a pointer to the
  // next table if they hold only V).
  static constexpr PageTableEntry make(PhysAddr pa, PteFlags flags) {
    return PageTableEntry(((pa.value >> kPageShift) << kPpnShift) | flags.bits());
  }
  // A page out on swap: not valid, RSW1 set, the slot where the frame
  // number would be.
  static constexpr PageTableEntry swapped(uint64_t slot) {
    return PageTableEntry((slot << kPpnShift) | static_cast<uint64_t>(Pte::Rsw1));
  }

  constexpr bool valid() const { return raw_ & static_cast<uint64_t>(Pte::Valid); }
  constexpr bool leaf() const {
    return raw_ & (static_cast<uint64_t>(Pte::Read) | static_cast<uint64_t>(Pte::Write) | static_cast<uint64_t>(Pte::Exec));
  }
  // All zero: nothing mapped and no mark kept (a table of only such
  // entries can be freed).
  constexpr bool empty() const { return raw_ == 0; }
  constexpr PhysAddr phys() const { return PhysAddr((raw_ >> kPpnShift) << kPageShift); }
  constexpr PteFlags flags() const { return PteFlags(raw_); }
  constexpr bool is_swapped() const { return !valid() && (raw_ & static_cast<uint64_t>(Pte::Rsw1)); }
  constexpr uint64_t swap_slot() const { return raw_ >> kPpnShift; }

  void clear() { raw_ = 0; }
  void set(PhysAddr pa, PteFlags flags) { *this = make(pa, flags); }
  // The same page with other flags.
  void set_flags(PteFlags flags) { raw_ = (raw_ & ~kFlagMask) | flags.bits(); }

 private:
  static constexpr unsigned kPpnShift = 10;
  static constexpr uint64_t kFlagMask = (1ull << kPpnShift) - 1;
  constexpr explicit PageTableEntry(uint64_t raw) : raw_(raw) {}
  uint64_t raw_ = 0;
};
static_assert(sizeof(PageTableEntry) == 8);

enum class PageSize : uint64_t { Small = kPageSize, Mega = kMegaPageSize, Giga = kGigaPageSize };

class PageTable {
 public:
  PageTable() = default;
  explicit PageTable(PhysAddr root) : root_(root) {}

  static Result<PageTable> create();
  PhysAddr root() const { return root_; }
  uint64_t satp() const;

  // Maps [va, va+size) to [pa, pa+size) with pages of `page`; both must be
  // aligned to it. The hardware-managed A and D bits are set up front
  // (A always, D on writable pages): cores such as the U74 fault rather
  // than set them. Fails with Error::Exists if anything there is mapped,
  // Error::NoMemory if a table page cannot be had.
  Result<void> map(VirtAddr va, PhysAddr pa, uint64_t size, PteFlags flags,
                   PageSize page = PageSize::Small);

  // The leaf entry for va (of any page size), or nullptr.
  PageTableEntry* lookup(VirtAddr va) const;
  // The level-0 entry slot for va, creating intermediate tables if asked.
  Result<PageTableEntry*> walk(VirtAddr va, bool create);

  // Frees the table pages below the root that serve only [start, end) and
  // hold no entry any more, and clears the entries that pointed at them.
  // The caller has unmapped the range and flushes the TLB afterwards.
  void free_empty_tables(uint64_t start, uint64_t end);
  // How many pages the tables of this tree take, the root included.
  uint64_t table_pages() const;

  // Calls fn(va, entry) for every valid 4 KiB leaf in [start, end), skipping
  // empty subtrees, so sparse ranges of any size cost only what is mapped.
  template <typename F>
  void for_each_leaf(uint64_t start, uint64_t end, F&& fn) {
    visit_all<false>(start, end, fn);
  }
  // The same, stopping as soon as fn returns true; true if it did.
  template <typename F>
  bool find_leaf(uint64_t start, uint64_t end, F&& fn) {
    return visit<false>(root_, 2, 0, start, end, fn);
  }
  // for_each_leaf for every non-zero 4 KiB entry: valid leaves and the
  // invalid entries the kernel keeps its own marks in (pages out on swap).
  template <typename F>
  void for_each_entry(uint64_t start, uint64_t end, F&& fn) {
    visit_all<true>(start, end, fn);
  }
  // Calls fn(base, entries) for every level-0 table that maps part of
  // [start, end), in address order: base is the address its entry 0 maps,
  // entries its 512 entries (the caller limits itself to the range). For
  // work over whole tables at a time (fork) without a call per entry.
  template <typename F>
  void for_each_leaf_table(uint64_t start, uint64_t end, F&& fn) {
    constexpr uint64_t kSpan1 = 1ull << (kPageShift + 9);
    constexpr uint64_t kSpan2 = 1ull << (kPageShift + 18);
    auto* top = phys_to_virt<PageTableEntry>(root_);
    for (uint64_t i = (start / kSpan2) & 0x1ff; i < 512; i++) {
      uint64_t va2 = i * kSpan2;
      if (va2 >= end) break;
      PageTableEntry e2 = top[i];
      if (!e2.valid() || e2.leaf()) continue;
      auto* mid = phys_to_virt<PageTableEntry>(e2.phys());
      for (uint64_t j = 0; j < 512; j++) {
        uint64_t va1 = va2 + j * kSpan1;
        if (va1 + kSpan1 <= start) continue;
        if (va1 >= end) break;
        PageTableEntry e1 = mid[j];
        if (!e1.valid() || e1.leaf()) continue;
        fn(va1, phys_to_virt<PageTableEntry>(e1.phys()));
      }
    }
  }

 private:
  template <bool kInvalidToo, typename F>
  void visit_all(uint64_t start, uint64_t end, F& fn) {
    auto never_stop = [&](uint64_t va, PageTableEntry& e) {
      fn(va, e);
      return false;
    };
    visit<kInvalidToo>(root_, 2, 0, start, end, never_stop);
  }

  // Calls fn on the entries of [start, end) under `table` until it returns
  // true; returns whether it did.
  template <bool kInvalidToo, typename F>
  static bool visit(PhysAddr table, int level, uint64_t base, uint64_t start, uint64_t end, F& fn) {
    auto* entries = phys_to_virt<PageTableEntry>(table);
    uint64_t span = 1ull << (kPageShift + 9 * level);
    for (unsigned i = 0; i < 512; i++) {
      uint64_t va = base + i * span;
      if (va + span <= start) continue;
      if (va >= end) break;
      PageTableEntry& e = entries[i];
      if (!e.valid()) {
        if (kInvalidToo && level == 0 && !e.empty() && fn(va, e)) return true;
        continue;
      }
      if (e.leaf()) {
        if (level == 0 && fn(va, e)) return true;
      } else if (level > 0) {
        if (visit<kInvalidToo>(e.phys(), level - 1, va, start, end, fn)) return true;
      }
    }
    return false;
  }

 private:
  PhysAddr root_;
};

}  // namespace rivet::mm

#include "kernel/mm/page_table.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/mm/pages.h"

namespace rivet::mm {
namespace {

constexpr unsigned vpn(uint64_t va, int level) { return (va >> (kPageShift + 9 * level)) & 0x1ff; }
PageTableEntry* table_at(PhysAddr pa) { return phys_to_virt<PageTableEntry>(pa); }

// Frees the empty tables under `table` (at `level`, mapping from base) that
// intersect [start, end); returns whether `table` itself is now empty. A
// table is empty when every entry is zero: a swapped-out page keeps a
// non-zero invalid entry, so its table stays.
bool free_empty_under(PhysAddr table, int level, uint64_t base, uint64_t start, uint64_t end) {
  PageTableEntry* entries = table_at(table);
  uint64_t span = 1ull << (kPageShift + 9 * level);
  for (unsigned i = 0; i < 512; i++) {
    uint64_t va = base + i * span;
    if (va + span <= start) continue;
    if (va >= end) break;
    PageTableEntry& e = entries[i];
    if (level == 0 || !e.valid() || e.leaf()) continue;
    if (free_empty_under(e.phys(), level - 1, va, start, end)) {
      PhysAddr child = e.phys();
      e.clear();
      page_put(child);
    }
  }
  for (unsigned i = 0; i < 512; i++)
    if (!entries[i].empty()) return false;
  return true;
}

}  // namespace

namespace {
uint64_t tables_under(PhysAddr table, int level) {
  uint64_t n = 1;
  if (level == 0) return n;
  const PageTableEntry* entries = table_at(table);
  for (unsigned i = 0; i < 512; i++)
    if (entries[i].valid() && !entries[i].leaf()) n += tables_under(entries[i].phys(), level - 1);
  return n;
}
}  // namespace

uint64_t PageTable::table_pages() const { return tables_under(root_, 2); }

void PageTable::free_empty_tables(uint64_t start, uint64_t end) {
  if (start < end) (void)free_empty_under(root_, 2, 0, start, end);
}

Result<PageTable> PageTable::create() {
  PhysAddr root = TRY(alloc_zeroed_page(PageOwner::PageTable));
  return PageTable(root);
}

uint64_t PageTable::satp() const { return arch::kSatpSv39 | root_.pfn(); }

Result<PageTableEntry*> PageTable::walk(VirtAddr va, bool create) {
  PageTableEntry* table = table_at(root_);
  for (int level = 2; level > 0; level--) {
    PageTableEntry& e = table[vpn(va.value, level)];
    if (e.valid()) {
      if (e.leaf()) return Error::Exists;  // covered by a larger page
      table = table_at(e.phys());
      continue;
    }
    if (!create) return Error::NotFound;
    PhysAddr next = TRY(alloc_zeroed_page(PageOwner::PageTable));
    e = PageTableEntry::make(next, Pte::Valid);
    table = table_at(next);
  }
  return &table[vpn(va.value, 0)];
}

PageTableEntry* PageTable::lookup(VirtAddr va) const {
  PageTableEntry* table = table_at(root_);
  for (int level = 2; level >= 0; level--) {
    PageTableEntry& e = table[vpn(va.value, level)];
    if (!e.valid()) return nullptr;
    if (e.leaf()) return &e;
    if (level == 0) return nullptr;
    table = table_at(e.phys());
  }
  return nullptr;
}

Result<void> PageTable::map(VirtAddr va, PhysAddr pa, uint64_t size, PteFlags flags, PageSize page) {
  uint64_t step = static_cast<uint64_t>(page);
  if ((va.value | pa.value | size) & (step - 1)) return Error::Invalid;
  PteFlags leaf = flags | Pte::Valid | Pte::Accessed;
  if (flags.has(Pte::Write)) leaf = leaf | Pte::Dirty;
  int target_level = page == PageSize::Giga ? 2 : page == PageSize::Mega ? 1 : 0;
  for (uint64_t off = 0; off < size; off += step) {
    uint64_t v = va.value + off;
    PageTableEntry* table = table_at(root_);
    for (int level = 2; level > target_level; level--) {
      PageTableEntry& e = table[vpn(v, level)];
      if (!e.valid()) {
        PhysAddr next = TRY(alloc_zeroed_page(PageOwner::PageTable));
        e = PageTableEntry::make(next, Pte::Valid);
      } else if (e.leaf()) {
        return Error::Exists;
      }
      table = table_at(e.phys());
    }
    PageTableEntry& slot = table[vpn(v, target_level)];
    if (slot.valid()) return Error::Exists;
    slot = PageTableEntry::make(pa + off, leaf);
  }
  return {};
}

}  // namespace rivet::mm

#include "kernel/mm/page_table.h"

#include "kernel/arch/riscv64/csr.h"
#include "kernel/mm/pages.h"

namespace rivet::mm {
namespace {

constexpr unsigned vpn(uint64_t va, int level) { return (va >> (kPageShift + 9 * level)) & 0x1ff; }
PageTableEntry* table_at(PhysAddr pa) { return phys_to_virt<PageTableEntry>(pa); }

}  // namespace

Result<PageTable> PageTable::create() {
  PhysAddr root = TRY(alloc_zeroed_page());
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
    PhysAddr next = TRY(alloc_zeroed_page());
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
        PhysAddr next = TRY(alloc_zeroed_page());
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

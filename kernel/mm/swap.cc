#include "kernel/mm/swap.h"

#include "kernel/log/log.h"
#include "kernel/log/panic.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/kmalloc.h"

namespace rivet::mm {
namespace {

constexpr uint32_t kSectorsPerPage = kPageSize / block::kSectorSize;

Spinlock g_lock("swap", LockRank::Swap);
block::BlockDevice* g_device = nullptr;
uint16_t* g_refs = nullptr;  // per slot: how many PTEs name it (0 = free)
uint64_t g_slots = 0;
uint64_t g_used = 0;
uint64_t g_hint = 0;  // where the next search starts

}  // namespace

Result<void> swap_init(block::BlockDevice* partition) {
  uint64_t slots = partition->sector_count() / kSectorsPerPage;
  if (slots == 0) return Error::Invalid;
  auto* refs = static_cast<uint16_t*>(kzalloc(slots * sizeof(uint16_t)));
  if (!refs) return Error::NoMemory;
  SpinlockGuard guard(g_lock);
  g_device = partition;
  g_refs = refs;
  g_slots = slots;
  return {};
}

bool swap_enabled() { return g_device != nullptr; }

Result<uint64_t> swap_write(PhysAddr page) {
  uint64_t slot = 0;
  {
    SpinlockGuard guard(g_lock);
    if (!g_device || g_used == g_slots) return Error::NoSpace;
    for (uint64_t i = 0; i < g_slots; i++) {
      uint64_t s = (g_hint + i) % g_slots;
      if (g_refs[s] == 0) {
        slot = s;
        break;
      }
    }
    g_refs[slot] = 1;
    g_used++;
    g_hint = slot + 1;
  }
  if (auto r = g_device->write(slot * kSectorsPerPage, phys_to_virt(page), kSectorsPerPage); !r) {
    swap_free(slot);
    return r.error();
  }
  return slot;
}

Result<void> swap_read(uint64_t slot, PhysAddr page) {
  if (!g_device || slot >= g_slots) return Error::Invalid;
  return g_device->read(slot * kSectorsPerPage, phys_to_virt(page), kSectorsPerPage);
}

void swap_free(uint64_t slot) {
  SpinlockGuard guard(g_lock);
  if (slot >= g_slots || g_refs[slot] == 0) panic("swap: slot %lu freed twice", slot);
  if (--g_refs[slot] == 0) g_used--;
}

Result<void> swap_dup(uint64_t slot) {
  SpinlockGuard guard(g_lock);
  if (slot >= g_slots || g_refs[slot] == 0) panic("swap: dup of free slot %lu", slot);
  if (g_refs[slot] == 0xffff) return Error::NoMemory;
  g_refs[slot]++;
  return {};
}

uint64_t swap_total_slots() { return g_slots; }
uint64_t swap_used_slots() {
  SpinlockGuard guard(g_lock);
  return g_used;
}

}  // namespace rivet::mm

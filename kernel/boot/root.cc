#include "kernel/boot/root.h"

#include "kernel/block/gpt.h"
#include "kernel/block/partition.h"
#include "kernel/block/ram_disk.h"
#include "kernel/block/root.h"
#include "kernel/fs/format.h"
#include "kernel/lib/format.h"
#include "kernel/log/log.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pages.h"

namespace rivet::boot {
namespace {

constexpr size_t kMaxCandidates = 64;

// Where a candidate lives: a whole disk, or a window onto one.
struct Place {
  block::BlockDevice* disk;
  bool whole;
  uint64_t first;
  uint64_t sectors;
};

struct Candidates {
  block::RootCandidate list[kMaxCandidates];
  Place places[kMaxCandidates];
  char names[kMaxCandidates][block::kMaxRootNameLength + 1];
  size_t count = 0;
};

block::RamDisk* g_ram_disk = nullptr;
block::BlockDevice* g_swap = nullptr;

// A bare Rivet file system: its superblock's magic where it belongs.
bool holds_rivet_fs(block::BlockDevice* disk) {
  auto* sector = static_cast<uint8_t*>(kmalloc(block::kSectorSize));
  if (!sector) return false;
  bool yes = disk->sector_count() > (fs::kSuperBlockNumber + 1) * fs::kSectorsPerBlock &&
             disk->read(uint64_t{fs::kSuperBlockNumber} * fs::kSectorsPerBlock, sector, 1).ok() &&
             reinterpret_cast<const fs::SuperBlock*>(sector)->magic == fs::kMagic;
  kfree(sector);
  return yes;
}

void add(Candidates& c, const block::RootCandidate& candidate, const Place& place, const char* name) {
  if (c.count == kMaxCandidates) return;
  snformat(c.names[c.count], sizeof c.names[c.count], "%s", name);
  c.list[c.count] = candidate;
  c.list[c.count].name = c.names[c.count];
  c.places[c.count] = place;
  c.count++;
}

// Every disk, then each disk's partitions, in registration order.
Result<void> collect(Candidates& c) {
  auto* table = static_cast<block::Table*>(kmalloc(sizeof(block::Table)));
  if (!table) return Error::NoMemory;
  for (size_t i = 0; i < block::disk_count(); i++) {
    block::BlockDevice* disk = block::disk(i);
    bool ram = disk == g_ram_disk;
    block::RootCandidate whole;
    whole.ram_disk = ram;
    whole.rivet_fs = ram && holds_rivet_fs(disk);
    add(c, whole, Place{disk, true, 0, disk->sector_count()}, disk->name());
    if (whole.rivet_fs) continue;  // a bare file system has no partition table
    auto r = block::read_partition_table(disk, table);
    if (!r) {
      kprintf("rivet: disk %s: no usable GPT (%s)\n", disk->name(), error_name(r.error()));
      continue;
    }
    if (table->used_backup) kprintf("rivet: disk %s: primary GPT damaged, using the backup\n", disk->name());
    for (size_t p = 0; p < table->count; p++) {
      const block::Partition& part = table->partitions[p];
      block::RootCandidate candidate;
      candidate.partition = true;
      candidate.ram_disk = ram;
      candidate.type = part.type;
      candidate.unique = part.unique;
      char name[block::kMaxRootNameLength + 1];
      if (!block::partition_name(disk->name(), part.number(), name, sizeof name)) continue;
      add(c, candidate, Place{disk, false, part.first_lba, part.sectors()}, name);
    }
  }
  kfree(table);
  return {};
}

Result<block::BlockDevice*> open_place(const Place& place, const char* name) {
  if (place.whole) return place.disk;
  return TRY(knew<block::PartitionDevice>(place.disk, place.first, place.sectors, name));
}

}  // namespace

void offer_initrd(const dt::Machine& machine) {
  const dt::Chosen& chosen = machine.chosen;
  if (chosen.initrd_outside_memory)
    kprintf("rivet: initrd at %#lx..%#lx is outside RAM; ignored\n", chosen.initrd_start, chosen.initrd_end);
  if (!chosen.has_initrd) return;
  uint64_t bytes = chosen.initrd_end - chosen.initrd_start;
  auto made = knew<block::RamDisk>(mm::phys_to_virt<void>(mm::PhysAddr(chosen.initrd_start)), bytes);
  if (!made) return;
  if (auto r = made.value()->init(); !r) {
    kprintf("rivet: initrd at %#lx (%lu bytes) is not usable as a disk: %s\n", chosen.initrd_start, bytes,
            error_name(r.error()));
    kdelete(made.value());
    return;
  }
  g_ram_disk = made.value();
  block::register_disk(g_ram_disk);
  kprintf("rivet: disk %s: initrd at %#lx, %lu KiB\n", g_ram_disk->name(), chosen.initrd_start, bytes >> 10);
}

Result<block::BlockDevice*> choose_root(const dt::Machine& machine) {
  auto* c = static_cast<Candidates*>(kmalloc(sizeof(Candidates)));
  if (!c) return Error::NoMemory;
  new (c) Candidates();
  Result<block::BlockDevice*> root = Error::NotFound;
  if (auto r = collect(*c); !r) {
    root = r.error();
  } else {
    block::RootChoice choice;
    auto chosen = block::choose_root(machine.chosen.bootargs, c->list, c->count, choice);
    kprintf("rivet: %s\n", choice.reason);
    if (chosen) {
      const Place& place = c->places[choice.index];
      root = open_place(place, c->names[choice.index]);
      if (root && !place.whole)
        kprintf("rivet: root file system is %s (%lu MiB at sector %lu)\n", c->names[choice.index],
                place.sectors >> 11, place.first);
    }
    // Swap: the first Linux-swap partition on a real disk, never the root.
    if (auto i = block::choose_swap(c->list, c->count, chosen ? choice.index : c->count); i) {
      if (auto s = open_place(c->places[i.value()], c->names[i.value()]); s) {
        g_swap = s.value();
        kprintf("rivet: swap area is %s (%lu MiB at sector %lu)\n", c->names[i.value()], c->places[i.value()].sectors >> 11,
                c->places[i.value()].first);
      }
    }
  }
  kfree(c);
  return root;
}

block::BlockDevice* swap_partition() { return g_swap; }

}  // namespace rivet::boot

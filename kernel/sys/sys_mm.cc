// Memory system calls (mmap, munmap, mprotect, msync, memstat) and diskstat,
// the disks' I/O counters. Every argument is checked before anything
// changes (validate, then commit).
#include "kernel/block/block_device.h"
#include "kernel/fs/file.h"
#include "kernel/lib/format.h"
#include "kernel/fs/fs.h"
#include "kernel/fs/inode.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pages.h"
#include "kernel/mm/swap.h"
#include "kernel/proc/process.h"
#include "kernel/sys/descriptors.h"
#include "kernel/sys/syscalls.h"

#include "kernel/fs/page_cache.h"

namespace rivet::sys {
namespace {

constexpr uint32_t kProtMask = PROT_READ | PROT_WRITE | PROT_EXEC;
constexpr int kFlagMask = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS;

bool aligned(uint64_t a) { return (a & (mm::kPageSize - 1)) == 0; }

// The end of [addr, addr+length) rounded to pages; Error::Invalid if it
// wraps or leaves user space.
Result<mm::VirtAddr> page_end(mm::VirtAddr addr, uint64_t length) {
  if (length == 0) return Error::Invalid;
  mm::VirtAddr end(mm::page_round_up(addr.value + length));
  if (addr.value + length < addr.value || end < addr || end.value > mm::kUserLimit) return Error::Invalid;
  return end;
}

}  // namespace

Result<long> sys_mmap(uint64_t addr, uint64_t length, int prot, int flags, int fd, int64_t offset) {
  // Decide everything first.
  if (length == 0 || (prot & ~kProtMask) || (flags & ~kFlagMask)) return Error::Invalid;
  bool shared = flags & MAP_SHARED, priv = flags & MAP_PRIVATE;
  if (shared == priv) return Error::Invalid;
  if (offset < 0 || !aligned(static_cast<uint64_t>(offset))) return Error::Invalid;
  uint64_t size = mm::page_round_up(length);
  if (size < length || size > mm::kUserLimit) return Error::NoMemory;
  bool anonymous = flags & MAP_ANONYMOUS;
  if (anonymous && offset != 0) return Error::Invalid;

  fs::File* file = nullptr;
  if (!anonymous) {
    file = TRY(file_of(fd));
    if (file->kind != fs::File::Kind::Inode || !file->ip || file->ip->type != T_FILE) return Error::NoDevice;
    if (!file->readable) return Error::AccessDenied;
    if (shared && (prot & PROT_WRITE) && !file->writable) return Error::AccessDenied;
    if (static_cast<uint64_t>(offset) + size < static_cast<uint64_t>(offset)) return Error::Overflow;
  }

  mm::AddressSpace& as = *current()->address_space;
  mm::VirtAddr start;
  if (flags & MAP_FIXED) {
    if (!aligned(addr)) return Error::Invalid;
    start = mm::VirtAddr(addr);
    mm::VirtAddr end = TRY(page_end(start, size));
    if (addr < mm::kPageSize) return Error::Invalid;
    // MAP_FIXED replaces earlier mappings, never the program, heap or stack.
    if (!as.range_is_mmap_only(start, end)) return Error::Invalid;
    if (as.heap && addr < as.heap->end + mm::kPageSize && end.value > as.heap->start) return Error::Invalid;
  } else {
    start = as.find_gap(size, mm::VirtAddr(aligned(addr) ? addr : 0));
    if (start == mm::VirtAddr()) return Error::NoMemory;
  }
  mm::VirtAddr end = start + size;

  // Commit: the new area's record first, so that running out of kernel
  // memory fails the call before an old mapping is gone.
  mm::Vma* record = TRY(knew<mm::Vma>());
  if (flags & MAP_FIXED) {
    if (auto r = as.unmap_range(start, end); !r) {
      kdelete(record);
      return r.error();
    }
  }
  uint32_t vflags = mm::kVmaMmap;
  if (shared) vflags |= mm::kVmaShared;
  if (anonymous) vflags |= mm::kVmaAnonymous;
  mm::Vma* vma = TRY(as.add_vma(start, end, static_cast<uint32_t>(prot), vflags, record));
  if (file) {
    // The mapping holds its own reference: closing fd does not end it.
    vma->file_writable = file->writable;
    mm::AddressSpace::attach_file(vma, file->ip);
    vma->file_offset = static_cast<uint64_t>(offset);
    vma->file_end = end.value;  // end of file is checked at fault time
  } else if (shared) {
    // MAP_SHARED|MAP_ANONYMOUS: memory shared with children across fork.
    // With no file to tie the pages together, fork shares what is mapped,
    // so these pages are allocated now rather than on first touch.
    if (auto r = as.populate(start, end); !r) {
      (void)as.unmap_range(start, end);
      return r.error();
    }
  }
  return static_cast<long>(start.value);
}

Result<long> sys_munmap(uint64_t addr, uint64_t length) {
  if (!aligned(addr)) return Error::Invalid;
  mm::VirtAddr start(addr);
  mm::VirtAddr end = TRY(page_end(start, length));
  TRY(current()->address_space->unmap_range(start, end));
  return 0;
}

Result<long> sys_mprotect(uint64_t addr, uint64_t length, int prot) {
  if (!aligned(addr) || (prot & ~kProtMask)) return Error::Invalid;
  mm::VirtAddr start(addr);
  mm::VirtAddr end = TRY(page_end(start, length));
  TRY(current()->address_space->protect_range(start, end, static_cast<uint32_t>(prot)));
  return 0;
}

Result<long> sys_msync(uint64_t addr, uint64_t length, int flags) {
  if (!aligned(addr) || (flags & ~(MS_ASYNC | MS_SYNC | MS_INVALIDATE))) return Error::Invalid;
  if ((flags & MS_ASYNC) && (flags & MS_SYNC)) return Error::Invalid;
  mm::VirtAddr start(addr);
  mm::VirtAddr end = TRY(page_end(start, length));
  // MS_ASYNC writes back now as well: there is no background writer.
  TRY(current()->address_space->sync_range(start, end));
  return 0;
}

Result<long> sys_memstat(UserOut<struct memstat> out) {
  mm::PageStats s = mm::page_stats();
  struct memstat m = {};
  m.total_pages = s.usable_pages;
  m.free_pages = s.free_pages;
  m.resident_pages = current()->address_space->resident_pages();
  m.swap_total_pages = mm::swap_total_slots();
  m.swap_used_pages = mm::swap_used_slots();
  fs::CacheStats cache = fs::cache_stats();
  m.cached_pages = cache.pages;
  m.dirty_pages = cache.dirty;
  auto owned = [&](mm::PageOwner o) { return s.owned[static_cast<int>(o)]; };
  m.user_pages = owned(mm::PageOwner::User);
  m.cache_pages = owned(mm::PageOwner::PageCache);
  m.table_pages = owned(mm::PageOwner::PageTable);
  m.kstack_pages = owned(mm::PageOwner::KernelStack);
  m.heap_pages = owned(mm::PageOwner::Heap);
  m.process_pages = owned(mm::PageOwner::Process);
  m.other_pages = owned(mm::PageOwner::Other);
  m.own_table_pages = current()->address_space->table_pages();
  TRY(copy_out(out, m));
  return 0;
}

Result<long> sys_diskstat(int index, UserOut<struct diskstat> out) {
  block::BlockDevice* disk = index >= 0 ? block::disk(static_cast<size_t>(index)) : nullptr;
  if (!disk) return Error::NoDevice;
  struct diskstat d = {};
  snformat(d.name, sizeof d.name, "%s", disk->name());
  const block::IoStats& s = disk->stats();
  d.sectors = disk->sector_count();
  d.read_requests = s.read_requests;
  d.read_sectors = s.read_sectors;
  d.write_requests = s.write_requests;
  d.write_sectors = s.write_sectors;
  d.flushes = s.flushes;
  TRY(copy_out(out, d));
  return 0;
}

}  // namespace rivet::sys

// virtio-blk over virtio-mmio (both the legacy version 1 interface QEMU
// uses by default and the version 2 interface), interrupt driven, with
// several requests in flight.
#include <new>

#include "kernel/arch/riscv64/mmio.h"
#include "kernel/block/block_device.h"
#include "kernel/driver/driver.h"
#include "kernel/lib/format.h"
#include "kernel/log/log.h"
#include "kernel/sync/spinlock.h"
#include "kernel/mm/kernel_vm.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/mm/pages.h"
#include "kernel/proc/wait.h"

namespace rivet::dev {
namespace {

// virtio-mmio registers (virtio specification, section 4.2.2).
enum : uintptr_t {
  kMagic = 0x000, kVersion = 0x004, kDeviceId = 0x008, kDeviceFeatures = 0x010,
  kDeviceFeaturesSel = 0x014, kDriverFeatures = 0x020, kDriverFeaturesSel = 0x024,
  kGuestPageSize = 0x028, kQueueSel = 0x030, kQueueNumMax = 0x034, kQueueNum = 0x038,
  kQueueAlign = 0x03c, kQueuePfn = 0x040, kQueueReady = 0x044, kQueueNotify = 0x050,
  kInterruptStatus = 0x060, kInterruptAck = 0x064, kStatus = 0x070,
  kQueueDescLow = 0x080, kQueueDescHigh = 0x084, kQueueDriverLow = 0x090,
  kQueueDriverHigh = 0x094, kQueueDeviceLow = 0x0a0, kQueueDeviceHigh = 0x0a4,
  kConfig = 0x100,
};
constexpr uint32_t kMagicValue = 0x74726976;  // "virt"
constexpr uint32_t kBlockDeviceId = 2;
enum : uint32_t { kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8 };
constexpr uint32_t kFeatureSizeMax = 1u << 1;
constexpr uint32_t kFeatureSegMax = 1u << 2;
constexpr uint32_t kFeatureReadOnly = 1u << 5;
constexpr uint32_t kFeatureFlush = 1u << 9;
constexpr uint32_t kFeatureIndirect = 1u << 28;  // VIRTIO_RING_F_INDIRECT_DESC
constexpr uint32_t kFeatureVersion1 = 1u << 0;  // bit 32, in the second feature word
// virtio-blk configuration space (virtio specification, section 5.2.4).
constexpr uintptr_t kConfigCapacity = kConfig + 0, kConfigSizeMax = kConfig + 8, kConfigSegMax = kConfig + 12;

enum : uint32_t { kRequestIn = 0, kRequestOut = 1, kRequestFlush = 4 };
enum : uint16_t { kDescNext = 1, kDescWrite = 2, kDescIndirect = 4 };

// The ring: as many descriptors as the device allows, up to 256 (a
// descriptor table of one page). A request's chain -- header, data
// segments, status -- may not be longer than the ring (virtio specification,
// split virtqueues: the queue size is the longest possible chain), indirect
// or not, so a request carries at most 254 segments.
constexpr uint32_t kMaxQueueSize = 256;
constexpr uint32_t kMinQueueSize = 4;  // a header, one segment, a status
// A descriptor's length is 32 bits, and a chain may not carry 2^32 bytes or
// more in all: requests carry at most this many data bytes, a multiple of
// the page and sector sizes.
constexpr uint64_t kMaxRequestBytes = 0xFFFFF000;

struct Desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
// Laid out for queue_size_ entries; the arrays are sized for the largest.
struct Avail {
  uint16_t flags;
  uint16_t idx;
  uint16_t ring[kMaxQueueSize];
};
struct UsedElem {
  uint32_t id;
  uint32_t len;
};
struct Used {
  uint16_t flags;
  uint16_t idx;
  UsedElem ring[kMaxQueueSize];
};

struct RequestHeader {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};

// One in-flight request, indexed by its first descriptor.
struct Slot {
  RequestHeader header;
  volatile uint8_t status;
  bool in_use;
  volatile bool done;
  uint16_t descriptors;  // taken from the ring
};

uint64_t dma_address(const void* p) { return mm::kernel_virt_to_phys(p).value; }

// The data of one call: a buffer contiguous in physical memory (the direct
// map or the kernel image), or separate pages of kPageBytes.
struct Source {
  uint8_t* buffer;
  void* const* pages;  // when set, `buffer` is unused
  uint64_t bytes;      // in all

  // The physical address of byte `offset` and how many bytes from there
  // on are contiguous in physical memory, at most `limit`: the rest of the
  // buffer, or of this page and the pages that follow it physically.
  uint64_t run(uint64_t offset, uint64_t limit, uint64_t* pa) const {
    uint64_t left = bytes - offset;
    uint64_t len;
    if (!pages) {
      *pa = dma_address(buffer + offset);
      len = left;
    } else {
      uint64_t i = offset / block::kPageBytes, in_page = offset % block::kPageBytes;
      uint64_t page = dma_address(pages[i]);
      *pa = page + in_page;
      len = block::kPageBytes - in_page;
      while (len < limit && len < left && dma_address(pages[i + 1]) == page + block::kPageBytes) {
        page += block::kPageBytes;
        len += block::kPageBytes;
        i++;
      }
    }
    return len < limit ? len : limit;
  }
};

class VirtioBlock final : public block::BlockDevice {
 public:
  Result<void> start(uintptr_t base, int index);
  // A single buffer is one descriptor unless the device's size_max cuts it
  // up, so it must fit a descriptor's 32-bit length: larger ones are
  // refused (Error::Invalid), never wrapped.
  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override {
    uint64_t bytes = uint64_t{count} * block::kSectorSize;
    if (!buffer || bytes > kMaxRequestBytes) return Error::Invalid;
    return transfer(kRequestIn, sector, Source{static_cast<uint8_t*>(buffer), nullptr, bytes});
  }
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override {
    if (read_only_) return Error::ReadOnly;
    uint64_t bytes = uint64_t{count} * block::kSectorSize;
    if (!buffer || bytes > kMaxRequestBytes) return Error::Invalid;
    return transfer(kRequestOut, sector, Source{static_cast<uint8_t*>(const_cast<void*>(buffer)), nullptr, bytes});
  }
  // A run of pages is one request of one data descriptor per page (pages
  // adjacent in physical memory share one), split into the fewest requests
  // only past max_segments_ descriptors.
  Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) override {
    return transfer_pages(kRequestIn, sector, pages, count);
  }
  Result<void> write_pages(uint64_t sector, const void* const* pages, uint32_t count) override {
    if (read_only_) return Error::ReadOnly;
    return transfer_pages(kRequestOut, sector, const_cast<void* const*>(pages), count);
  }
  Result<void> flush() override {
    if (!has_flush_) return {};
    return request(kRequestFlush, 0, Source{}, 0, 0, 0);
  }
  uint64_t sector_count() const override { return sectors_; }
  const char* name() const override { return name_; }
  uint32_t queue_size() const { return queue_size_; }
  uint32_t max_segments() const { return max_segments_; }
  bool indirect() const { return indirect_; }
  void handle_interrupt();

 private:
  uint32_t reg(uintptr_t r) { return arch::mmio_read32(base_ + r); }
  void set(uintptr_t r, uint32_t v) { arch::mmio_write32(base_ + r, v); }
  Result<void> transfer_pages(uint32_t type, uint64_t sector, void* const* pages, uint32_t count);
  Result<void> transfer(uint32_t type, uint64_t sector, const Source& source);
  uint32_t plan(const Source& source, uint64_t offset, uint64_t* bytes) const;
  Result<void> request(uint32_t type, uint64_t sector, const Source& source, uint64_t offset, uint32_t nsegs,
                       uint64_t bytes);
  uint16_t take_descriptors(uint32_t n);
  void give_back_descriptors(uint16_t head, uint32_t n);

  Spinlock lock_{"virtio-blk", LockRank::VirtioBlk};
  uintptr_t base_ = 0;
  uint64_t sectors_ = 0;
  bool read_only_ = false;
  bool has_flush_ = false;
  bool indirect_ = false;         // VIRTIO_RING_F_INDIRECT_DESC negotiated
  uint32_t queue_size_ = 0;
  uint32_t max_segments_ = 1;     // data descriptors per request
  uint64_t max_segment_bytes_ = kMaxRequestBytes;  // size_max, whole sectors
  char name_[16] = {};
  Desc* desc_ = nullptr;
  Avail* avail_ = nullptr;
  Used* used_ = nullptr;
  Slot* slots_ = nullptr;         // queue_size_ of them, DMA-able (headers, status)
  uint16_t free_head_ = 0;        // free descriptors, linked through Desc::next
  uint32_t num_free_ = 0;
  uint16_t used_seen_ = 0;
  uint64_t next_ticket_ = 0;  // requests waiting for descriptors, in order
  uint64_t serving_ = 0;
};

constexpr size_t kMaxDisks = 8;
alignas(VirtioBlock) unsigned char g_storage[kMaxDisks][sizeof(VirtioBlock)];
VirtioBlock* g_disks[kMaxDisks];
size_t g_disk_count = 0;

Result<void> VirtioBlock::start(uintptr_t base, int index) {
  base_ = base;
  if (reg(kMagic) != kMagicValue) return Error::NoDevice;
  uint32_t version = reg(kVersion);
  if ((version != 1 && version != 2) || reg(kDeviceId) != kBlockDeviceId) return Error::NoDevice;

  set(kStatus, 0);  // reset
  set(kStatus, kAcknowledge);
  set(kStatus, kAcknowledge | kDriver);
  set(kDeviceFeaturesSel, 0);
  uint32_t features =
      reg(kDeviceFeatures) & (kFeatureReadOnly | kFeatureFlush | kFeatureSegMax | kFeatureSizeMax | kFeatureIndirect);
  read_only_ = features & kFeatureReadOnly;
  has_flush_ = features & kFeatureFlush;
  indirect_ = features & kFeatureIndirect;
  set(kDriverFeaturesSel, 0);
  set(kDriverFeatures, features);
  set(kDriverFeaturesSel, 1);
  set(kDriverFeatures, version == 2 ? kFeatureVersion1 : 0);
  set(kStatus, kAcknowledge | kDriver | kFeaturesOk);
  if (version == 2 && !(reg(kStatus) & kFeaturesOk)) return Error::NotSupported;

  set(kQueueSel, 0);
  if (version == 2 && reg(kQueueReady)) return Error::Busy;
  // The largest power of two the device allows, up to kMaxQueueSize.
  uint32_t max = reg(kQueueNumMax);
  if (max < kMinQueueSize) return Error::NotSupported;
  queue_size_ = kMaxQueueSize;
  while (queue_size_ > max) queue_size_ /= 2;
  // Contiguous zeroed pages: the descriptors and the available ring, then
  // the used ring at the next page boundary (the legacy layout with 4 KiB
  // alignment; the modern interface takes the three addresses separately).
  uint64_t avail_end = sizeof(Desc) * queue_size_ + 2 * (3 + queue_size_);
  uint64_t used_offset = (avail_end + mm::kPageSize - 1) / mm::kPageSize * mm::kPageSize;
  uint64_t ring_pages = (used_offset + 2 * 3 + sizeof(UsedElem) * queue_size_ + mm::kPageSize - 1) / mm::kPageSize;
  mm::PhysAddr rings = TRY(mm::alloc_contiguous_pages(ring_pages));
  __builtin_memset(mm::phys_to_virt(rings), 0, ring_pages * mm::kPageSize);
  slots_ = static_cast<Slot*>(kzalloc(sizeof(Slot) * queue_size_));
  if (!slots_) return Error::NoMemory;
  desc_ = mm::phys_to_virt<Desc>(rings);
  avail_ = reinterpret_cast<Avail*>(desc_ + queue_size_);
  used_ = mm::phys_to_virt<Used>(rings + used_offset);
  set(kQueueNum, queue_size_);
  if (version == 1) {
    set(kGuestPageSize, mm::kPageSize);
    set(kQueueAlign, mm::kPageSize);
    set(kQueuePfn, static_cast<uint32_t>(rings.pfn()));
  } else {
    uint64_t d_pa = rings.value, a_pa = dma_address(avail_), u_pa = dma_address(used_);
    set(kQueueDescLow, static_cast<uint32_t>(d_pa));
    set(kQueueDescHigh, static_cast<uint32_t>(d_pa >> 32));
    set(kQueueDriverLow, static_cast<uint32_t>(a_pa));
    set(kQueueDriverHigh, static_cast<uint32_t>(a_pa >> 32));
    set(kQueueDeviceLow, static_cast<uint32_t>(u_pa));
    set(kQueueDeviceHigh, static_cast<uint32_t>(u_pa >> 32));
    set(kQueueReady, 1);
  }
  for (uint32_t i = 0; i < queue_size_; i++) desc_[i].next = static_cast<uint16_t>(i + 1);
  free_head_ = 0;
  num_free_ = queue_size_;
  sectors_ = static_cast<uint64_t>(reg(kConfigCapacity)) |
             static_cast<uint64_t>(reg(kConfigCapacity + 4)) << 32;
  // Without SEG_MAX the device promises nothing about scatter lists: one
  // segment per request then. With it, as many as it takes and the chain
  // limit allows.
  max_segments_ = 1;
  if (features & kFeatureSegMax) {
    uint32_t seg_max = reg(kConfigSegMax);
    max_segments_ = seg_max == 0 ? 1 : seg_max < queue_size_ - 2 ? seg_max : queue_size_ - 2;
  }
  // SIZE_MAX bounds every segment, in whole sectors (a device that cannot
  // take one sector per segment gets one anyway: there is nothing smaller).
  if (features & kFeatureSizeMax) {
    uint64_t size_max = reg(kConfigSizeMax) / block::kSectorSize * block::kSectorSize;
    max_segment_bytes_ = size_max == 0 ? block::kSectorSize : size_max < kMaxRequestBytes ? size_max : kMaxRequestBytes;
  }
  snformat(name_, sizeof name_, "vd%c", 'a' + index);
  set(kStatus, kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
  return {};
}

// Takes n free descriptors, already chained through their next fields (the
// free list's order); returns the first. The caller made sure n are free.
uint16_t VirtioBlock::take_descriptors(uint32_t n) {
  uint16_t head = free_head_, last = head;
  for (uint32_t i = 1; i < n; i++) last = desc_[last].next;
  free_head_ = desc_[last].next;
  num_free_ -= n;
  return head;
}

// The device never writes descriptors, so a finished chain is still linked
// through its next fields: it goes back on the free list whole.
void VirtioBlock::give_back_descriptors(uint16_t head, uint32_t n) {
  uint16_t last = head;
  for (uint32_t i = 1; i < n; i++) last = desc_[last].next;
  desc_[last].next = free_head_;
  free_head_ = head;
  num_free_ += n;
}

Result<void> VirtioBlock::transfer_pages(uint32_t type, uint64_t sector, void* const* pages, uint32_t count) {
  if (count == 0) return {};
  if (!pages) return Error::Invalid;
  for (uint32_t i = 0; i < count; i++)
    if (!pages[i]) return Error::Invalid;
  return transfer(type, sector, Source{nullptr, pages, uint64_t{count} * block::kPageBytes});
}

// Checks the whole call, then sends it as the fewest requests the limits
// allow (one, for runs of up to max_segments_ pages).
Result<void> VirtioBlock::transfer(uint32_t type, uint64_t sector, const Source& source) {
  uint64_t count = source.bytes / block::kSectorSize;
  if (count == 0 || source.bytes % block::kSectorSize || sector >= sectors_ || count > sectors_ - sector)
    return Error::Invalid;
  for (uint64_t offset = 0; offset < source.bytes;) {
    uint64_t bytes;
    uint32_t nsegs = plan(source, offset, &bytes);
    TRY(request(type, sector + offset / block::kSectorSize, source, offset, nsegs, bytes));
    offset += bytes;
  }
  return {};
}

// How much of `source` from `offset` on one request carries: *bytes in the
// returned number of segments, each physically contiguous and within
// size_max. Every run is a whole number of sectors, so every cut is too.
uint32_t VirtioBlock::plan(const Source& source, uint64_t offset, uint64_t* bytes) const {
  uint32_t nsegs = 0;
  uint64_t taken = 0;
  while (offset + taken < source.bytes && nsegs < max_segments_ && taken < kMaxRequestBytes) {
    uint64_t room = kMaxRequestBytes - taken, pa;
    taken += source.run(offset + taken, room < max_segment_bytes_ ? room : max_segment_bytes_, &pa);
    nsegs++;
  }
  *bytes = taken;
  return nsegs;
}

// One request to the device: `nsegs` segments covering `bytes` of `source`
// from `offset` on, as planned. With indirect descriptors a request of
// several segments takes one ring descriptor and a table of its own; when
// that table cannot be had (memory is short), or without the feature, it
// takes nsegs + 2 ring descriptors. Blocks until the device is done.
Result<void> VirtioBlock::request(uint32_t type, uint64_t sector, const Source& source, uint64_t offset,
                                  uint32_t nsegs, uint64_t bytes) {
  const uint32_t chain = nsegs + 2;  // the header, the segments, the status
  Desc* table = nullptr;
  if (indirect_ && nsegs > 1) table = static_cast<Desc*>(kmalloc(sizeof(Desc) * chain));
  const uint32_t need = table ? 1 : chain;
  const uint16_t data_flags = static_cast<uint16_t>(kDescNext | (type == kRequestIn ? kDescWrite : 0));
  uint8_t status;
  {
    SpinlockGuard guard(lock_);
    if (type == kRequestIn)
      count_read(bytes / block::kSectorSize);
    else if (type == kRequestOut)
      count_write(bytes / block::kSectorSize);
    else
      count_flush();
    // First come, first served: a request of many segments is not starved
    // by a stream of small ones that each fit in what one completion frees.
    uint64_t ticket = next_ticket_++;
    while (ticket != serving_ || num_free_ < need) sleep_on(&num_free_, lock_);
    serving_++;
    wakeup(&num_free_);  // the next in line may fit too
    uint16_t head = take_descriptors(need);
    Slot& slot = slots_[head];
    slot.header = RequestHeader{type, 0, sector};
    slot.status = 0xff;
    slot.done = false;
    slot.in_use = true;
    slot.descriptors = static_cast<uint16_t>(need);

    // The header, each data segment, the status byte: one chain, in the
    // indirect table (linked by position) or in the ring (linked through
    // the free list's order, which take_descriptors() left in place).
    auto put = [&](uint32_t i, uint16_t& at, uint64_t addr, uint32_t len, uint16_t flags) {
      if (table) {
        table[i] = Desc{addr, len, flags, static_cast<uint16_t>(i + 1)};
      } else {
        desc_[at].addr = addr;
        desc_[at].len = len;
        desc_[at].flags = flags;
        at = desc_[at].next;
      }
    };
    uint16_t at = head;
    put(0, at, dma_address(&slot.header), sizeof(RequestHeader), kDescNext);
    uint64_t done = 0;
    for (uint32_t i = 0; i < nsegs; i++) {
      uint64_t limit = bytes - done < max_segment_bytes_ ? bytes - done : max_segment_bytes_, pa;
      uint64_t len = source.run(offset + done, limit, &pa);
      put(i + 1, at, pa, static_cast<uint32_t>(len), data_flags);
      done += len;
    }
    put(nsegs + 1, at, dma_address(const_cast<uint8_t*>(&slot.status)), 1, kDescWrite);
    if (table) {
      desc_[head].addr = dma_address(table);
      desc_[head].len = sizeof(Desc) * chain;
      desc_[head].flags = kDescIndirect;
    }

    avail_->ring[avail_->idx % queue_size_] = head;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the descriptors and ring entry before the index
    avail_->idx = static_cast<uint16_t>(avail_->idx + 1);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the index before the doorbell
    set(kQueueNotify, 0);

    while (!slot.done) sleep_on(&slot, lock_);
    status = slot.status;
    slot.in_use = false;
    give_back_descriptors(head, need);
    wakeup(&num_free_);
  }
  kfree(table);
  return status == 0 ? Result<void>() : Error::Io;
}

void VirtioBlock::handle_interrupt() {
  SpinlockGuard guard(lock_);
  set(kInterruptAck, reg(kInterruptStatus) & 0x3);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  while (used_seen_ != used_->idx) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint32_t id = used_->ring[used_seen_ % queue_size_].id;
    used_seen_++;
    if (id >= queue_size_ || !slots_[id].in_use) continue;  // not ours: ignore
    slots_[id].done = true;
    wakeup(&slots_[id]);
  }
}

void virtio_interrupt(void* disk) { static_cast<VirtioBlock*>(disk)->handle_interrupt(); }

}  // namespace

}  // namespace rivet::dev

namespace rivet::driver {

// A virtio-mmio slot: a block device behind it becomes a disk (vda, vdb...
// in probe order); an empty slot or another kind of device is declined.
Result<void> probe_virtio_mmio(dt::Device& device) {
  using namespace dev;
  uintptr_t base = TRY(map_mmio(device, 0));
  if (arch::mmio_read32(base + kMagic) != kMagicValue || arch::mmio_read32(base + kDeviceId) != kBlockDeviceId)
    return Error::NoDevice;
  if (g_disk_count == kMaxDisks) return Error::NoMemory;
  auto* disk = new (g_storage[g_disk_count]) VirtioBlock();
  TRY(disk->start(base, static_cast<int>(g_disk_count)));
  g_disks[g_disk_count++] = disk;
  TRY(request_irq(device, 0, virtio_interrupt, disk));
  block::register_disk(disk);
  kprintf("rivet: disk %s: virtio-blk at %#lx irq %u, %lu MiB, %u segments per request%s\n", disk->name(),
          device.regs[0].address, device.irqs[0].number, disk->sector_count() >> 11, disk->max_segments(),
          disk->indirect() ? " (indirect)" : "");
  return {};
}

}  // namespace rivet::driver

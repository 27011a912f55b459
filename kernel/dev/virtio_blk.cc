// virtio-blk over virtio-mmio (both the legacy version 1 interface QEMU
// uses by default and the version 2 interface), interrupt driven, with
// several requests in flight.
#include <new>

#include "kernel/arch/riscv64/mmio.h"
#include "kernel/block/block_device.h"
#include "kernel/driver/driver.h"
#include "kernel/lib/format.h"
#include "kernel/lib/log.h"
#include "kernel/lib/spinlock.h"
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
constexpr uint32_t kFeatureSegMax = 1u << 2;
constexpr uint32_t kFeatureReadOnly = 1u << 5;
constexpr uint32_t kFeatureFlush = 1u << 9;
constexpr uint32_t kFeatureVersion1 = 1u << 0;  // bit 32, in the second feature word

enum : uint32_t { kRequestIn = 0, kRequestOut = 1, kRequestFlush = 4 };
enum : uint16_t { kDescNext = 1, kDescWrite = 2 };

constexpr uint16_t kQueueSize = 64;  // descriptors: a header, the data segments, a status
// Data segments of one request at most, so that a request always fits in
// the ring beside another.
constexpr uint32_t kMaxSegments = 30;

// One piece of a request's data: a run of kernel memory.
struct Segment {
  void* data;
  uint32_t bytes;
};

struct Desc {
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
struct Avail {
  uint16_t flags;
  uint16_t idx;
  uint16_t ring[kQueueSize];
};
struct UsedElem {
  uint32_t id;
  uint32_t len;
};
struct Used {
  uint16_t flags;
  uint16_t idx;
  UsedElem ring[kQueueSize];
};
static_assert(sizeof(Desc) * kQueueSize + sizeof(Avail) <= mm::kPageSize);

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
};

class VirtioBlock final : public block::BlockDevice {
 public:
  Result<void> start(uintptr_t base, int index);
  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override {
    Segment s{buffer, count * block::kSectorSize};
    return transfer(kRequestIn, sector, &s, 1);
  }
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override {
    if (read_only_) return Error::ReadOnly;
    Segment s{const_cast<void*>(buffer), count * block::kSectorSize};
    return transfer(kRequestOut, sector, &s, 1);
  }
  // Scatters a run of pages in as one request of up to max_segments_ pages.
  Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) override {
    Segment segs[kMaxSegments];
    while (count > 0) {
      uint32_t n = count < max_segments_ ? count : max_segments_;
      for (uint32_t i = 0; i < n; i++) segs[i] = Segment{pages[i], block::kPageBytes};
      TRY(transfer(kRequestIn, sector, segs, n));
      sector += uint64_t{n} * block::kSectorsPerPage;
      pages += n;
      count -= n;
    }
    return {};
  }
  Result<void> flush() override {
    if (!has_flush_) return {};
    return transfer(kRequestFlush, 0, nullptr, 0);
  }
  uint64_t sector_count() const override { return sectors_; }
  const char* name() const override { return name_; }
  void handle_interrupt();

 private:
  uint32_t reg(uintptr_t r) { return arch::mmio_read32(base_ + r); }
  void set(uintptr_t r, uint32_t v) { arch::mmio_write32(base_ + r, v); }
  Result<void> transfer(uint32_t type, uint64_t sector, const Segment* segs, uint32_t nsegs);
  bool allocate_descriptors(int* d, uint32_t n);

  Spinlock lock_{"virtio-blk"};
  uintptr_t base_ = 0;
  uint64_t sectors_ = 0;
  bool read_only_ = false;
  bool has_flush_ = false;
  uint32_t max_segments_ = 1;
  char name_[16] = {};
  Desc* desc_ = nullptr;
  Avail* avail_ = nullptr;
  Used* used_ = nullptr;
  bool free_[kQueueSize] = {};
  uint16_t used_seen_ = 0;
  uint64_t next_ticket_ = 0;  // requests waiting for descriptors, in order
  uint64_t serving_ = 0;
  Slot slots_[kQueueSize] = {};
};

constexpr size_t kMaxDisks = 8;
alignas(VirtioBlock) unsigned char g_storage[kMaxDisks][sizeof(VirtioBlock)];
VirtioBlock* g_disks[kMaxDisks];
size_t g_disk_count = 0;

uint64_t dma_address(const void* p) { return mm::kernel_virt_to_phys(p).value; }

Result<void> VirtioBlock::start(uintptr_t base, int index) {
  base_ = base;
  if (reg(kMagic) != kMagicValue) return Error::NoDevice;
  uint32_t version = reg(kVersion);
  if ((version != 1 && version != 2) || reg(kDeviceId) != kBlockDeviceId) return Error::NoDevice;

  set(kStatus, 0);  // reset
  set(kStatus, kAcknowledge);
  set(kStatus, kAcknowledge | kDriver);
  set(kDeviceFeaturesSel, 0);
  uint32_t features = reg(kDeviceFeatures);
  read_only_ = features & kFeatureReadOnly;
  has_flush_ = features & kFeatureFlush;
  set(kDriverFeaturesSel, 0);
  set(kDriverFeatures, features & (kFeatureReadOnly | kFeatureFlush | kFeatureSegMax));
  set(kDriverFeaturesSel, 1);
  set(kDriverFeatures, version == 2 ? kFeatureVersion1 : 0);
  set(kStatus, kAcknowledge | kDriver | kFeaturesOk);
  if (version == 2 && !(reg(kStatus) & kFeaturesOk)) return Error::NotSupported;

  set(kQueueSel, 0);
  if (version == 2 && reg(kQueueReady)) return Error::Busy;
  uint32_t max = reg(kQueueNumMax);
  if (max < kQueueSize) return Error::NotSupported;
  // Two contiguous zeroed pages: descriptors and the available ring in the
  // first, the used ring in the second (the legacy layout with 4 KiB
  // alignment; the modern interface takes the three addresses separately).
  mm::PhysAddr rings = TRY(mm::alloc_contiguous_pages(2));
  __builtin_memset(mm::phys_to_virt(rings), 0, 2 * mm::kPageSize);
  desc_ = mm::phys_to_virt<Desc>(rings);
  avail_ = reinterpret_cast<Avail*>(desc_ + kQueueSize);
  used_ = mm::phys_to_virt<Used>(rings + mm::kPageSize);
  set(kQueueNum, kQueueSize);
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
  for (bool& f : free_) f = true;
  sectors_ = static_cast<uint64_t>(reg(kConfig)) | static_cast<uint64_t>(reg(kConfig + 4)) << 32;
  // Without SEG_MAX the device promises nothing about scatter lists: one
  // segment per request then.
  if (features & kFeatureSegMax) {
    uint32_t seg_max = reg(kConfig + 12);
    max_segments_ = seg_max == 0 ? 1 : seg_max < kMaxSegments ? seg_max : kMaxSegments;
  }
  snformat(name_, sizeof name_, "vd%c", 'a' + index);
  set(kStatus, kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
  return {};
}

// Takes n free descriptors into d[], or none if fewer are free.
bool VirtioBlock::allocate_descriptors(int* d, uint32_t n) {
  uint32_t got = 0;
  for (int i = 0; i < kQueueSize && got < n; i++)
    if (free_[i]) d[got++] = i;
  if (got < n) return false;
  for (uint32_t i = 0; i < n; i++) free_[d[i]] = false;
  return true;
}

Result<void> VirtioBlock::transfer(uint32_t type, uint64_t sector, const Segment* segs, uint32_t nsegs) {
  uint64_t count = 0;  // sectors
  for (uint32_t i = 0; i < nsegs; i++) {
    if (segs[i].bytes == 0 || segs[i].bytes % block::kSectorSize) return Error::Invalid;
    count += segs[i].bytes / block::kSectorSize;
  }
  if (nsegs > kMaxSegments || (type != kRequestFlush && (count == 0 || sector >= sectors_ || count > sectors_ - sector)))
    return Error::Invalid;
  SpinlockGuard guard(lock_);
  if (type == kRequestIn)
    count_read(count);
  else if (type == kRequestOut)
    count_write(count);
  else
    count_flush();
  int d[kMaxSegments + 2];
  uint32_t ndesc = nsegs + 2;
  // First come, first served: a request of many segments is not starved
  // by a stream of small ones that each fit in what one completion frees.
  uint64_t ticket = next_ticket_++;
  while (ticket != serving_ || !allocate_descriptors(d, ndesc)) sleep_on(free_, lock_);
  serving_++;
  wakeup(free_);  // the next in line may fit too
  Slot& slot = slots_[d[0]];
  slot.header = RequestHeader{type, 0, sector};
  slot.status = 0xff;
  slot.done = false;
  slot.in_use = true;

  // The header, each data segment, the status byte: one chain.
  desc_[d[0]] = Desc{dma_address(&slot.header), sizeof(RequestHeader), kDescNext, static_cast<uint16_t>(d[1])};
  for (uint32_t i = 0; i < nsegs; i++)
    desc_[d[i + 1]] = Desc{dma_address(segs[i].data), segs[i].bytes,
                           static_cast<uint16_t>(kDescNext | (type == kRequestIn ? kDescWrite : 0)),
                           static_cast<uint16_t>(d[i + 2])};
  desc_[d[nsegs + 1]] = Desc{dma_address(const_cast<uint8_t*>(&slot.status)), 1, kDescWrite, 0};

  avail_->ring[avail_->idx % kQueueSize] = static_cast<uint16_t>(d[0]);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the ring entry before the index
  avail_->idx = static_cast<uint16_t>(avail_->idx + 1);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the index before the doorbell
  set(kQueueNotify, 0);

  while (!slot.done) sleep_on(&slot, lock_);
  uint8_t status = slot.status;
  slot.in_use = false;
  for (uint32_t i = 0; i < ndesc; i++) free_[d[i]] = true;
  wakeup(free_);
  return status == 0 ? Result<void>() : Error::Io;
}

void VirtioBlock::handle_interrupt() {
  SpinlockGuard guard(lock_);
  set(kInterruptAck, reg(kInterruptStatus) & 0x3);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  while (used_seen_ != used_->idx) {
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    uint32_t id = used_->ring[used_seen_ % kQueueSize].id;
    used_seen_++;
    if (id >= kQueueSize || !slots_[id].in_use) continue;  // not ours: ignore
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
  kprintf("rivet: disk %s: virtio-blk at %#lx irq %u, %lu MiB\n", disk->name(), device.regs[0].address,
          device.irqs[0].number, disk->sector_count() >> 11);
  return {};
}

}  // namespace rivet::driver

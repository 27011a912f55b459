#include "kernel/dev/sd/disk.h"

#include "kernel/block/block_device.h"
#include "kernel/dev/sd/card.h"
#include "kernel/lib/format.h"
#include "kernel/lib/log.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/proc/sleeplock.h"

namespace rivet::sd {
namespace {

// The card layer does one request at a time and polls the controller, so
// callers take turns on a sleep lock: a process waiting for the card sleeps
// instead of spinning, and the polling itself yields (driver::clock()).
class Disk final : public block::BlockDevice {
 public:
  Disk(Host& host, const char* name) : card_(host, name) {}
  Card& card() { return card_; }

  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override {
    SleepLockGuard guard(lock_);
    count_read(count);
    return card_.read(sector, buffer, count);
  }
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override {
    SleepLockGuard guard(lock_);
    count_write(count);
    return card_.write(sector, buffer, count);
  }
  Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) override {
    SleepLockGuard guard(lock_);
    count_read(uint64_t{count} * block::kSectorsPerPage);
    return card_.read_pages(sector, pages, count);
  }
  Result<void> flush() override {
    SleepLockGuard guard(lock_);
    count_flush();
    return card_.flush();
  }
  uint64_t sector_count() const override { return card_.sector_count(); }
  const char* name() const override { return card_.name(); }

 private:
  SleepLock lock_{"sd card"};
  Card card_;
};

uint32_t g_cards = 0;

}  // namespace

Result<void> attach_card(Host& host, uint32_t max_hz) {
  if (!host.card_present()) return Error::NoDevice;
  auto* name = static_cast<char*>(kmalloc(16));
  if (!name) return Error::NoMemory;
  snformat(name, 16, "mmcblk%u", g_cards);
  auto made = knew<Disk>(host, name);
  if (!made) {
    kfree(name);
    return made.error();
  }
  Disk* disk = made.value();
  if (auto r = disk->card().init(max_hz); !r) {
    // The Disk is not registered and nothing points at it.
    kdelete(disk);
    kfree(name);
    return r.error();
  }
  g_cards++;
  char what[96];
  describe(disk->card().info(), what, sizeof what);
  kprintf("rivet: disk %s: %s card on %s\n", name, what, host.name());
  block::register_disk(disk);
  return {};
}

}  // namespace rivet::sd

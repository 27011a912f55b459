#include "kernel/dev/sd/disk.h"

#include "kernel/block/block_device.h"
#include "kernel/dev/sd/card.h"
#include "kernel/lib/format.h"
#include "kernel/log/log.h"
#include "kernel/mm/kmalloc.h"
#include "kernel/sync/sleeplock.h"

namespace rivet::sd {
namespace {

// The card layer does one request at a time and polls the controller, so
// callers take turns on a sleep lock: a process waiting for the card sleeps
// instead of spinning, and the polling itself yields (driver::clock()).
//
// IoStats count commands: a call is one request when it fits in one
// multi-block command (host.max_blocks(): 65535 sectors on the DesignWare
// host, 128 on the SPI host); a longer one is handed to the card in
// command-sized pieces, each counted. The whole range is checked first, so
// a request past the end is refused before any piece is sent.
class Disk final : public block::BlockDevice {
 public:
  Disk(Host& host, const char* name) : card_(host, name) {}
  Card& card() { return card_; }

  Result<void> read(uint64_t sector, void* buffer, uint32_t count) override {
    SleepLockGuard guard(lock_);
    return in_commands(sector, count, card_.blocks_per_command(), [&](uint32_t done, uint32_t n) {
      count_read(n);
      return card_.read(sector + done, static_cast<uint8_t*>(buffer) + uint64_t{done} * block::kSectorSize, n);
    });
  }
  Result<void> write(uint64_t sector, const void* buffer, uint32_t count) override {
    SleepLockGuard guard(lock_);
    return in_commands(sector, count, card_.blocks_per_command(), [&](uint32_t done, uint32_t n) {
      count_write(n);
      return card_.write(sector + done, static_cast<const uint8_t*>(buffer) + uint64_t{done} * block::kSectorSize, n);
    });
  }
  Result<void> read_pages(uint64_t sector, void* const* pages, uint32_t count) override {
    SleepLockGuard guard(lock_);
    return in_pages(sector, count, [&](uint32_t done, uint32_t n) {
      count_read(uint64_t{n} * block::kSectorsPerPage);
      return card_.read_pages(sector + uint64_t{done} * block::kSectorsPerPage, pages + done, n);
    });
  }
  Result<void> write_pages(uint64_t sector, const void* const* pages, uint32_t count) override {
    SleepLockGuard guard(lock_);
    return in_pages(sector, count, [&](uint32_t done, uint32_t n) {
      count_write(uint64_t{n} * block::kSectorsPerPage);
      return card_.write_pages(sector + uint64_t{done} * block::kSectorsPerPage, pages + done, n);
    });
  }
  Result<void> flush() override {
    SleepLockGuard guard(lock_);
    count_flush();
    return card_.flush();
  }
  uint64_t sector_count() const override { return card_.sector_count(); }
  const char* name() const override { return card_.name(); }

 private:
  // Calls piece(done, n) for consecutive pieces of at most `per_command`
  // units of `count` (none when it is 0), after checking that all `count * unit_sectors`
  // sectors lie on the card; stops at the first failure.
  template <typename Piece>
  Result<void> in_commands(uint64_t sector, uint32_t count, uint32_t per_command, Piece piece,
                           uint32_t unit_sectors = 1) {
    if (count == 0) return {};
    uint64_t sectors = uint64_t{count} * unit_sectors, size = card_.sector_count();
    if (sector > size || sectors > size - sector) return Error::Range;
    if (per_command == 0) per_command = 1;
    for (uint32_t done = 0; done < count;) {
      uint32_t n = count - done < per_command ? count - done : per_command;
      TRY(piece(done, n));
      done += n;
    }
    return {};
  }
  // The same in pages. A host that cannot carry a page in one command
  // (max_blocks < 8, no real host) gets a page per piece, which the card
  // splits further: one count per page then.
  template <typename Piece>
  Result<void> in_pages(uint64_t sector, uint32_t count, Piece piece) {
    return in_commands(sector, count, card_.pages_per_command(), piece, block::kSectorsPerPage);
  }

  SleepLock lock_{"sd card", LockRank::SdCard};
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

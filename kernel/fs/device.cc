#include "kernel/fs/device.h"

#include "kernel/sync/spinlock.h"

namespace rivet::fs {

namespace {

struct DeviceEntry {
  DeviceRead read;
  DeviceWrite write;
};

Spinlock g_devices_lock{"devices", LockRank::Devices};
DeviceEntry g_devices[kMaxDevices];

DeviceEntry lookup(int major) {
  if (major < 0 || major >= kMaxDevices) return {nullptr, nullptr};
  SpinlockGuard guard(g_devices_lock);
  return g_devices[major];
}

}  // namespace

void register_device(int major, DeviceRead read, DeviceWrite write) {
  if (major < 0 || major >= kMaxDevices) return;
  SpinlockGuard guard(g_devices_lock);
  g_devices[major] = {read, write};
}

bool device_exists(int major) {
  DeviceEntry e = lookup(major);
  return e.read || e.write;
}

Result<size_t> device_read(int major, int minor, IoSink dst, size_t n) {
  DeviceEntry e = lookup(major);
  if (!e.read && !e.write) return Error::NoDevice;
  if (!e.read) return Error::BadFd;
  // Called without the lock: drivers sleep.
  return e.read(minor, dst, n);
}

Result<size_t> device_write(int major, int minor, IoSource src, size_t n) {
  DeviceEntry e = lookup(major);
  if (!e.read && !e.write) return Error::NoDevice;
  if (!e.write) return Error::BadFd;
  return e.write(minor, src, n);
}

}  // namespace rivet::fs

// The device switch: character devices by major number. A device file
// (T_DEVICE inode) names a major and a minor; reads and writes of an open
// device file go to the functions its driver registered. The console driver
// registers major CONSOLE itself.
#pragma once

#include <stddef.h>

#include "kernel/lib/result.h"
#include "kernel/mm/user_copy.h"

namespace rivet::fs {

using DeviceRead = Result<size_t> (*)(int minor, IoSink dst, size_t n);
using DeviceWrite = Result<size_t> (*)(int minor, IoSource src, size_t n);

inline constexpr int kMaxDevices = 16;  // majors 0 .. kMaxDevices-1

// Registers (or, with nullptrs, removes) a driver. Either function may be
// nullptr for a device that cannot be read or written.
void register_device(int major, DeviceRead read, DeviceWrite write);
bool device_exists(int major);

// Error::NoDevice for an unregistered major; Error::BadFd if the device
// cannot be read (written).
Result<size_t> device_read(int major, int minor, IoSink dst, size_t n);
Result<size_t> device_write(int major, int minor, IoSource src, size_t n);

}  // namespace rivet::fs

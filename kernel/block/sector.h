// The sector: the unit of every block device and of the partition table.
#pragma once

#include <stdint.h>

namespace rivet::block {
inline constexpr uint32_t kSectorSize = 512;
}

// The sector: the unit of every block device and of the partition table.
#pragma once

#include <stdint.h>

namespace rivet::block {
inline constexpr uint32_t kSectorSize = 512;
// Page-sized transfers (read_pages): 4096 bytes, 8 sectors.
inline constexpr uint32_t kPageBytes = 4096;
inline constexpr uint32_t kSectorsPerPage = kPageBytes / kSectorSize;
}

// The one page of zeros that untouched anonymous memory maps read-only
// (copy-on-write where the area is writable).
#pragma once

#include "kernel/lib/result.h"
#include "kernel/mm/addr.h"

namespace rivet::mm {

PhysAddr zero_page();
Result<void> zero_page_init();

}  // namespace rivet::mm

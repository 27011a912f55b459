#include "kernel/mm/zero_page.h"

#include "kernel/mm/pages.h"

namespace rivet::mm {
namespace {
PhysAddr g_zero;
}  // namespace

Result<void> zero_page_init() {
  g_zero = TRY(alloc_zeroed_page());  // this reference is never dropped
  return {};
}

PhysAddr zero_page() { return g_zero; }

}  // namespace rivet::mm

// Checks every value kernel/sys/abi_layout.h gives user programs (through
// the SDK's xv6 headers) against the kernel's own constant. Nothing here
// runs: a mismatch fails the build.
#include "kernel/sys/abi_layout.h"

#include "kernel/dt/machine.h"
#include "kernel/fs/device.h"
#include "kernel/fs/file.h"
#include "kernel/fs/filesystem.h"
#include "kernel/fs/format.h"
#include "kernel/mm/address_space.h"
#include "kernel/mm/layout.h"
#include "kernel/proc/exec.h"
#include "kernel/proc/process.h"

namespace rivet {

static_assert(RIVET_ABI_PAGE_SIZE == mm::kPageSize);
static_assert(RIVET_ABI_PAGE_SHIFT == mm::kPageShift);
static_assert(RIVET_ABI_USER_TOP == mm::kUserTop);
static_assert(RIVET_ABI_TRAMPOLINE == mm::kTrampoline);
static_assert(RIVET_ABI_TRAPFRAME == mm::kTrapFrame);
static_assert(RIVET_ABI_KERNEL_BASE == mm::kKernelBase);
static_assert(RIVET_ABI_USER_STACK_SIZE == kStackSize);

static_assert(RIVET_ABI_MAX_HARTS == dt::kMaxHarts);
static_assert(RIVET_ABI_MAX_PROCESSES == kMaxProcesses);
static_assert(RIVET_ABI_MAX_DEVICES == fs::kMaxDevices);
static_assert(RIVET_ABI_MAX_OPEN_FILES == fs::kMaxOpenFiles);
static_assert(RIVET_ABI_INODE_CACHE == fs::MountOptions{}.inodes);

static_assert(RIVET_ABI_BLOCK_SIZE == fs::kBlockSize);
static_assert(RIVET_ABI_DIRECT_BLOCKS == fs::kDirect);
static_assert(RIVET_ABI_ADDRS_PER_BLOCK == fs::kAddrsPerBlock);
static_assert(RIVET_ABI_MAX_FILE_BLOCKS == fs::kMaxFileBlocks);
static_assert(RIVET_ABI_MAX_OP_BLOCKS == fs::kMaxOpBlocks);

}  // namespace rivet

/* xv6's kernel/memlayout.h, as far as it holds on Rivet.
 *
 * A user address space is xv6's: Sv39, user addresses below MAXVA, the
 * trampoline in the top page and the trap frame below it (neither is
 * readable by the program), text at 0x10000.
 *
 * The physical layout is not fixed. Rivet runs on several boards and takes
 * RAM from the device tree, so RAM starts at 0x80000000 on QEMU virt and
 * the SiFive boards but at 0x40000000 on the VisionFive 2, and its end
 * depends on the machine. There is therefore no PHYSTOP, and no UART0,
 * VIRTIO0, PLIC or CLINT addresses (user programs cannot reach devices in
 * any case). memstat() reports the memory the kernel manages:
 *   struct memstat m; memstat(&m);  m.total_pages * PGSIZE bytes
 * KERNBASE is the kernel's virtual link address, not the start of RAM as
 * in xv6 (where the two are the same).
 */
#ifndef RIVET_SDK_KERNEL_MEMLAYOUT_H
#define RIVET_SDK_KERNEL_MEMLAYOUT_H
#include "rivet/abi_layout.h"

#ifndef MAXVA
#define MAXVA RIVET_ABI_USER_TOP                /* 0x4000000000, as xv6 (also in riscv.h) */
#endif
#define TRAMPOLINE RIVET_ABI_TRAMPOLINE          /* MAXVA - PGSIZE */
#define TRAPFRAME RIVET_ABI_TRAPFRAME            /* TRAMPOLINE - PGSIZE */
#define KERNBASE RIVET_ABI_KERNEL_BASE           /* 0xffffffff80000000 */

#endif

/* xv6's kernel/riscv.h, the part that works in a user program: page size
 * and rounding, page-table-entry bits, and the registers and CSRs user mode
 * may read (sp, tp, ra; time, cycle, instret). xv6's accessors for
 * supervisor and machine CSRs (r_sstatus, w_satp, r_mhartid, ...) are left
 * out on purpose: in user mode they trap and the kernel kills the program,
 * so a program that uses one fails to compile instead.
 * Rivet's time CSR counts at the machine's timebase (10 MHz on QEMU virt);
 * cycle counts host ticks under QEMU.
 */
#ifndef RIVET_SDK_KERNEL_RISCV_H
#define RIVET_SDK_KERNEL_RISCV_H
#include "kernel/types.h"
#include "rivet/abi_layout.h"

#define PGSIZE RIVET_ABI_PAGE_SIZE    /* bytes per page */
#define PGSHIFT RIVET_ABI_PAGE_SHIFT  /* bits of offset within a page */
#define PGROUNDUP(sz) (((sz) + PGSIZE - 1) & ~(PGSIZE - 1))
#define PGROUNDDOWN(a) (((a)) & ~(PGSIZE - 1))

#define PTE_V (1L << 0)  /* valid */
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4)  /* user can access */
#define PA2PTE(pa) ((((uint64)pa) >> 12) << 10)
#define PTE2PA(pte) (((pte) >> 10) << 12)
#define PTE_FLAGS(pte) ((pte) & 0x3FF)
#define PXMASK 0x1FF  /* 9 bits */
#define PXSHIFT(level) (PGSHIFT + (9 * (level)))
#define PX(level, va) ((((uint64)(va)) >> PXSHIFT(level)) & PXMASK)
/* One beyond the highest user virtual address (Sv39). */
#define MAXVA RIVET_ABI_USER_TOP

#ifndef __ASSEMBLER__
typedef uint64 pte_t;
typedef uint64* pagetable_t;  /* 512 PTEs */

static inline uint64 r_sp(void) {
  uint64 x;
  __asm__ __volatile__("mv %0, sp" : "=r"(x));
  return x;
}

static inline uint64 r_tp(void) {
  uint64 x;
  __asm__ __volatile__("mv %0, tp" : "=r"(x));
  return x;
}

static inline uint64 r_ra(void) {
  uint64 x;
  __asm__ __volatile__("mv %0, ra" : "=r"(x));
  return x;
}

static inline uint64 r_time(void) {
  uint64 x;
  __asm__ __volatile__("csrr %0, time" : "=r"(x));
  return x;
}

static inline uint64 r_cycle(void) {
  uint64 x;
  __asm__ __volatile__("csrr %0, cycle" : "=r"(x));
  return x;
}

static inline uint64 r_instret(void) {
  uint64 x;
  __asm__ __volatile__("csrr %0, instret" : "=r"(x));
  return x;
}
#endif

#endif

/*
 * Kernel entry: the RISC-V Linux image header, the boot hart's first
 * instructions and the entry point of every hart started through SBI HSM.
 *
 * The firmware (OpenSBI directly, or U-Boot's booti) enters in S-mode with the
 * MMU off, a0 = hart id, a1 = physical address of the device tree, at a
 * physical address of its choosing. Until the MMU is on, only PC-relative
 * addressing may be used: `la` (lla under medany) yields physical addresses.
 */

#include "kernel/mm/layout_asm.h"

#define SATP_SV39 (RIVET_SATP_MODE_SV39 << RIVET_SATP_MODE_SHIFT)
#define EARLY_LEAF (RIVET_PTE_V | RIVET_PTE_R | RIVET_PTE_W | RIVET_PTE_X | RIVET_PTE_G | RIVET_PTE_A | RIVET_PTE_D)

#define KERNEL_ROOT_INDEX RIVET_KERNEL_ROOT_INDEX
#define DIRECT_ROOT_INDEX RIVET_DIRECT_ROOT_INDEX
#define EARLY_MEGAPAGES 32        /* the image may span 64 MiB while booting */

/* ---- the image header (Documentation/riscv/boot-image-header in Linux) --- */
    .section .head.text, "ax"
    .option push
    .option norvc          /* code0 must be one 4-byte instruction */
    .globl _start
_start:
    j       boot_entry        /* code0 */
    .word   0                 /* code1 */
    .dword  0x200000          /* text_offset: load at RAM base + 2 MiB */
    .dword  _image_size       /* image_size, BSS included */
    .dword  0                 /* flags: little endian */
    .word   2                 /* version 0.2 */
    .word   0                 /* res1 */
    .dword  0                 /* res2 */
    .ascii  "RISCV\0\0\0"     /* magic (deprecated, kept for old loaders) */
    .ascii  "RSC\x05"         /* magic2: what booti checks */
    .word   0                 /* res3 */
    .option pop

    .section .text.boot, "ax"

/* Boot hart. a0 = hart id, a1 = device tree (physical). */
boot_entry:
    csrw    sie, zero
    csrw    sip, zero
    mv      s0, a0
    mv      s1, a1
    lla     s2, _start                /* physical load address */

    /* Zero the BSS through its physical address. */
    lla     t0, _bss_start
    lla     t1, _bss_end
1:  bgeu    t0, t1, 2f
    sd      zero, 0(t0)
    addi    t0, t0, 8
    j       1b
2:
    /*
     * Early page table: the kernel's 1 GiB slot points at early_kernel_l1,
     * whose 2 MiB leaves map the image from its load address; one more
     * gigapage maps the device tree's gigabyte into the direct map so
     * C++ can read it. kernel_main replaces all of this.
     */
    lla     t0, early_root
    lla     t1, early_kernel_l1
    srli    t2, t1, 12
    slli    t2, t2, 10
    ori     t2, t2, RIVET_PTE_V
    li      t3, KERNEL_ROOT_INDEX * 8
    add     t3, t0, t3
    sd      t2, 0(t3)

    mv      t4, s2
    li      t5, EARLY_MEGAPAGES
    li      t6, 0x200000
3:  srli    t2, t4, 12
    slli    t2, t2, 10
    ori     t2, t2, EARLY_LEAF
    sd      t2, 0(t1)
    addi    t1, t1, 8
    add     t4, t4, t6
    addi    t5, t5, -1
    bnez    t5, 3b

    /* root[DIRECT_ROOT_INDEX + dtb/1GiB] = gigapage covering the tree. */
    srli    t3, s1, 30
    slli    t2, t3, 28                /* PPN of the gigapage, << 10 */
    ori     t2, t2, (RIVET_PTE_V | RIVET_PTE_R | RIVET_PTE_W | RIVET_PTE_G | RIVET_PTE_A | RIVET_PTE_D)
    addi    t3, t3, DIRECT_ROOT_INDEX
    slli    t3, t3, 3
    add     t3, t0, t3
    sd      t2, 0(t3)

    /*
     * Turn the MMU on. The instruction after the satp write is fetched from
     * a physical address the new table does not map, so it faults and the
     * trap lands on stvec: the virtual address of boot_high.
     */
    ld      t1, .Lboot_high_va
    csrw    stvec, t1
    srli    t0, t0, 12
    li      t2, SATP_SV39
    or      t0, t0, t2
    sfence.vma
    csrw    satp, t0
    jr      t1

    .balign 8
.Lboot_high_va:
    .dword  boot_high

    .balign 4
boot_high:
    sfence.vma
    la      sp, boot_stack_top        /* now a virtual address */
    mv      a0, s0                    /* hart id */
    mv      a1, s1                    /* device tree, physical */
    mv      a2, s2                    /* kernel load address, physical */
    mv      fp, zero                  /* fp is s0: end of the backtrace chain */
    call    kernel_main
4:  wfi
    j       4b

/*
 * Secondary harts, started with sbi_hart_start(hartid, secondary_entry_pa,
 * opaque). a0 = hart id, a1 = opaque = virtual address of the hart's Cpu,
 * whose first two words are the stack top and the satp to use.
 * The kernel page table already maps the image, so the Cpu can be read only
 * after the switch; its satp comes from the physical alias of kernel_satp.
 */
    .globl secondary_entry
secondary_entry:
    csrw    sie, zero
    csrw    sip, zero
    mv      s0, a0
    mv      s1, a1
    lla     t0, kernel_satp
    ld      t0, 0(t0)
    ld      t1, .Lsecondary_high_va
    csrw    stvec, t1
    sfence.vma
    csrw    satp, t0
    jr      t1

    .balign 8
.Lsecondary_high_va:
    .dword  secondary_high

    .balign 4
secondary_high:
    sfence.vma
    mv      tp, s1
    ld      sp, 0(tp)                 /* Cpu::boot_stack_top */
    mv      a0, s0
    mv      a1, s1
    mv      fp, zero                  /* fp is s0: end of the backtrace chain */
    call    secondary_main
5:  wfi
    j       5b

    .section .bss
    .balign 4096
    .globl early_root
early_root:
    .space  4096
early_kernel_l1:
    .space  4096
    .balign 16
boot_stack:
    .space  16384
    .globl boot_stack_top
boot_stack_top:

/*
 * The numbers of the address-space layout and the Sv39 page-table format
 * that assembly needs too, written once: this header is plain #defines so
 * that entry.S and trampoline.S include it as well as C++. The C++ names
 * (kernel/mm/layout.h, page_table.h, address_space.h, proc/elf.h) are
 * defined from these or checked against them with static_asserts.
 */
#ifndef RIVET_MM_LAYOUT_ASM_H
#define RIVET_MM_LAYOUT_ASM_H

#define RIVET_PAGE_SIZE 0x1000
#define RIVET_USER_TOP 0x4000000000              /* one past the last user address */
#define RIVET_TRAMPOLINE (RIVET_USER_TOP - RIVET_PAGE_SIZE)
#define RIVET_TRAPFRAME (RIVET_TRAMPOLINE - RIVET_PAGE_SIZE)
#define RIVET_DIRECT_MAP_BASE 0xffffffc000000000
#define RIVET_KERNEL_BASE 0xffffffff80000000

/* VPN[2] (root-table index) of the direct map's and the kernel image's bases. */
#define RIVET_DIRECT_ROOT_INDEX 0x100
#define RIVET_KERNEL_ROOT_INDEX 0x1fe

/* Sv39: satp's mode field (MODE = 8 in bits 63:60) and the PTE bits. */
#define RIVET_SATP_MODE_SV39 8
#define RIVET_SATP_MODE_SHIFT 60
#define RIVET_PTE_V 0x001
#define RIVET_PTE_R 0x002
#define RIVET_PTE_W 0x004
#define RIVET_PTE_X 0x008
#define RIVET_PTE_U 0x010
#define RIVET_PTE_G 0x020
#define RIVET_PTE_A 0x040
#define RIVET_PTE_D 0x080

#endif

/*
 * The trampoline: the one page mapped at the same virtual address
 * (mm::kTrampoline, the top of user space) in the kernel's page table and in
 * every user page table, so the code survives the satp switch in both
 * directions. It is mapped without PTE_U: user code cannot run it, but a trap
 * from user mode (stvec points at uservec) can.
 *
 * sscratch is free while in user mode; uservec uses it to keep a0 while it
 * loads the trapframe's address. The trapframe is the page right below
 * (RIVET_TRAPFRAME, kernel/mm/layout_asm.h).
 */
#include "kernel/mm/layout_asm.h"
#define TRAPFRAME RIVET_TRAPFRAME

    .section .text.trampoline, "ax"
    .balign 4096
    .globl trampoline
trampoline:
    .globl uservec
    .balign 4
uservec:
    csrw    sscratch, a0
    li      a0, TRAPFRAME
    sd      ra, 40(a0)
    sd      sp, 48(a0)
    sd      gp, 56(a0)
    sd      tp, 64(a0)
    sd      t0, 72(a0)
    sd      t1, 80(a0)
    sd      t2, 88(a0)
    sd      s0, 96(a0)
    sd      s1, 104(a0)
    sd      a1, 120(a0)
    sd      a2, 128(a0)
    sd      a3, 136(a0)
    sd      a4, 144(a0)
    sd      a5, 152(a0)
    sd      a6, 160(a0)
    sd      a7, 168(a0)
    sd      s2, 176(a0)
    sd      s3, 184(a0)
    sd      s4, 192(a0)
    sd      s5, 200(a0)
    sd      s6, 208(a0)
    sd      s7, 216(a0)
    sd      s8, 224(a0)
    sd      s9, 232(a0)
    sd      s10, 240(a0)
    sd      s11, 248(a0)
    sd      t3, 256(a0)
    sd      t4, 264(a0)
    sd      t5, 272(a0)
    sd      t6, 280(a0)
    csrr    t0, sscratch
    sd      t0, 112(a0)

    ld      sp, 8(a0)               /* kernel stack */
    ld      tp, 32(a0)              /* this hart's Cpu */
    ld      t0, 16(a0)              /* user_trap */
    ld      t1, 0(a0)               /* kernel page table */
    mv      fp, zero                /* the backtrace ends here */
    /* Order the user-page-table accesses above before the switch, and flush
       user translations so none survive into the kernel's table. */
    sfence.vma zero, zero
    csrw    satp, t1
    sfence.vma zero, zero
    jr      t0                      /* user_trap() does not return */

/* userret(a0 = user satp): switch to the user page table, restore the user
   registers from the trapframe and sret to the user pc (sepc). */
    .globl userret
    .balign 4
userret:
    sfence.vma zero, zero
    csrw    satp, a0
    sfence.vma zero, zero
    li      a0, TRAPFRAME
    ld      ra, 40(a0)
    ld      sp, 48(a0)
    ld      gp, 56(a0)
    ld      tp, 64(a0)
    ld      t0, 72(a0)
    ld      t1, 80(a0)
    ld      t2, 88(a0)
    ld      s0, 96(a0)
    ld      s1, 104(a0)
    ld      a1, 120(a0)
    ld      a2, 128(a0)
    ld      a3, 136(a0)
    ld      a4, 144(a0)
    ld      a5, 152(a0)
    ld      a6, 160(a0)
    ld      a7, 168(a0)
    ld      s2, 176(a0)
    ld      s3, 184(a0)
    ld      s4, 192(a0)
    ld      s5, 200(a0)
    ld      s6, 208(a0)
    ld      s7, 216(a0)
    ld      s8, 224(a0)
    ld      s9, 232(a0)
    ld      s10, 240(a0)
    ld      s11, 248(a0)
    ld      t3, 256(a0)
    ld      t4, 264(a0)
    ld      t5, 272(a0)
    ld      t6, 280(a0)
    ld      a0, 112(a0)
    sret
    .balign 4096

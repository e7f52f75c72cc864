/* Reset entry and trap vector shared by the RISC-V ports. The loader (QEMU's
 * -kernel, the ESP32-C3 ROM reading the ESP image) has put .text, .rodata and
 * .data where they run, so only .bss is cleared here. */
    .section .text.start, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la sp, _estack
    /* Vectored mode (the C3 requires it): exceptions enter at the base, and no
     * interrupt is ever taken (mstatus.MIE stays 0; WFI only waits on them). */
    la t0, riscv_vectors
    ori t0, t0, 1
    csrw mtvec, t0
    la t0, _sbss
    la t1, _ebss
1:  bgeu t0, t1, 2f
    sw zero, 0(t0)
    addi t0, t0, 4
    j 1b
2:  call main
3:  j 3b

/* Any exception (illegal instruction, misaligned or faulting access, ebreak)
 * resets the board with the cause recorded, so the host sees a BOOT event. */
    .section .text.vectors, "ax"
    .balign 256
riscv_vectors:
    la sp, _estack
    call riscv_fault
4:  j 4b

/* The virt machine's NS16550A (UART0, PLIC source 10): receive by polling the
 * FIFO, which QEMU fills only as far as it has room (nothing is dropped), and
 * sleep in WFI until the PLIC has the UART's interrupt pending. Interrupts are
 * never taken (mstatus.MIE stays 0): WFI wakes on a pending one regardless. */
#include "../riscv/riscv.h"
#include "hil/hal.h"

#define UART0 0x10000000u
#define UART_RBR (UART0 + 0u) /* 8-bit registers, reg-shift 0 */
#define UART_THR (UART0 + 0u)
#define UART_IER (UART0 + 1u)
#define UART_FCR (UART0 + 2u)
#define UART_MCR (UART0 + 4u)
#define UART_LSR (UART0 + 5u)
#define LSR_DATA_READY 0x01u
#define LSR_THR_EMPTY 0x20u
#define UART_IRQ 10u

#define PLIC 0x0C000000u
#define PLIC_PRIORITY(src) (PLIC + 4u * (src))
#define PLIC_ENABLE_CTX0 (PLIC + 0x2000u) /* hart 0, machine mode */
#define PLIC_THRESHOLD_CTX0 (PLIC + 0x200000u)
#define PLIC_CLAIM_CTX0 (PLIC + 0x200004u)

#define REG8(addr) (*(volatile uint8_t *)(uintptr_t)(addr))

void rv32virt_uart_init(void)
{
    REG8(UART_FCR) = 0x07u; /* FIFOs on and cleared */
    REG8(UART_MCR) = 0x08u; /* OUT2: the interrupt line */
    REG8(UART_IER) = 0x01u; /* received data available */
    MMIO32(PLIC_PRIORITY(UART_IRQ)) = 1u;
    MMIO32(PLIC_ENABLE_CTX0) = 1u << UART_IRQ;
    MMIO32(PLIC_THRESHOLD_CTX0) = 0u;
    RISCV_CSR_SET(mie, RISCV_MIE_MEIE);
}

int hal_serial_getc(void)
{
    if ((REG8(UART_LSR) & LSR_DATA_READY) == 0u) {
        return -1;
    }
    return REG8(UART_RBR);
}

void hal_serial_write(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while ((REG8(UART_LSR) & LSR_THR_EMPTY) == 0u) {
        }
        REG8(UART_THR) = buf[i];
    }
}

void hal_idle(void)
{
    /* A byte landing between the check and the WFI leaves the PLIC's pending
     * bit set, so the WFI returns at once: nothing is slept through. */
    if ((REG8(UART_LSR) & LSR_DATA_READY) == 0u) {
        __asm__ volatile("wfi");
    }
    uint32_t claim = MMIO32(PLIC_CLAIM_CTX0); /* re-arm the gateway: complete what is pending */
    if (claim != 0u) {
        MMIO32(PLIC_CLAIM_CTX0) = claim;
    }
}

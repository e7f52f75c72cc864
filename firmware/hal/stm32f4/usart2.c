/* USART2 receive by interrupt into a ring; transmit by polling TXE.
 * When the ring fills, the ISR stops taking bytes (RXNEIE off) instead of
 * dropping them: QEMU then holds them back, a real UART flags an overrun and
 * the frame fails its CRC, which the protocol recovers from. */
#include "hil/hal.h"
#include "regs.h"

#define RING_BYTES 1024u /* power of two */

static volatile uint8_t ring[RING_BYTES];
static volatile uint32_t ring_head; /* written by the ISR */
static volatile uint32_t ring_tail; /* written by the main loop */
static volatile int rx_paused;      /* ISR turned RXNEIE off: ring was full */

void stm32_usart2_init(uint32_t baud)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART2EN;
    /* PA2 = TX, PA3 = RX, alternate function 7. */
    GPIOA_MODER = (GPIOA_MODER & ~(0xFu << 4)) | (0xAu << 4);
    GPIOA_AFRL = (GPIOA_AFRL & ~(0xFFu << 8)) | (0x77u << 8);
    USART2_BRR = (stm32_pclk1_hz + baud / 2u) / baud;
    USART2_CR1 = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    NVIC_ISER(USART2_IRQN / 32u) = 1u << (USART2_IRQN % 32u);
}

void USART2_IRQHandler(void)
{
    uint32_t sr = USART2_SR; /* reading SR then DR also clears an overrun */
    if ((sr & USART_SR_RXNE) == 0u) {
        (void)USART2_DR;
        return;
    }
    if (ring_head - ring_tail >= RING_BYTES) {
        USART2_CR1 &= ~USART_CR1_RXNEIE;
        rx_paused = 1;
        return;
    }
    ring[ring_head % RING_BYTES] = (uint8_t)USART2_DR;
    ring_head++;
}

int hal_serial_getc(void)
{
    if (ring_head == ring_tail) {
        return -1;
    }
    uint8_t b = ring[ring_tail % RING_BYTES];
    ring_tail++;
    if (rx_paused) { /* a RAM flag: each register access costs QEMU its big lock */
        cpu_irq_disable();
        rx_paused = 0;
        USART2_CR1 |= USART_CR1_RXNEIE;
        cpu_irq_enable();
    }
    return b;
}

void hal_serial_write(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        while ((USART2_SR & USART_SR_TXE) == 0u) {
        }
        USART2_DR = buf[i];
    }
}

void hal_idle(void)
{
    /* WFI with interrupts masked still wakes on a pending IRQ, so a byte that
     * lands between the check and the WFI is not slept through. */
    cpu_irq_disable();
    if (ring_head == ring_tail) {
        cpu_wfi();
    }
    cpu_irq_enable();
}

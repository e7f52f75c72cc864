/* 180 MHz from the ST-LINK's 8 MHz MCO (HSE bypass) or, failing that, HSI.
 * Every wait has a timeout: QEMU's RCC reads 0, so its ready bits never rise
 * and the board keeps running on HSI (reported as clock not locked). */
#include "regs.h"

#define WAIT_LOOPS 200000u

uint32_t stm32_pclk1_hz = 16000000u;

static int wait_set(volatile uint32_t *reg, uint32_t mask)
{
    for (uint32_t i = 0; i < WAIT_LOOPS; i++) {
        if ((*reg & mask) == mask) {
            return 1;
        }
    }
    return 0;
}

int stm32_clock_init(void)
{
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    PWR_CR |= PWR_CR_VOS_SCALE1;
    RCC_CR |= RCC_CR_HSEON | RCC_CR_HSEBYP;
    int hse = wait_set(&RCC_CR, RCC_CR_HSERDY);
    /* VCO input 1 MHz: M = 8 (HSE) or 16 (HSI); N = 360; P = 2 -> 180 MHz; Q = 8. */
    uint32_t pllm = hse ? 8u : 16u;
    RCC_PLLCFGR = pllm | (360u << 6) | (0u << 16) | ((hse ? 1u : 0u) << 22) | (8u << 24) | (2u << 28);
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_set(&RCC_CR, RCC_CR_PLLRDY)) {
        return 0;
    }
    PWR_CR |= PWR_CR_ODEN;
    if (!wait_set(&PWR_CSR, PWR_CSR_ODRDY)) {
        return 0;
    }
    PWR_CR |= PWR_CR_ODSWEN;
    if (!wait_set(&PWR_CSR, PWR_CSR_ODSWRDY)) {
        return 0;
    }
    /* 5 wait states at 180 MHz / 3.3 V; prefetch, I- and D-cache on. */
    FLASH_ACR = 5u | (1u << 8) | (1u << 9) | (1u << 10);
    /* AHB /1, APB1 /4 (45 MHz), APB2 /2 (90 MHz), then switch to the PLL. */
    RCC_CFGR = (RCC_CFGR & ~0xFCF3u) | (5u << 10) | (4u << 13) | 2u;
    for (uint32_t i = 0; i < WAIT_LOOPS; i++) {
        if (((RCC_CFGR >> 2) & 3u) == 2u) {
            stm32_pclk1_hz = 45000000u;
            return 1;
        }
    }
    return 0;
}

/* DWT CYCCNT counts cycles on silicon; QEMU 7.2 has no DWT (reads 0). There
 * TIM2 runs from the 1 GHz virtual clock, which under -icount shift=0 advances
 * 1 ns per instruction, so TIM2 counts instructions. */
#include "hil/hal.h"
#include "regs.h"

static int use_dwt;

int stm32_counter_init(void)
{
    CORE_DEMCR |= 1u << 24; /* TRCENA */
    DWT_CYCCNT = 0u;
    DWT_CTRL |= 1u;         /* CYCCNTENA */
    uint32_t before = DWT_CYCCNT;
    for (volatile int i = 0; i < 16; i++) {
    }
    if (DWT_CYCCNT != before) {
        use_dwt = 1;
        return HIL_COUNTER_DWT;
    }
    RCC_APB1ENR |= RCC_APB1ENR_TIM2EN;
    TIM2_PSC = 0u;
    TIM2_ARR = 0xFFFFFFFFu;
    TIM2_EGR = 1u; /* UG: load the prescaler */
    TIM2_CR1 = 1u; /* CEN */
    return HIL_COUNTER_TIM2_ICOUNT;
}

uint32_t hal_cycles(void)
{
    return use_dwt ? DWT_CYCCNT : TIM2_CNT;
}

/* Vector table and reset entry for the STM32F446RE (97 IRQs). */
#include <stdint.h>
#include <string.h>

#include "hil/hal.h"
#include "regs.h"

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
extern int main(void);

void USART2_IRQHandler(void);

void Reset_Handler(void)
{
    memcpy(_sdata, _sidata, (size_t)((uint8_t *)_edata - (uint8_t *)_sdata));
    memset(_sbss, 0, (size_t)((uint8_t *)_ebss - (uint8_t *)_sbss));
    SCB_CPACR |= 0xFu << 20; /* CP10, CP11 full access: FPU on */
    cpu_dsb_isb();
    main();
    for (;;) {
    }
}

/* Any fault or stray interrupt resets the board with the cause recorded, so
 * the host sees a BOOT event instead of a board that no longer answers. */
void Fault_Handler(void)
{
    hal_system_reset(HIL_RESET_FAULT);
}

#define IRQ_COUNT 97u

__attribute__((section(".isr_vector"), used)) static void (*const vectors[16u + IRQ_COUNT])(void) = {
    [0] = (void (*)(void))_estack,
    [1] = Reset_Handler,
    [2 ... 15] = Fault_Handler,
    [16 ... 16u + USART2_IRQN - 1u] = Fault_Handler,
    [16u + USART2_IRQN] = USART2_IRQHandler,
    [16u + USART2_IRQN + 1u ... 16u + IRQ_COUNT - 1u] = Fault_Handler,
};

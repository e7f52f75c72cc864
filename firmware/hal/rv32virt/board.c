/* hal.h for qemu-rv32: QEMU's riscv32 virt machine running the ESP32-C3's
 * firmware sources. The counter is mcycle, which QEMU under -icount advances
 * by one per executed instruction: the board reports it as rv-icount. */
#include "../riscv/riscv.h"
#include "hil/hal.h"

#define SIFIVE_TEST 0x00100000u /* virt's test device: writes reset or stop the machine */
#define SIFIVE_TEST_RESET 0x7777u

static hal_board_info_t info = RISCV_C3_BOARD_INFO("qemu-rv32", HIL_COUNTER_RV_ICOUNT);

void rv32virt_uart_init(void);

void hal_init(void)
{
    info.reset_cause = (hil_reset_cause_t)riscv_boot_cause();
    rv32virt_uart_init();
}

const hal_board_info_t *hal_board_info(void)
{
    return &info;
}

uint32_t hal_cycles(void)
{
    return RISCV_CSR_READ(mcycle);
}

void hal_system_reset(hil_reset_cause_t cause)
{
    riscv_note_reset((uint32_t)cause);
    MMIO32(SIFIVE_TEST) = SIFIVE_TEST_RESET;
    for (;;) {
    }
}

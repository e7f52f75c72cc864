/* What the RISC-V ports share: the model region from the linker script, the
 * reset note, and the fault entry. The board files (hal/rv32virt,
 * hal/esp32c3) supply the serial link, the counter and the reset itself. */
#include "hil/hal.h"
#include "riscv.h"

extern uint8_t _model_start[];
extern uint8_t _model_end[];

riscv_reset_note_t riscv_reset_note __attribute__((section(".noinit")));

void riscv_fault(void);

uint32_t riscv_boot_cause(void)
{
    uint32_t cause = riscv_reset_note.magic == RISCV_RESET_MAGIC ? riscv_reset_note.cause : HIL_RESET_POWER_ON;
    riscv_reset_note.magic = 0u;
    return cause;
}

void riscv_note_reset(uint32_t cause)
{
    riscv_reset_note.magic = RISCV_RESET_MAGIC;
    riscv_reset_note.cause = cause;
}

void riscv_fault(void)
{
    hal_system_reset(HIL_RESET_FAULT);
}

void hal_model_region(uint8_t **base, size_t *size)
{
    *base = _model_start;
    *size = (size_t)(_model_end - _model_start);
}

void hal_model_slot(const uint8_t **base, size_t *size)
{
    *base = NULL; /* no flash slot: the C3 image runs from SRAM; models are uploaded */
    *size = 0u;
}

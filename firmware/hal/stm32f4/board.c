/* hal.h for the NUCLEO-F446RE and its QEMU stand-in (one ELF for both). */
#include "hil/hal.h"
#include "regs.h"

#define NOMINAL_CLOCK_HZ 180000000u
#define RESET_MAGIC 0x48494C52u /* "HILR" */

/* Survives a system reset (not zeroed by startup, not loaded from the ELF). */
static struct {
    uint32_t magic;
    uint32_t cause;
} reset_note __attribute__((section(".noinit")));

extern uint8_t _model_start[];
extern uint8_t _model_end[];
extern const uint8_t _slot_start[]; /* flash sectors 5-7 (stm32f446re.ld) */
extern const uint8_t _slot_end[];

static hal_board_info_t info = {
    .clock_hz = NOMINAL_CLOCK_HZ,
    .flash_bytes = 512u * 1024u,
    .ram_bytes = 128u * 1024u,
};

void hal_init(void)
{
    info.reset_cause = reset_note.magic == RESET_MAGIC ? (hil_reset_cause_t)reset_note.cause
                                                       : HIL_RESET_POWER_ON;
    reset_note.magic = 0u;
    int locked = stm32_clock_init();
    info.flags = HIL_BOARD_FLAG_FPU | (locked ? HIL_BOARD_FLAG_CLOCK_LOCKED : 0u);
    info.counter = (hil_counter_kind_t)stm32_counter_init();
    /* The same ELF runs on silicon and in QEMU; only silicon has a DWT. */
    info.board_id = info.counter == HIL_COUNTER_DWT ? "nucleo-f446" : "qemu-f446";
    stm32_usart2_init(115200u);
}

const hal_board_info_t *hal_board_info(void)
{
    return &info;
}

void hal_system_reset(hil_reset_cause_t cause)
{
    reset_note.magic = RESET_MAGIC;
    reset_note.cause = (uint32_t)cause;
    cpu_dsb_isb();
    SCB_AIRCR = (0x05FAu << 16) | (1u << 2); /* SYSRESETREQ */
    cpu_dsb_isb();
    for (;;) {
    }
}

void hal_model_region(uint8_t **base, size_t *size)
{
    *base = _model_start;
    *size = (size_t)(_model_end - _model_start);
}

void hal_model_slot(const uint8_t **base, size_t *size)
{
    *base = _slot_start;
    *size = (size_t)(_slot_end - _slot_start);
}

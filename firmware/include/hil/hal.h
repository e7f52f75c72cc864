/* The port interface: everything board-specific the firmware needs.
 * A port (hal/<port>/) implements exactly these functions and nothing else
 * is allowed to touch hardware. */
#ifndef HIL_HAL_H
#define HIL_HAL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HIL_COUNTER_NONE = 0,
    HIL_COUNTER_DWT = 1,         /* DWT CYCCNT: CPU cycles on silicon */
    HIL_COUNTER_TIM2_ICOUNT = 2, /* TIM2 under QEMU -icount shift=0: instructions */
    HIL_COUNTER_HOST_NS = 3,     /* host build: CLOCK_MONOTONIC nanoseconds */
    HIL_COUNTER_CCOUNT = 4,      /* Xtensa CCOUNT: CPU cycles on ESP32 */
    HIL_COUNTER_RV_ICOUNT = 5,   /* RISC-V mcycle under QEMU -icount: instructions */
    HIL_COUNTER_MPCCR = 6        /* ESP32-C3 mpccr (CSR 0x7E2): CPU cycles */
} hil_counter_kind_t;

typedef enum {
    HIL_RESET_POWER_ON = 0, /* cold boot or unknown cause */
    HIL_RESET_SOFTWARE = 1, /* RESET command */
    HIL_RESET_FAULT = 2     /* a fault handler reset the core */
} hil_reset_cause_t;

#define HIL_BOARD_FLAG_CLOCK_LOCKED 0x01u /* PLL reached the nominal clock */
#define HIL_BOARD_FLAG_FPU 0x02u          /* FPU enabled */

typedef struct {
    const char *board_id;       /* board id as in boards/<id>.yaml */
    uint32_t clock_hz;          /* nominal core clock of the board */
    uint32_t flash_bytes;       /* flash of the target part */
    uint32_t ram_bytes;         /* SRAM of the target part */
    hil_counter_kind_t counter; /* what hal_cycles() counts */
    uint8_t flags;              /* HIL_BOARD_FLAG_* */
    hil_reset_cause_t reset_cause;
} hal_board_info_t;

/* Bring up clocks, the host serial link and the counter. Called once at boot. */
void hal_init(void);

/* Static description of the running board; valid after hal_init(). */
const hal_board_info_t *hal_board_info(void);

/* Next received byte (0..255), or -1 when none is waiting. Never blocks. */
int hal_serial_getc(void);

/* Send len bytes to the host; returns when they are handed to the hardware. */
void hal_serial_write(const uint8_t *buf, size_t len);

/* Sleep until something may have arrived (interrupt, socket data). */
void hal_idle(void);

/* Free-running counter of the kind in hal_board_info()->counter; wraps at 2^32. */
uint32_t hal_cycles(void);

/* Reset the board as silicon would; records `cause` for the next boot. No return. */
void hal_system_reset(hil_reset_cause_t cause);

/* The RAM region that model blobs and arenas may use: [*base, *base + *size). */
void hal_model_region(uint8_t **base, size_t *size);

/* The flash slot that may hold a model image (hil/slot.h): [*base, *base + *size),
 * read in place, never written by the firmware; *size is 0 on a board without one. */
void hal_model_slot(const uint8_t **base, size_t *size);

#endif

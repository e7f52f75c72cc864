/* hal.h for the ESP32-C3 (esp32c3-devkitm): the firmware as an ESP image that
 * the ROM loads into SRAM (esp32c3.ld), no ESP-IDF, no second-stage loader.
 *
 * NOT RUN HERE: no C3 is attached to the lab machine and no emulator models
 * its peripherals; qemu-rv32 runs the same sources on the same core ISA. The
 * register addresses are those of the ESP32-C3 Technical Reference Manual
 * (RTC_CNTL at 0x60008000, TIMG0 at 0x6001F000). Tests that need the silicon
 * carry the hw marker (tests/test_esp32.py).
 *
 * Counter: the C3 has no mcycle (reading it traps); its cycle counter is
 * Espressif's machine performance counter mpccr (CSR 0x7E2), counting the
 * event mpcer (0x7E0) selects (bit 0: cycles) while mpcmr (0x7E1) enables it.
 * Clock: left as the ROM set it; cycles from SRAM do not depend on it, and
 * the board does not claim the nominal 160 MHz (no CLOCK_LOCKED flag). */
#include "../riscv/riscv.h"
#include "hil/hal.h"

#define RTC_CNTL 0x60008000u
#define RTC_CNTL_OPTIONS0 (RTC_CNTL + 0x00u)
#define RTC_CNTL_SW_SYS_RST (1u << 31)
#define RTC_CNTL_WDTCONFIG0 (RTC_CNTL + 0x90u)
#define RTC_CNTL_WDTWPROTECT (RTC_CNTL + 0xA8u)
#define RTC_CNTL_SWD_CONF (RTC_CNTL + 0xACu)
#define RTC_CNTL_SWD_WPROTECT (RTC_CNTL + 0xB0u)
#define RTC_CNTL_SWD_AUTO_FEED (1u << 31)
#define TIMG0_WDTCONFIG0 (0x6001F000u + 0x48u)
#define TIMG0_WDTWPROTECT (0x6001F000u + 0x64u)
#define WDT_KEY 0x50D83AA1u
#define SWD_KEY 0x8F1D312Au

static hal_board_info_t info = RISCV_C3_BOARD_INFO("esp32c3-devkitm", HIL_COUNTER_MPCCR);

void esp32c3_usb_init(void);

/* The ROM leaves the RTC and TIMG0 watchdogs armed for a flash boot, and the
 * super watchdog wants feeding: a firmware without ESP-IDF turns them off. */
static void watchdogs_off(void)
{
    MMIO32(RTC_CNTL_WDTWPROTECT) = WDT_KEY;
    MMIO32(RTC_CNTL_WDTCONFIG0) = 0u;
    MMIO32(RTC_CNTL_WDTWPROTECT) = 0u;
    MMIO32(RTC_CNTL_SWD_WPROTECT) = SWD_KEY;
    MMIO32(RTC_CNTL_SWD_CONF) |= RTC_CNTL_SWD_AUTO_FEED;
    MMIO32(RTC_CNTL_SWD_WPROTECT) = 0u;
    MMIO32(TIMG0_WDTWPROTECT) = WDT_KEY;
    MMIO32(TIMG0_WDTCONFIG0) = 0u;
    MMIO32(TIMG0_WDTWPROTECT) = 0u;
}

void hal_init(void)
{
    watchdogs_off();
    info.reset_cause = (hil_reset_cause_t)riscv_boot_cause();
    RISCV_CSR_WRITE(0x7E0, 1u); /* mpcer: count cycles */
    RISCV_CSR_WRITE(0x7E1, 1u); /* mpcmr: counting on */
    esp32c3_usb_init();
}

const hal_board_info_t *hal_board_info(void)
{
    return &info;
}

uint32_t hal_cycles(void)
{
    return RISCV_CSR_READ(0x7E2);
}

void hal_system_reset(hil_reset_cause_t cause)
{
    riscv_note_reset((uint32_t)cause);
    MMIO32(RTC_CNTL_OPTIONS0) |= RTC_CNTL_SW_SYS_RST; /* SRAM outside the ROM's area keeps the note */
    for (;;) {
    }
}

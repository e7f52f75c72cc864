/* hal.h for the ESP32-DevKitC (ESP32-WROOM-32) under ESP-IDF v5.
 *
 * UNCOMPILED HERE: the lab machine has no Xtensa toolchain and no ESP-IDF, so
 * this port is written against the ESP-IDF v5 API but has never been built.
 * It is built by `pio run -e esp32dev` through firmware/CMakeLists.txt; make
 * never compiles it.
 *
 * Serial link: UART0, i.e. the DevKitC's CP2102N USB-UART bridge, at 921600
 * baud through the UART driver. The ROM and the bootloader print on UART0 at
 * 115200 before app_main(); the host sees that as noise ahead of the BOOT
 * frame. ESP-IDF's own log output is switched off because it would interleave
 * with link frames.
 * Counter: CCOUNT of the core the main task runs on (CPU0 by default).
 * Reset: esp_restart(); the cause survives in RTC slow memory (RTC_NOINIT).
 * Entry: ESP-IDF's main task calls app_main(), which runs the firmware's
 * main(); that never returns. */
#include <stddef.h>
#include <stdint.h>

#include <driver/uart.h>
#include <esp_attr.h>
#include <esp_cpu.h>
#include <esp_err.h>
#include <esp_log.h>
#include <esp_rom_sys.h>
#include <esp_system.h>
#include <freertos/FreeRTOS.h>

#include "hil/hal.h"

#define LINK_UART UART_NUM_0
#define LINK_BAUD 921600
#define UART_RX_RING_BYTES 4096 /* driver ring; must exceed the 128-byte FIFO */
#define IDLE_WAIT_MS 10         /* hal_idle() sleeps at most this long */
#define TX_DRAIN_MS 100         /* time a last reply gets before a reset */
#define NOMINAL_CLOCK_HZ 240000000u
#define RESET_MAGIC 0x48494C52u /* "HILR" */

/* ESP32 caps statically allocated DRAM (all .data + .bss of the app, ESP-IDF's
 * included) at about 160 KiB; if the link reports a DRAM overflow, build with
 * a smaller -DHIL_ESP32_MODEL_REGION_BYTES. */
#ifndef HIL_ESP32_MODEL_REGION_BYTES
#define HIL_ESP32_MODEL_REGION_BYTES (160u * 1024u)
#endif

int main(void); /* firmware/src/main.c */
void app_main(void);

typedef struct {
    uint32_t magic;
    uint32_t cause;
} reset_note_t;

/* Kept across esp_restart() (not cleared at boot); random after power-on. */
static RTC_NOINIT_ATTR reset_note_t reset_note;

static uint8_t rx_buf[256]; /* bytes taken from the driver, not yet consumed */
static size_t rx_len, rx_pos;
static uint8_t model_region[HIL_ESP32_MODEL_REGION_BYTES] __attribute__((aligned(8)));

static hal_board_info_t info = {
    .board_id = "esp32-devkitc",
    .clock_hz = NOMINAL_CLOCK_HZ,
    .flash_bytes = 4194304u,
    .ram_bytes = 327680u,
    .counter = HIL_COUNTER_CCOUNT,
};

static hil_reset_cause_t boot_cause(void)
{
    esp_reset_reason_t why = esp_reset_reason();
    int noted = reset_note.magic == RESET_MAGIC;
    reset_note.magic = 0u;
    if (noted && why == ESP_RST_SW) {
        return (hil_reset_cause_t)reset_note.cause;
    }
    switch (why) {
    case ESP_RST_PANIC: /* exception, abort(), failed assertion */
    case ESP_RST_INT_WDT:
    case ESP_RST_TASK_WDT:
    case ESP_RST_WDT:
        return HIL_RESET_FAULT;
    default:
        return HIL_RESET_POWER_ON;
    }
}

void hal_init(void)
{
    info.reset_cause = boot_cause();
    esp_log_level_set("*", ESP_LOG_NONE);
    const uart_config_t cfg = {
        .baud_rate = LINK_BAUD,
        .data_bits = UART_DATA_8_BITS,
        .parity = UART_PARITY_DISABLE,
        .stop_bits = UART_STOP_BITS_1,
        .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
        .source_clk = UART_SCLK_DEFAULT,
    };
    /* No TX ring: uart_write_bytes() returns once the bytes are in the FIFO. */
    ESP_ERROR_CHECK(uart_driver_install(LINK_UART, UART_RX_RING_BYTES, 0, 0, NULL, 0));
    ESP_ERROR_CHECK(uart_param_config(LINK_UART, &cfg));
    /* The CPU clock is an sdkconfig choice (ESP-IDF defaults to 160 MHz). */
    int at_nominal = esp_rom_get_cpu_ticks_per_us() * 1000000u == NOMINAL_CLOCK_HZ;
    info.flags = (uint8_t)(HIL_BOARD_FLAG_FPU | (at_nominal ? HIL_BOARD_FLAG_CLOCK_LOCKED : 0u));
}

const hal_board_info_t *hal_board_info(void)
{
    return &info;
}

/* Take what the driver holds, waiting up to `wait` ticks for the first byte. */
static void fill_rx(TickType_t wait)
{
    rx_pos = 0u;
    rx_len = 0u;
    int n = uart_read_bytes(LINK_UART, rx_buf, 1u, wait);
    if (n <= 0) {
        return;
    }
    rx_len = 1u;
    n = uart_read_bytes(LINK_UART, rx_buf + 1, (uint32_t)(sizeof(rx_buf) - 1u), 0);
    if (n > 0) {
        rx_len += (size_t)n;
    }
}

int hal_serial_getc(void)
{
    if (rx_pos == rx_len) {
        fill_rx(0);
        if (rx_len == 0u) {
            return -1;
        }
    }
    return rx_buf[rx_pos++];
}

void hal_serial_write(const uint8_t *buf, size_t len)
{
    (void)uart_write_bytes(LINK_UART, buf, len);
}

void hal_idle(void)
{
    /* Blocking in the driver lets FreeRTOS run the idle task (and with it the
     * task watchdog's check) instead of spinning. */
    if (rx_pos == rx_len) {
        fill_rx(pdMS_TO_TICKS(IDLE_WAIT_MS));
    }
}

uint32_t hal_cycles(void)
{
    return (uint32_t)esp_cpu_get_cycle_count();
}

void hal_system_reset(hil_reset_cause_t cause)
{
    reset_note.magic = RESET_MAGIC;
    reset_note.cause = (uint32_t)cause;
    /* The reply to RESET may still be in the FIFO: let it leave first. */
    (void)uart_wait_tx_done(LINK_UART, pdMS_TO_TICKS(TX_DRAIN_MS));
    esp_restart();
}

void hal_model_region(uint8_t **base, size_t *size)
{
    *base = model_region;
    *size = sizeof(model_region);
}

void hal_model_slot(const uint8_t **base, size_t *size)
{
    *base = NULL; /* no model slot in flash yet: models are uploaded into RAM */
    *size = 0u;
}

void app_main(void)
{
    (void)main();
}

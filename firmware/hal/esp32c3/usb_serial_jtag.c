/* The link over the C3's own USB Serial/JTAG controller (USB 303a:1001, GPIO18/19):
 * a CDC-ACM port with 64-byte endpoint FIFOs, no baud rate and no driver. The
 * ROM has it enumerated already. Bytes go into the IN FIFO and leave when it is
 * full or WR_DONE flushes it; a host that stops reading must not hang the
 * board, so a full FIFO is waited on for a bounded time, then the rest dropped
 * (the frame fails its CRC and the protocol recovers). */
#include "../riscv/riscv.h"
#include "hil/hal.h"

#define USB_SERIAL_JTAG 0x60043000u
#define EP1 (USB_SERIAL_JTAG + 0x00u)      /* read: next OUT byte; write: next IN byte */
#define EP1_CONF (USB_SERIAL_JTAG + 0x04u)
#define EP1_WR_DONE (1u << 0)              /* flush the IN FIFO to the host */
#define EP1_IN_FREE (1u << 1)              /* the IN FIFO takes a byte */
#define EP1_OUT_AVAIL (1u << 2)            /* the OUT FIFO holds a byte */
#define FULL_WAIT_POLLS 2000000u           /* ~50 ms at 40-160 MHz */

static int host_gone; /* the last wait ran out: don't wait again until the host reads */

void esp32c3_usb_init(void)
{
    host_gone = 0;
}

int hal_serial_getc(void)
{
    if ((MMIO32(EP1_CONF) & EP1_OUT_AVAIL) == 0u) {
        return -1;
    }
    host_gone = 0;
    return (int)(MMIO32(EP1) & 0xFFu);
}

static int wait_in_free(void)
{
    for (uint32_t i = 0; i < (host_gone ? 1u : FULL_WAIT_POLLS); i++) {
        if (MMIO32(EP1_CONF) & EP1_IN_FREE) {
            host_gone = 0;
            return 1;
        }
    }
    host_gone = 1;
    return 0;
}

void hal_serial_write(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (!wait_in_free()) {
            return;
        }
        MMIO32(EP1) = buf[i];
    }
    MMIO32(EP1_CONF) = EP1_WR_DONE;
}

void hal_idle(void)
{
    /* Polling: no interrupt is routed, and the link is the board's only work. */
}

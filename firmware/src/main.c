#include "hil/hal.h"
#include "hil/link.h"

static hil_link_t link;

int main(void)
{
    hal_init();
    hil_model_boot();
    hil_link_init(&link);
    uint8_t cause = (uint8_t)hal_board_info()->reset_cause;
    hil_link_send_event(&link, HIL_EVENT_BOOT, &cause, 1);
    for (;;) {
        int c;
        while ((c = hal_serial_getc()) >= 0) {
            hil_link_feed(&link, (uint8_t)c);
        }
        hal_idle();
    }
}

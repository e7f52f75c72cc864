/* Private to the RISC-V ports (hal/riscv, hal/rv32virt, hal/esp32c3): CSR
 * access and what the shared core files offer the board files. */
#ifndef HIL_RISCV_H
#define HIL_RISCV_H

#include <stdint.h>

#define RISCV_CSR_READ(csr)                                                                                            \
    ({                                                                                                                 \
        uint32_t v_;                                                                                                   \
        __asm__ volatile("csrr %0, " #csr : "=r"(v_));                                                                \
        v_;                                                                                                            \
    })
#define RISCV_CSR_WRITE(csr, val) __asm__ volatile("csrw " #csr ", %0" ::"r"((uint32_t)(val)))
#define RISCV_CSR_SET(csr, bits) __asm__ volatile("csrs " #csr ", %0" ::"r"((uint32_t)(bits)))

#define RISCV_MIE_MEIE (1u << 11) /* machine external interrupt enable */

#define MMIO32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* A reset note in .noinit: survives a system reset (QEMU and the C3 keep SRAM
 * across it), random after power-on, so only a magic word makes it count. */
typedef struct {
    uint32_t magic;
    uint32_t cause;
} riscv_reset_note_t;

#define RISCV_RESET_MAGIC 0x48494C52u /* "HILR" */

extern riscv_reset_note_t riscv_reset_note;

/* What an ESP32-C3 board reports (boards/esp32c3-devkitm.yaml): the C3 itself, and qemu-rv32 standing in
 * for it. No FPU (rv32imc: float is soft float); the clock is nominal, never claimed locked. */
#define RISCV_C3_BOARD_INFO(id, counter_kind)                                                                          \
    {                                                                                                                  \
        .board_id = (id), .clock_hz = 160000000u, .flash_bytes = 4u * 1024u * 1024u, .ram_bytes = 400u * 1024u,        \
        .counter = (counter_kind), .flags = 0u,                                                                        \
    }

/* The cause the last reset recorded (HIL_RESET_POWER_ON when none); clears the note. */
uint32_t riscv_boot_cause(void);

/* Record `cause` for the next boot (before the board file resets the chip). */
void riscv_note_reset(uint32_t cause);

#endif

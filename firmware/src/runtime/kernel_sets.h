/* Private to src/runtime: which ops run their optimised kernels on this core.
 * One file per core in src/runtime/kernel_sets/ implements it (the Makefile
 * picks it): an op whose optimised kernels do not pay there runs its
 * reference kernels for both kernel sets (they are bit-exact, only the cost
 * differs). */
#ifndef HIL_KERNEL_SETS_H
#define HIL_KERNEL_SETS_H

#include <stdint.h>

/* 1 when op `code` (hil_opcode_t) runs its reference kernels even when the host asks for the optimised ones. */
int hil_kernel_sets_reference_only(uint8_t code);

#endif

/* Early exits of a loaded model (hil/model.h): checked once at load. Private
 * to src/runtime. */
#ifndef HIL_RUNTIME_EXITS_H
#define HIL_RUNTIME_EXITS_H

#include <stdint.h>

#include "hil/model.h"
#include "hil/status.h"

#define HIL_EXITS_NO_OP 0xFFFFu

typedef struct {
    uint32_t n;                                /* 0: no exits */
    uint8_t output[HIL_MODEL_MAX_EXITS];       /* model output position of exit k's mask */
    uint16_t producer[HIL_MODEL_MAX_IO];       /* the op writing each model output, or HIL_EXITS_NO_OP */
} hil_exits_t;

/* Fill *x from m's op and tensor records. HIL_ERR_BAD_MODEL unless: exit
 * numbers 1..n each on exactly one model output (n <= HIL_MODEL_MAX_EXITS),
 * written by an op that exit needs; with exits, every op needed by some exit
 * and by no exit >= n; ops ordered by the first exit needing them; an op's
 * exits all need the ops writing its inputs. Without exits every bit is 0. */
hil_status_t hil_exits_check(const hil_model_t *m, hil_exits_t *x);

#endif

/* Early exits: the load-time checks that make skipping ops safe (exits.h). */
#include "exits.h"

#include <string.h>

static const uint16_t *op_io(const hil_model_t *m, uint32_t i)
{
    return (const uint16_t *)(const void *)(m->blob + m->ops[i].io_offset);
}

/* The op before `before` that writes tensor t, or HIL_EXITS_NO_OP. */
static uint16_t writer(const hil_model_t *m, uint16_t t, uint32_t before)
{
    for (uint32_t j = before; j-- > 0u;) {
        const uint16_t *io = op_io(m, j);
        for (unsigned k = m->ops[j].n_inputs; k < (unsigned)m->ops[j].n_inputs + m->ops[j].n_outputs; k++) {
            if (io[k] == t) {
                return (uint16_t)j;
            }
        }
    }
    return HIL_EXITS_NO_OP;
}

static hil_status_t check_outputs(const hil_model_t *m, hil_exits_t *x)
{
    const hil_model_header_t *h = m->header;
    const uint16_t *outs = (const uint16_t *)(const void *)(m->blob + h->outputs_offset);
    uint32_t flagged = 0, seen = 0;
    for (uint32_t t = 0; t < h->n_tensors; t++) {
        flagged += m->tensors[t].exit != 0u;
    }
    for (uint32_t o = 0; o < h->n_outputs; o++) {
        x->producer[o] = writer(m, outs[o], h->n_ops);
        const unsigned e = m->tensors[outs[o]].exit;
        if (e == 0u) {
            continue;
        }
        if (e > HIL_MODEL_MAX_EXITS || (seen & (1u << (e - 1u))) != 0u) {
            return HIL_ERR_BAD_MODEL;
        }
        seen |= 1u << (e - 1u);
        x->output[e - 1u] = (uint8_t)o;
        x->n = e > x->n ? e : x->n;
    }
    /* exits 0..n-1 each once, and on model outputs only */
    return (seen == (1u << x->n) - 1u && flagged == x->n) ? HIL_OK : HIL_ERR_BAD_MODEL;
}

static unsigned lowest_bit(uint32_t v)
{
    unsigned b = 0;
    while ((v & 1u) == 0u) {
        v >>= 1;
        b++;
    }
    return b;
}

static hil_status_t check_ops(const hil_model_t *m, const hil_exits_t *x)
{
    const uint32_t all = (1u << x->n) - 1u;
    unsigned stage = 0;
    for (uint32_t i = 0; i < m->header->n_ops; i++) {
        const uint32_t mine = m->ops[i].exits;
        if (mine == 0u || (mine & ~all) != 0u || lowest_bit(mine) < stage) {
            return HIL_ERR_BAD_MODEL;
        }
        stage = lowest_bit(mine);
        const uint16_t *io = op_io(m, i);
        for (unsigned k = 0; k < m->ops[i].n_inputs; k++) {
            uint16_t w = io[k] == HIL_TENSOR_NONE ? HIL_EXITS_NO_OP : writer(m, io[k], i);
            if (w != HIL_EXITS_NO_OP && (m->ops[w].exits & mine) != mine) {
                return HIL_ERR_BAD_MODEL; /* an exit that needs op i skips the op writing its input */
            }
        }
    }
    for (uint32_t k = 0; k < x->n; k++) {
        uint16_t p = x->producer[x->output[k]];
        if (p == HIL_EXITS_NO_OP || (m->ops[p].exits & (1u << k)) == 0u) {
            return HIL_ERR_BAD_MODEL;
        }
    }
    return HIL_OK;
}

hil_status_t hil_exits_check(const hil_model_t *m, hil_exits_t *x)
{
    memset(x, 0, sizeof(*x));
    hil_status_t st = check_outputs(m, x);
    if (st != HIL_OK) {
        return st;
    }
    if (x->n == 0u) {
        for (uint32_t i = 0; i < m->header->n_ops; i++) {
            if (m->ops[i].exits != 0u) {
                return HIL_ERR_BAD_MODEL;
            }
        }
        return HIL_OK;
    }
    return check_ops(m, x);
}

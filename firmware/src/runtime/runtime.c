/* The model runtime: validates a blob once, then runs it op by op. */
#include "hil/runtime.h"

#include <string.h>

#include "exits.h"
#include "hil/crc32.h"
#include "hil/hal.h"
#include "hil/op.h"
#include "hil/wire.h"
#include "kernel_sets.h"

/* 1: every run uses the reference kernels whatever the host asks (`make KERNELS=reference`): a build
 * to measure against, or to check that the nightly flags what such a firmware costs. */
#ifndef HIL_REFERENCE_KERNELS
#define HIL_REFERENCE_KERNELS 0
#endif

static hil_model_t model;
static int loaded;
static const hil_op_state_t *states[HIL_MODEL_MAX_OPS]; /* each op's state, after the activations */
static uint32_t op_cycles[HIL_MODEL_MAX_OPS];
static uint32_t total_cycles;
static uint32_t generation; /* bumped by every load and unload */
static uint32_t runs;       /* bumped by every run */
static int last_run_ok;     /* the latest run of the current model succeeded */
static hil_exits_t exits;   /* the model's early exits (exits.h) */

static const uint8_t dtype_bytes[] = {
    [HIL_DTYPE_FLOAT32] = 4, [HIL_DTYPE_INT8] = 1,  [HIL_DTYPE_INT16] = 2,
    [HIL_DTYPE_INT32] = 4,   [HIL_DTYPE_UINT8] = 1, [HIL_DTYPE_INT64] = 8,
};

/* [offset, offset + n * size) inside [lo, lo + len), without overflow. */
static int inside(uint32_t offset, uint32_t n, uint32_t size, uint32_t lo, uint32_t len)
{
    uint64_t end = (uint64_t)offset + (uint64_t)n * size;
    return offset >= lo && end <= (uint64_t)lo + len;
}

static hil_status_t check_header(const hil_model_header_t *h, size_t size, size_t arena_size)
{
    if (size < sizeof(*h) || h->magic != HIL_MODEL_MAGIC || h->total_bytes != size) {
        return HIL_ERR_BAD_MODEL;
    }
    if (h->version_major != HIL_MODEL_VERSION_MAJOR) {
        return HIL_ERR_VERSION;
    }
    if (h->arena_bytes > arena_size) {
        return HIL_ERR_NO_SPACE;
    }
    uint32_t n = (uint32_t)size;
    uint32_t head = (uint32_t)sizeof(*h);
    if (h->n_ops == 0u || h->n_ops > HIL_MODEL_MAX_OPS || h->n_inputs == 0u || h->n_inputs > HIL_MODEL_MAX_IO ||
        h->n_outputs == 0u || h->n_outputs > HIL_MODEL_MAX_IO || h->n_tensors >= HIL_TENSOR_NONE ||
        ((h->tensors_offset | h->ops_offset | h->data_offset) & 7u) != 0u ||
        ((h->inputs_offset | h->outputs_offset) & 1u) != 0u ||
        !inside(h->tensors_offset, h->n_tensors, sizeof(hil_tensor_t), head, n - head) ||
        !inside(h->ops_offset, h->n_ops, sizeof(hil_op_t), head, n - head) ||
        !inside(h->inputs_offset, h->n_inputs, 2u, head, n - head) ||
        !inside(h->outputs_offset, h->n_outputs, 2u, head, n - head) ||
        !inside(h->data_offset, h->data_bytes, 1u, head, n - head)) {
        return HIL_ERR_BAD_MODEL;
    }
    return HIL_OK;
}

/* Where the ops' state goes: after the last activation byte, 8-aligned. */
static struct {
    uint8_t *next, *end;
} state_area;

static size_t align8(size_t n)
{
    return (n + 7u) & ~(size_t)7u;
}

static hil_status_t check_tensor(const hil_model_header_t *h, const hil_tensor_t *t, uint32_t *act_end)
{
    if (t->dtype >= sizeof(dtype_bytes) || t->ndim > HIL_MODEL_MAX_DIMS || (t->offset & 3u) != 0u) {
        return HIL_ERR_BAD_MODEL;
    }
    uint64_t elements = 1;
    for (unsigned i = 0; i < t->ndim; i++) {
        if (t->dims[i] < 0) {
            return HIL_ERR_BAD_MODEL;
        }
        elements *= (uint64_t)t->dims[i];
        if (elements > INT32_MAX) { /* no wrap here, and hil_tensor_elements' int32 products stay exact */
            return HIL_ERR_BAD_MODEL;
        }
    }
    if (elements * dtype_bytes[t->dtype] != t->bytes) {
        return HIL_ERR_BAD_MODEL;
    }
    if (t->location == HIL_LOC_ARENA) {
        if (!inside(t->offset, t->bytes, 1u, 0u, h->arena_bytes)) {
            return HIL_ERR_BAD_MODEL;
        }
        *act_end = t->offset + t->bytes > *act_end ? t->offset + t->bytes : *act_end;
        return HIL_OK;
    }
    if (t->location == HIL_LOC_BLOB) {
        return inside(t->offset, t->bytes, 1u, h->data_offset, h->data_bytes) ? HIL_OK : HIL_ERR_BAD_MODEL;
    }
    return HIL_ERR_BAD_MODEL;
}

static int index_ok(const hil_model_header_t *h, uint16_t index, int optional)
{
    return index < h->n_tensors || (optional && index == HIL_TENSOR_NONE);
}

static hil_status_t check_op(const hil_model_t *m, unsigned i)
{
    const hil_model_header_t *h = m->header;
    const hil_op_t *op = &m->ops[i];
    unsigned n_io = (unsigned)op->n_inputs + op->n_outputs;
    if (op->n_outputs == 0u || (op->io_offset & 1u) != 0u || (op->params_offset & 3u) != 0u ||
        !inside(op->io_offset, n_io, 2u, h->data_offset, h->data_bytes) ||
        !inside(op->params_offset, op->params_bytes, 1u, h->data_offset, h->data_bytes)) {
        return HIL_ERR_BAD_MODEL;
    }
    const uint16_t *io = (const uint16_t *)(const void *)(m->blob + op->io_offset);
    for (unsigned k = 0; k < n_io; k++) {
        if (!index_ok(h, io[k], k < op->n_inputs)) {
            return HIL_ERR_BAD_MODEL;
        }
        /* an op writes its outputs: they must be activations, never the blob's constants */
        if (k >= op->n_inputs && m->tensors[io[k]].location != HIL_LOC_ARENA) {
            return HIL_ERR_BAD_MODEL;
        }
    }
    const hil_op_impl_t *impl = hil_op_find(op->code);
    if (impl == NULL) {
        return HIL_ERR_UNSUPPORTED;
    }
    const size_t bytes = align8(impl->state_bytes + (size_t)impl->state_bytes_per_io * n_io);
    if (bytes > (size_t)(state_area.end - state_area.next)) {
        return HIL_ERR_NO_SPACE;
    }
    hil_op_state_t *s = (hil_op_state_t *)(void *)state_area.next;
    memset(s, 0, bytes);
    state_area.next += bytes;
    states[i] = s;
    const hil_status_t status = impl->prepare(m, op, s);
    if (status == HIL_OK && hil_kernel_sets_reference_only(op->code)) {
        s->eval[0] = s->eval[1]; /* its optimised kernels do not pay on this core (kernel_sets/) */
    }
    return status;
}

static hil_status_t check_io(const hil_model_t *m, uint32_t offset, uint32_t n)
{
    const uint16_t *idx = (const uint16_t *)(const void *)(m->blob + offset);
    for (uint32_t k = 0; k < n; k++) {
        if (!index_ok(m->header, idx[k], 0) || m->tensors[idx[k]].location != HIL_LOC_ARENA) {
            return HIL_ERR_BAD_MODEL;
        }
    }
    return HIL_OK;
}

hil_status_t hil_runtime_load(const uint8_t *blob, size_t size, uint8_t *arena, size_t arena_size)
{
    loaded = 0;
    last_run_ok = 0;
    generation++;
    const hil_model_header_t *h = (const hil_model_header_t *)(const void *)blob;
    hil_status_t st = check_header(h, size, arena_size);
    if (st != HIL_OK) {
        return st;
    }
    if (hil_crc32(0, blob + HIL_CRC_START, size - HIL_CRC_START) != h->crc32) {
        return HIL_ERR_BAD_MODEL;
    }
    model = (hil_model_t){
        .blob = blob,
        .header = h,
        .tensors = (const hil_tensor_t *)(const void *)(blob + h->tensors_offset),
        .ops = (const hil_op_t *)(const void *)(blob + h->ops_offset),
        .arena = arena,
    };
    uint32_t act_end = 0;
    for (uint32_t i = 0; i < h->n_tensors; i++) {
        if ((st = check_tensor(h, &model.tensors[i], &act_end)) != HIL_OK) {
            return st;
        }
    }
    if ((st = check_io(&model, h->inputs_offset, h->n_inputs)) != HIL_OK ||
        (st = check_io(&model, h->outputs_offset, h->n_outputs)) != HIL_OK) {
        return st;
    }
    const size_t act_bytes = align8(act_end); /* act_end <= arena_bytes <= arena_size */
    state_area.next = arena + (act_bytes < arena_size ? act_bytes : arena_size);
    state_area.end = arena + arena_size;
    for (uint32_t i = 0; i < h->n_ops; i++) {
        if ((st = check_op(&model, i)) != HIL_OK) {
            return st;
        }
    }
    if ((st = hil_exits_check(&model, &exits)) != HIL_OK) {
        return st;
    }
    /* The blob's arena figure is what a 32-bit board lays out; one that holds
     * less than its own ops' state (another compiler's) would mislead the host. */
    if (sizeof(void *) == 4u && (size_t)(state_area.next - arena) > h->arena_bytes) {
        return HIL_ERR_BAD_MODEL;
    }
    loaded = 1;
    return HIL_OK;
}

hil_status_t hil_runtime_restart(void)
{
    if (!loaded) {
        return HIL_ERR_NO_MODEL;
    }
    for (uint32_t i = 0; i < model.header->n_ops; i++) {
        const hil_op_t *op = &model.ops[i];
        const hil_op_impl_t *impl = hil_op_find(op->code); /* found at load */
        const size_t bytes = align8(impl->state_bytes + (size_t)impl->state_bytes_per_io * (op->n_inputs + op->n_outputs));
        hil_op_state_t *s = (hil_op_state_t *)(uintptr_t)states[i];
        const hil_op_state_t evals = *s; /* what the load chose, the core's kernel sets applied (check_op) */
        memset(s, 0, bytes);
        hil_status_t st = impl->prepare(&model, op, s); /* passed at load: the same blob passes again */
        if (st != HIL_OK) {
            loaded = 0;
            return st;
        }
        *s = evals;
    }
    return HIL_OK;
}

void hil_runtime_unload(void)
{
    loaded = 0;
    last_run_ok = 0;
    generation++;
}

uint32_t hil_runtime_generation(void)
{
    return generation;
}

uint32_t hil_runtime_runs(int *ok)
{
    if (ok != NULL) {
        *ok = loaded && last_run_ok;
    }
    return runs;
}

const hil_tensor_t *hil_runtime_io(int output, unsigned pos, uint8_t **data)
{
    if (!loaded) {
        return NULL;
    }
    const hil_model_header_t *h = model.header;
    if (pos >= (output ? h->n_outputs : h->n_inputs)) {
        return NULL;
    }
    const uint16_t *idx = (const uint16_t *)(const void *)(model.blob + (output ? h->outputs_offset : h->inputs_offset));
    const hil_tensor_t *t = &model.tensors[idx[pos]];
    *data = model.arena + t->offset; /* check_io: every model input and output lives in the arena */
    return t;
}

unsigned hil_runtime_n_io(int output)
{
    if (!loaded) {
        return 0u;
    }
    return output ? model.header->n_outputs : model.header->n_inputs;
}

static size_t io_bytes(uint32_t offset, uint32_t n)
{
    const uint16_t *idx = (const uint16_t *)(const void *)(model.blob + offset);
    size_t total = 0;
    for (uint32_t k = 0; k < n; k++) {
        total += model.tensors[idx[k]].bytes;
    }
    return total;
}

static void copy_in(const uint8_t *flat)
{
    const hil_model_header_t *h = model.header;
    const uint16_t *idx = (const uint16_t *)(const void *)(model.blob + h->inputs_offset);
    for (uint32_t k = 0; k < h->n_inputs; k++) {
        const hil_tensor_t *t = &model.tensors[idx[k]];
        memcpy(model.arena + t->offset, flat, t->bytes);
        flat += t->bytes;
    }
}

static void copy_out(uint8_t *flat)
{
    const hil_model_header_t *h = model.header;
    const uint16_t *idx = (const uint16_t *)(const void *)(model.blob + h->outputs_offset);
    for (uint32_t k = 0; k < h->n_outputs; k++) {
        const hil_tensor_t *t = &model.tensors[idx[k]];
        memcpy(flat, model.arena + t->offset, t->bytes);
        flat += t->bytes;
    }
}

hil_status_t hil_runtime_invoke(const uint8_t *in, size_t in_len, uint8_t flags, uint8_t *out, size_t out_cap,
                                size_t *out_len, uint32_t *cycles)
{
    *out_len = 0;
    *cycles = 0;
    if (!loaded) {
        return HIL_ERR_NO_MODEL;
    }
    const hil_model_header_t *h = model.header;
    size_t need_out = io_bytes(h->outputs_offset, h->n_outputs);
    if (in_len != io_bytes(h->inputs_offset, h->n_inputs) || need_out > out_cap) {
        return HIL_ERR_BAD_ARG;
    }
    copy_in(in);
    hil_status_t st = hil_runtime_run(flags, cycles);
    if (st != HIL_OK) {
        return st;
    }
    copy_out(out);
    *out_len = need_out;
    return HIL_OK;
}

/* Run op i when `want` is 0 (every op) or the op serves an exit in `want` and none in `done`. */
static void run_ops(uint8_t flags, uint32_t want, uint32_t done)
{
    runs++;
    const unsigned ref = HIL_REFERENCE_KERNELS || (flags & HIL_INVOKE_REFERENCE) != 0u;
    const uint32_t n = model.header->n_ops;
    uint32_t start = hal_cycles();
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t mine = model.ops[i].exits;
        if (want != 0u && ((mine & want) == 0u || (mine & done) != 0u)) {
            op_cycles[i] = 0;
            continue;
        }
        const hil_op_state_t *s = states[i];
        uint32_t t0 = hal_cycles();
        s->eval[ref](s);
        op_cycles[i] = hal_cycles() - t0;
    }
    total_cycles = hal_cycles() - start;
    last_run_ok = 1;
}

hil_status_t hil_runtime_run(uint8_t flags, uint32_t *cycles)
{
    *cycles = 0;
    if (!loaded) {
        return HIL_ERR_NO_MODEL;
    }
    run_ops(flags, 0u, 0u);
    *cycles = total_cycles;
    return HIL_OK;
}

unsigned hil_runtime_n_exits(void)
{
    return loaded ? exits.n : 0u;
}

int hil_runtime_exit_output(unsigned k)
{
    return loaded && k < exits.n ? (int)exits.output[k] : -1;
}

hil_status_t hil_runtime_run_exit(uint8_t flags, unsigned k, uint32_t evaluated, uint32_t *cycles)
{
    *cycles = 0;
    if (!loaded) {
        return HIL_ERR_NO_MODEL;
    }
    if (k >= exits.n) {
        return HIL_ERR_BAD_ARG;
    }
    run_ops(flags, 1u << k, evaluated & ~(1u << k));
    *cycles = total_cycles;
    return HIL_OK;
}

int hil_runtime_output_written(unsigned pos, uint32_t evaluated)
{
    if (!loaded || pos >= model.header->n_outputs) {
        return 0;
    }
    if (exits.n == 0u) {
        return 1;
    }
    const uint16_t p = exits.producer[pos];
    return p != HIL_EXITS_NO_OP && (model.ops[p].exits & evaluated) != 0u;
}

int hil_runtime_op_optimised(uint32_t i)
{
    return loaded && i < model.header->n_ops && states[i]->eval[0] != states[i]->eval[1];
}

hil_status_t hil_runtime_profile(uint8_t *out, size_t out_cap, size_t *out_len)
{
    *out_len = 0;
    if (!loaded) {
        return HIL_ERR_NO_MODEL;
    }
    uint32_t n = model.header->n_ops;
    if (8u + 8u * n > out_cap) {
        return HIL_ERR_UNSUPPORTED;
    }
    uint8_t *p = hil_wire_put_u32(hil_wire_put_u16(hil_wire_put_u16(out, (uint16_t)n), 0u), total_cycles);
    for (uint32_t i = 0; i < n; i++) {
        p = hil_wire_put_u16(p, (uint16_t)i);
        *p++ = model.ops[i].code;
        *p++ = 0u;
        p = hil_wire_put_u32(p, op_cycles[i]);
    }
    *out_len = (size_t)(p - out);
    return HIL_OK;
}

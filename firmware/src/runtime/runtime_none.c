/* The runtime of a build without a model interpreter: it accepts and keeps any
 * blob that passed the upload CRC (so upload and MODEL_INFO work end to end)
 * and answers INVOKE/PROFILE with HIL_ERR_UNSUPPORTED. */
#include "hil/runtime.h"

hil_status_t hil_runtime_load(const uint8_t *blob, size_t size, uint8_t *arena, size_t arena_size)
{
    (void)blob;
    (void)size;
    (void)arena;
    (void)arena_size;
    return HIL_OK;
}

void hil_runtime_unload(void)
{
}

hil_status_t hil_runtime_invoke(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
                                size_t *out_len, uint32_t *cycles)
{
    (void)in;
    (void)in_len;
    (void)out;
    (void)out_cap;
    *out_len = 0;
    *cycles = 0;
    return HIL_ERR_UNSUPPORTED;
}

hil_status_t hil_runtime_profile(uint8_t *out, size_t out_cap, size_t *out_len)
{
    (void)out;
    (void)out_cap;
    *out_len = 0;
    return HIL_ERR_UNSUPPORTED;
}

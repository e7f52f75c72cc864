#include <string.h>

#include "hil/kernels_elementwise.h"

void hil_concat(const uint8_t *const *inputs, const uint32_t *copy_bytes, int32_t n_inputs, int32_t outer,
                uint8_t *out)
{
    for (int32_t k = 0; k < outer; k++) {
        for (int32_t i = 0; i < n_inputs; i++) {
            memmove(out, inputs[i] + (size_t)k * copy_bytes[i], copy_bytes[i]);
            out += copy_bytes[i];
        }
    }
}

#include <string.h>

#include "hil/kernels_elementwise.h"

void hil_split(const uint8_t *in, const uint32_t *copy_bytes, int32_t n_outputs, int32_t outer,
               uint8_t *const *outputs)
{
    for (int32_t k = 0; k < outer; k++) {
        for (int32_t j = 0; j < n_outputs; j++) {
            memmove(outputs[j] + (size_t)k * copy_bytes[j], in, copy_bytes[j]);
            in += copy_bytes[j];
        }
    }
}

#include "elementwise_m4.h"

/* An input scaled by exactly 1/2 at shift 0 (an A: TFLM's larger-scaled input). */
static int halved(int32_t multiplier, int32_t shift)
{
    return shift == 0 && multiplier == 1 << 30;
}

int hil_add_s8_m4_prepare(const hil_add_params_t *p, hil_add_m4_t *f)
{
    const int a1 = halved(p->input1_multiplier, p->input1_shift);
    const int a2 = halved(p->input2_multiplier, p->input2_shift);
    const int mode = a1 ? (a2 ? 2 : 0) : 1;
    const int32_t b_multiplier = mode == 1 ? p->input1_multiplier : p->input2_multiplier;
    const int32_t b_shift = mode == 1 ? p->input1_shift : p->input2_shift;
    if (p->left_shift != 20 || (!a1 && !a2) || (mode != 2 && b_shift >= 0) || p->output_shift > -1 ||
        p->output_shift < -22) {
        return 0;
    }
    const int32_t eo = -p->output_shift;
    *f = (hil_add_m4_t){
        .p = p, .mode = mode, .full = p->act_min == INT8_MIN && p->act_max == INT8_MAX,
        .k_a = (int32_t)((uint32_t)(mode == 1 ? p->input2_offset : p->input1_offset) << 20),
        .k_b = (int32_t)((uint32_t)p->input2_offset << 20),
        .offset_b = mode == 1 ? p->input1_offset : p->input2_offset, .multiplier_b = b_multiplier,
        .round_b = mode == 2 ? 0 : (int32_t)(1u << (-b_shift - 1)), .exponent_b = mode == 2 ? 0 : -b_shift,
        .out_multiplier = p->output_multiplier, .out_round = (1 << (eo - 1)) + p->output_offset * (1 << eo),
        .out_exponent = eo,
    };
    return 1;
}

"""Integer arithmetic, once: TFLite's fixed-point rounding, multipliers and requantisation, and the
quantisation of whole tensors. Every other module calls these; numpy only, nothing above it.

fixed.py   scalars and int32 arrays as the firmware computes them (qmath.h): rounding half away from
           zero, QuantizeMultiplier, MultiplyByQuantizedMultiplier, rounding shifts, saturation
tensor.py  arrays between real values and a (scale, zero point) quantisation, and between two
           quantisations (the real-valued ideal; the board's integer rule for recurrent states)
tflm.py    TFLM's Prepare-time variants (LOGISTIC/TANH multipliers, input radius, float32 log2, int16
           multipliers, nearest-neighbour source indices), LEAKY_RELU's and requantisation's int8 tables
hard_swish.py  TFLM's int8 HARD_SWISH (Prepare and int16 fixed-point kernel) as a 256-entry table
sigmoid.py  TFLM's int8 LOGISTIC and TANH (gemmlowp fixed point) as 256-entry tables
"""

from hil.quant.fixed import (QRANGE, quantize_multiplier, requantize, requantize_channels, round_half_away,
                             round_half_away_int, rounding_divide, saturate, wrap32)  # fmt: skip
from hil.quant.tensor import (dequantize, dequantize_for, quantize, quantize_for, requantize_float,
                              requantize_int, requantize_state)  # fmt: skip

__all__ = ["QRANGE", "quantize_multiplier", "requantize", "requantize_channels", "round_half_away",
           "round_half_away_int", "rounding_divide", "saturate", "wrap32", "dequantize", "dequantize_for", "quantize",
           "quantize_for", "requantize_float", "requantize_int", "requantize_state"]

"""DynCP's gated residual block (Miccini et al., ICASSP 2025): the integer numbers of HIL_GATED_CONV.

block.py (BlockQ: the int8 weights, scales and zero points of one block; the rescales TFLM's Prepare
would make), ref.py (the numpy reference of a frame: gate head, kept channels only, history), options.py
(the custom op's custom_options and inputs). The op is put into a TFLite model by
hil.convert.gconv_surgery; hil.compile encodes it. Arithmetic: docs/dyncp.md."""

from hil.gconv.block import BlockQ, rescales
from hil.gconv.ref import History, run_frames, step

__all__ = ["BlockQ", "History", "rescales", "run_frames", "step"]

"""Mixed-precision integer GRU (Miccini et al., tinyML 2024): a bit width per operator.

genome.py (OPERATORS, genomes), quant.py (scales, multipliers, LUTs), ref.py (numpy step),
pack.py (bit packing), calib.py (float calibration), surgery.py (the HIL_MP_GRU custom op),
build.py (build_mp_tflite, MpBuilder). Arithmetic: docs/mpgru.md."""

from hil.mpgru.build import MpBuilder, build_mp_tflite, compile_mp
from hil.mpgru.genome import OPERATORS, Genome, from_config, to_config, uniform_genome, validate
from hil.mpgru.pack import pack, unpack
from hil.mpgru.ref import run_sequences, step

__all__ = ["MpBuilder", "build_mp_tflite", "compile_mp", "OPERATORS", "Genome", "from_config", "to_config",
           "uniform_genome", "validate", "pack", "unpack", "run_sequences", "step"]

"""Mixed-precision integer GRU (Miccini et al., tinyML 2024): a bit width per operator.

The numbers only: genome.py (OPERATORS, genomes), quant.py (scales, multipliers, LUTs), ref.py (numpy
step), pack.py (bit packing), calib.py (float calibration), options.py (the op's custom options).
The HIL_MP_GRU custom op is put into a TFLite model by hil.convert.mpgru_surgery and built per genome
by hil.convert.mpgru_build; hil.compile encodes it. Arithmetic: docs/mpgru.md."""

from hil.mpgru.genome import OPERATORS, Genome, from_config, to_config, uniform_genome, validate
from hil.mpgru.pack import pack, unpack
from hil.mpgru.ref import run_sequences, step

__all__ = ["OPERATORS", "Genome", "from_config", "to_config", "uniform_genome", "validate", "pack", "unpack",
           "run_sequences", "step"]

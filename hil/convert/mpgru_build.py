"""Build MP-GRU models: calibrate and convert once, then one TFLite (or compiled blob, or
numpy layers) per genome.

    b = MpBuilder(step_model, calib_sequences)       # float calibration + int8 conversion, once
    layers = b.layers(genome)                        # LayerQ per GRU layer: hil.mpgru.ref
    tflite = b.tflite(genome)                        # int8 TFLite with HIL_MP_GRU ops
    blob = b.compile(genome).blob                    # the .hilm; model size = len(blob)
"""

from __future__ import annotations

import numpy as np

from hil.convert import mpgru_surgery as surgery
from hil.mpgru.calib import Calibration, calibrate, find_cells
from hil.mpgru.genome import to_config, validate
from hil.mpgru.quant import LayerQ, quantize_layer


class MpBuilder:
    def __init__(self, step_model, calib_sequences: np.ndarray, int8_tflite: bytes | None = None, seed: int = 0):
        from hil.convert.keras_to_tflite import convert_model

        self.step_model = step_model
        self.cells = find_cells(step_model)
        self.calibration: Calibration = calibrate(step_model, calib_sequences, seed=seed)
        self.int8_tflite = int8_tflite or convert_model(step_model, self.calibration.representative, seed=seed)
        self.pairs = surgery.state_pairs(self.int8_tflite, len(self.cells))

    def _apply(self, genome, model=None) -> list[LayerQ]:
        config = to_config(validate(genome, len(self.cells)))
        model = model or surgery.load(self.int8_tflite)
        layers = []
        for k, (spec, (state, state_out), bits) in enumerate(zip(self.cells, self.pairs, config)):
            site = surgery.find_site(model, state, state_out)
            x_scale, x_zp = surgery.tensor_quant(model, site.x)
            q = quantize_layer(spec.cell, self.calibration.ranges[k], x_scale, x_zp, bits)
            surgery.replace_cell(model, site, q, f"layer{k}/" if len(self.cells) > 1 else "")
            layers.append(q)
        return layers

    def layers(self, genome) -> list[LayerQ]:
        """The integer GRU layers of a genome (for hil.mpgru.ref)."""
        return self._apply(genome)

    def tflite(self, genome) -> bytes:
        model = surgery.load(self.int8_tflite)
        self._apply(genome, model)
        surgery.prune(model)
        return surgery.serialize(model)

    def compile(self, genome):
        from hil.compile.compiler import compile_tflite

        return compile_tflite(self.tflite(genome))


def build_mp_tflite(step_model, calib_sequences: np.ndarray, genome, int8_tflite: bytes | None = None) -> bytes:
    """An int8 TFLite of a gru_step_model whose GRU cells are HIL_MP_GRU custom ops at `genome`'s bit widths.
    calib_sequences: float feature sequences (N, T, F); int8_tflite: the step model's int8 conversion, if made."""
    return MpBuilder(step_model, calib_sequences, int8_tflite).tflite(genome)


def compile_mp(step_model, calib_sequences: np.ndarray, genome):
    """The compiled model (hil.compile.compiler.CompiledModel); its size is `.model_bytes` (len of `.blob`)."""
    return MpBuilder(step_model, calib_sequences).compile(genome)

"""The float GRU cells of a single-step Keras model (hil.convert.streaming.gru_step_model)
and their calibration: activation ranges observed over calibration sequences.

A cell is found by its layer names as gru_step_model writes them: `gru_z_x`, `gru_z_h`, ... for
one GRU layer, `gru0_z_x`, `gru1_z_x`, ... for several; cells are ordered by that number, and cell
k's state is the model input k + 1 (inputs: features, then one state per GRU layer)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from hil.errors import ConfigError
from hil.mpgru.quant import FloatCell, float_gru_step


@dataclass
class CellSpec:
    prefix: str
    cell: FloatCell
    x_tensor: object  # the Keras tensor feeding the cell (the GRU's input)


def _weights(layer):
    return [np.asarray(w, np.float64) for w in layer.get_weights()]


_CELL = re.compile(r"^gru(\d*)_z_x$")


def find_cells(step_model) -> list[CellSpec]:
    names = {layer.name: layer for layer in step_model.layers}
    # gru_step_model names one cell's layers gru_z_x, ...; several cells gru0_z_x, gru1_z_x, ...
    found = {int(m.group(1) or 0): m.group(0)[: -len("_z_x")] for n in names if (m := _CELL.match(n))}
    prefixes = [found[k] for k in sorted(found)]
    if not prefixes:
        raise ConfigError(f"model '{step_model.name}': wanted a GRU step model (layers named gru_z_x, ...), got none")
    cells = []
    for p in prefixes:
        try:
            (wz, bz), (wr, br), (wh, bhin) = (_weights(names[f"{p}_{g}_x"]) for g in "zrh")
            (uz,), (ur,) = _weights(names[f"{p}_z_h"]), _weights(names[f"{p}_r_h"])
            hh = _weights(names[f"{p}_h_h"])
        except (KeyError, ValueError):
            raise ConfigError(f"model '{step_model.name}': GRU cell '{p}': wanted the layers {p}_[zrh]_[xh] "
                              "of gru_step_model, got an incomplete set") from None  # fmt: skip
        if len(hh) != 2:
            raise ConfigError(f"model '{step_model.name}': GRU cell '{p}': wanted reset_after=True "
                              "(the Keras default), got reset_after=False")  # fmt: skip
        uh, bhrec = hh
        cell = FloatCell({"z": wz.T, "r": wr.T, "h": wh.T}, {"z": uz.T, "r": ur.T, "h": uh.T},
                         {"z": bz, "r": br, "h_in": bhin, "h_rec": bhrec})  # fmt: skip
        cells.append(CellSpec(p, cell, names[f"{p}_z_x"].input))
    if len(step_model.inputs) != len(cells) + 1:
        raise ConfigError(f"model '{step_model.name}': wanted features + {len(cells)} state input(s), "
                          f"got {len(step_model.inputs)} inputs")  # fmt: skip
    return cells


@dataclass
class Calibration:
    ranges: list[dict]  # per cell: max |.| of z_pre, r_pre, h_pre, rh, zh, h
    x: list[np.ndarray]  # per cell: the float GRU inputs, (N, T, I)
    states: list[np.ndarray]  # per cell: float states after each step, (N, T, H)
    representative: dict  # TFLite calibration rows keyed by input name


def calibrate(step_model, sequences: np.ndarray, max_rows: int = 512, seed: int = 0) -> Calibration:
    """Run the float step model over (N, T, F) feature sequences from zero states."""
    import keras

    seqs = np.asarray(sequences, np.float32)
    if seqs.ndim != 3 or seqs.shape[2] != step_model.inputs[0].shape[-1] or seqs.shape[0] * seqs.shape[1] == 0:
        raise ConfigError(f"calib: wanted feature sequences (N, T, {step_model.inputs[0].shape[-1]}), "
                          f"got shape {seqs.shape}")  # fmt: skip
    cells = find_cells(step_model)
    probe = keras.Model(step_model.inputs, [c.x_tensor for c in cells])
    n, t, _ = seqs.shape
    hs = [np.zeros((n, c.cell.units)) for c in cells]
    xs = [np.empty((n, t, c.cell.in_dim)) for c in cells]
    states = [np.empty((n, t, c.cell.units)) for c in cells]
    peaks = [dict.fromkeys(("z_pre", "r_pre", "h_pre", "rh", "zh", "h"), 0.0) for _ in cells]
    rows = {k.name: [] for k in step_model.inputs}
    for i in range(t):
        feed = [seqs[:, i]] + [h.astype(np.float32) for h in hs]
        for k, v in zip(step_model.inputs, feed):
            rows[k.name].append(v)
        got = probe(feed, training=False)
        got = [np.asarray(g, np.float64) for g in (got if isinstance(got, (list, tuple)) else [got])]
        for c, (spec, x) in enumerate(zip(cells, got)):
            hs[c], inter = float_gru_step(spec.cell, x, hs[c])
            xs[c][:, i], states[c][:, i] = x, hs[c]
            for k in peaks[c]:
                peaks[c][k] = max(peaks[c][k], float(np.max(np.abs(inter[k]))))
    pick = np.random.default_rng(seed).permutation(n * t)[:max_rows]
    rep = {k: np.concatenate(v)[pick].astype(np.float32) for k, v in rows.items()}
    return Calibration(peaks, xs, states, rep)

"""From a float GRU cell, calibration ranges and a bit width per operator to the integer
parameters of one MP-GRU layer (`LayerQ`): quantised weights and biases, fixed-point
multipliers and shifts, activation lookup tables.

Scales (every tensor is symmetric, zero point 0, except the int8 input x):
  weights and biases (W_*, U_*, b_*): per tensor, max|w| / (2^(b-1) - 1), values in +-(2^(b-1) - 1)
  x: the int8 scale and zero point the TFLite model gives the GRU's input
  pre-activations z_pre, r_pre: min(max|.|, 8) / (2^(b-1) - 1); h_pre: min(max|.|, 4) / (2^(b-1) - 1)
      (the activations saturate beyond), values in [-2^(b-1), 2^(b-1) - 1]
  z, r (sigmoid): 1 / (2^b - 1), unsigned values 0..2^b - 1 (so 1 and 1 - z are exact)
  h_cand (tanh): 1 / (2^(b-1) - 1), values in +-(2^(b-1) - 1)
  rh, zh, h: max|.| observed in calibration (h at most 1) / (2^(b-1) - 1), values in [-2^(b-1), 2^(b-1) - 1]
Every rescaling is a Q31 multiplier and a shift (TFLite's QuantizeMultiplier) applied with
TFLite's MultiplyByQuantizedMultiplier; sums are formed FRAC_BITS below the target's LSB.
The step itself: hil/mpgru/ref.py."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hil.quant import quantize_multiplier
from hil.errors import ConfigError
from hil.mpgru.genome import OPERATORS, check_bits

FRAC_BITS = 8  # extra fractional bits of the sums before their final rounding
SIGMOID_CLIP, TANH_CLIP = 8.0, 4.0
MULT_NAMES = (
    "x_z", "h_z", "b_z",  # z_pre fine units <- x.W_z, h.U_z, b_z
    "x_r", "h_r", "b_r",
    "h_u", "b_hrec",  # u (rh fine units) <- h.U_h, b_h_rec
    "r_u",  # rh <- r * u
    "x_h", "rh_h", "b_hin",  # h_pre fine units <- x.W_h, rh, b_h_in
    "h_d", "hh_d",  # d (zh fine units) <- h, h_cand
    "z_d",  # zh <- z * d
    "hh_h", "v_h",  # h fine units <- h_cand, zh
)  # fmt: skip
GATES = "zrh"
BIASES = ("z", "r", "h_in", "h_rec")


@dataclass
class FloatCell:
    """A GRU cell's float weights, rows per output unit (reset_after=True)."""

    W: dict  # gate -> (H, I)
    U: dict  # gate -> (H, H)
    b: dict  # 'z', 'r' (input + recurrent), 'h_in', 'h_rec' -> (H,)

    @property
    def in_dim(self) -> int:
        return self.W["z"].shape[1]

    @property
    def units(self) -> int:
        return self.W["z"].shape[0]


@dataclass
class LayerQ:
    """One MP-GRU layer in integers: everything the numpy reference and the C kernel read."""

    in_dim: int
    units: int
    bits: dict  # operator -> bits
    x_scale: float
    x_zp: int
    h_scale: float  # the state's scale (state and state_out tensors), zero point 0
    W: dict  # gate -> int8 (H, I)
    U: dict  # gate -> int8 (H, H)
    b: dict  # BIASES -> int8 (H,)
    mult: np.ndarray  # int32 per MULT_NAMES
    shift: np.ndarray  # int32 per MULT_NAMES
    lut_z: np.ndarray  # uint8, 2^bits[z_pre]: sigmoid of z_pre index (q + 2^(b-1)) at bits[z]
    lut_r: np.ndarray
    lut_h: np.ndarray  # int8: tanh at bits[h_cand]
    scales: dict = field(default_factory=dict)  # every float scale, for reports

    def m(self, name: str) -> tuple[int, int]:
        i = MULT_NAMES.index(name)
        return int(self.mult[i]), int(self.shift[i])


def sym_max(bits: int) -> int:
    return (1 << (bits - 1)) - 1


def float_gru_step(cell: FloatCell, x: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, dict]:
    """The float step (Keras GRUCell, reset_after=True) and its intermediates, batched (N, .)."""
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    z_pre = x @ cell.W["z"].T + h @ cell.U["z"].T + cell.b["z"]
    r_pre = x @ cell.W["r"].T + h @ cell.U["r"].T + cell.b["r"]
    z, r = sig(z_pre), sig(r_pre)
    rh = r * (h @ cell.U["h"].T + cell.b["h_rec"])
    h_pre = x @ cell.W["h"].T + cell.b["h_in"] + rh
    hh = np.tanh(h_pre)
    zh = z * (h - hh)
    h_new = hh + zh
    return h_new, {"z_pre": z_pre, "r_pre": r_pre, "h_pre": h_pre, "rh": rh, "zh": zh, "h": h_new}


def _quant_tensor(w: np.ndarray, bits: int) -> tuple[np.ndarray, float]:
    q = sym_max(bits)
    peak = float(np.max(np.abs(w))) if w.size else 0.0
    if peak == 0.0:
        return np.zeros(w.shape, np.int8), 0.0
    scale = peak / q
    return np.clip(np.round(w / scale), -q, q).astype(np.int8), scale


def _multiplier(name: str, real: float) -> tuple[int, int]:
    m, s = quantize_multiplier(real)
    if m and not -31 <= s <= 30:
        raise ConfigError(f"MP-GRU rescale {name}: wanted a factor within 2^-31..2^30, got {real:g}")
    return m, s


def _lut(fn, pre_scale: float, pre_bits: int, out_scale_inv: float, lo: int, hi: int, dtype) -> np.ndarray:
    q = np.arange(-(1 << (pre_bits - 1)), 1 << (pre_bits - 1), dtype=np.float64)
    return np.clip(np.round(fn(q * pre_scale) * out_scale_inv), lo, hi).astype(dtype)


def quantize_layer(cell: FloatCell, ranges: dict, x_scale: float, x_zp: int, bits: dict) -> LayerQ:
    """The integer layer for bit widths `bits` ({operator: 2..8}) given calibration `ranges`
    (max |.| of z_pre, r_pre, h_pre, rh, zh, h over the calibration data)."""
    for name in OPERATORS:
        check_bits(name, bits.get(name))
    W, U, b, s = {}, {}, {}, {"x": x_scale}
    for g in GATES:
        W[g], s[f"W_{g}"] = _quant_tensor(cell.W[g], bits[f"W_{g}"])
        U[g], s[f"U_{g}"] = _quant_tensor(cell.U[g], bits[f"U_{g}"])
    for name in BIASES:
        b[name], s[f"b_{name}"] = _quant_tensor(cell.b[name], bits[f"b_{name[0]}"])
    tiny = 1e-6
    s["z_pre"] = max(min(ranges["z_pre"], SIGMOID_CLIP), tiny) / sym_max(bits["z_pre"])
    s["r_pre"] = max(min(ranges["r_pre"], SIGMOID_CLIP), tiny) / sym_max(bits["r_pre"])
    s["h_pre"] = max(min(ranges["h_pre"], TANH_CLIP), tiny) / sym_max(bits["h_pre"])
    s["z"], s["r"] = 1.0 / ((1 << bits["z"]) - 1), 1.0 / ((1 << bits["r"]) - 1)
    s["h_cand"] = 1.0 / sym_max(bits["h_cand"])
    s["rh"] = max(ranges["rh"], tiny) / sym_max(bits["rh"])
    s["zh"] = max(ranges["zh"], tiny) / sym_max(bits["zh"])
    s["h"] = max(min(ranges["h"], 1.0), tiny) / sym_max(bits["h"])
    fine = {k: s[k] / (1 << FRAC_BITS) for k in ("z_pre", "r_pre", "h_pre", "rh", "zh", "h")}
    real = {
        "x_z": x_scale * s["W_z"] / fine["z_pre"], "h_z": s["h"] * s["U_z"] / fine["z_pre"],
        "b_z": s["b_z"] / fine["z_pre"],
        "x_r": x_scale * s["W_r"] / fine["r_pre"], "h_r": s["h"] * s["U_r"] / fine["r_pre"],
        "b_r": s["b_r"] / fine["r_pre"],
        "h_u": s["h"] * s["U_h"] / fine["rh"], "b_hrec": s["b_h_rec"] / fine["rh"],
        "r_u": s["r"] * fine["rh"] / s["rh"],
        "x_h": x_scale * s["W_h"] / fine["h_pre"], "rh_h": s["rh"] / fine["h_pre"],
        "b_hin": s["b_h_in"] / fine["h_pre"],
        "h_d": s["h"] / fine["zh"], "hh_d": s["h_cand"] / fine["zh"],
        "z_d": s["z"] * fine["zh"] / s["zh"],
        "hh_h": s["h_cand"] / fine["h"], "v_h": s["zh"] / fine["h"],
    }  # fmt: skip
    pairs = [_multiplier(n, real[n]) for n in MULT_NAMES]
    sig = lambda v: 1.0 / (1.0 + np.exp(-v))  # noqa: E731
    zmax, rmax = (1 << bits["z"]) - 1, (1 << bits["r"]) - 1
    hmax = sym_max(bits["h_cand"])
    return LayerQ(
        cell.in_dim, cell.units, {k: bits[k] for k in OPERATORS}, float(x_scale), int(x_zp), s["h"], W, U, b,
        np.array([p[0] for p in pairs], np.int32), np.array([p[1] for p in pairs], np.int32),
        _lut(sig, s["z_pre"], bits["z_pre"], zmax, 0, zmax, np.uint8),
        _lut(sig, s["r_pre"], bits["r_pre"], rmax, 0, rmax, np.uint8),
        _lut(np.tanh, s["h_pre"], bits["h_pre"], hmax, -hmax, hmax, np.int8), s,
    )  # fmt: skip

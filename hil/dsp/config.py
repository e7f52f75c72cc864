"""A stream's configuration (the STREAM_BEGIN payload) and the integer state requantization.

The chain it runs (hil.dsp.spec.ChainSpec: FFT size, hop, window, feature, mask), which model input
takes the quantized features and which output is the mask, how features are quantized
(q = sat8(round_half_away(f * inv_scale) + zp), inv_scale a float32) and the mask dequantized
((q - zp) * scale), and per recurrent state a link from its state_out output back to its state input,
requantized with the firmware's integer arithmetic (qmath.h hil_requantize, parameters from
QuantizeMultiplier), so the board and the host mirror feed back the very same state.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from hil.dsp.spec import FEATURES, MASKS, NSNET2, WINDOWS, ChainSpec
from hil.errors import ConfigError
from hil.quant import quantize_multiplier, requantize_int

MAX_LINKS = 4
_FIXED = struct.Struct("<BBBBfifi")
_CHAIN = struct.Struct("<HHBBBxf")  # fft_size, hop, window, feature, mask, reserved, exponent
_LINK = struct.Struct("<BBHiiii")
FLAG_REFERENCE = 0x01


@dataclass(frozen=True)
class StateLink:
    """Feed model output `state_out` back into model input `state_in` (positions) after each hop."""

    state_out: int
    state_in: int
    multiplier: int  # Q31 in [2^30, 2^31), or 0
    shift: int  # -31..30
    zp_out: int
    zp_in: int

    @classmethod
    def between(cls, state_out: int, out_scale: float, out_zp: int, state_in: int, in_scale: float, in_zp: int):
        """The link whose integer requantization maps state_out's quantization onto state_in's."""
        multiplier, shift = quantize_multiplier(float(out_scale) / float(in_scale))
        return cls(state_out, state_in, multiplier, shift, int(out_zp), int(in_zp))


def requantize_state(q_out: np.ndarray, link: StateLink) -> np.ndarray:
    """int8 state_in = sat8(zp_in + hil_requantize(q_out - zp_out, multiplier, shift)), as stream.c."""
    return requantize_int(q_out, link.multiplier, link.shift, link.zp_out, link.zp_in, np.int8)


@dataclass(frozen=True)
class StreamConfig:
    feature_input: int  # model input position
    mask_output: int  # model output position
    feature_inv_scale: float  # a float32 value: 1 / the feature input's scale
    feature_zp: int
    mask_scale: float  # a float32 value
    mask_zp: int
    links: tuple[StateLink, ...] = ()
    reference: bool = False  # run the model with the reference kernels
    chain: ChainSpec = NSNET2
    exits: object = None  # a hil.dsp.exits.ExitConfig: the exit block (protocol 1.4); None: every op runs

    def pack(self) -> bytes:
        """The STREAM_BEGIN payload (layout in hil/link/protocol.py). Names outside the spec's tables pack
        as code 0, which the board refuses (for tests of its refusals: ChainSpec.check refuses them first)."""
        flags, c = FLAG_REFERENCE if self.reference else 0, self.chain
        head = _FIXED.pack(self.feature_input, self.mask_output, len(self.links), flags, self.feature_inv_scale,
                           self.feature_zp, self.mask_scale, self.mask_zp)  # fmt: skip
        head += _CHAIN.pack(c.fft_size, c.hop, WINDOWS.get(c.window, 0), FEATURES.get(c.feature, 0),
                            MASKS.get(c.mask, 0), c.exponent)  # fmt: skip
        links = b"".join(_LINK.pack(k.state_out, k.state_in, 0, k.multiplier, k.shift, k.zp_out, k.zp_in)
                         for k in self.links)  # fmt: skip
        return head + links + (self.exits.pack() if self.exits is not None else b"")

    @classmethod
    def from_model(cls, model, roles, reference: bool = False, chain: ChainSpec = NSNET2) -> "StreamConfig":
        """The configuration for a compiled model (hil.compile.compiler.CompiledModel) on `chain`.

        roles tells which input/output is which (a hil.step.roles.StepIO): `features`, `mask` and
        `states`, a (state input, new-state output) pair per recurrent layer, each with a `.position`."""
        io = _step_roles(roles)
        feat, mask = io.features.position, io.mask.position
        chain.check()
        _need_bins(model.inputs, feat, "feature input", chain)
        _need_bins(model.outputs, mask, "mask output", chain)
        f, m = model.inputs[feat], model.outputs[mask]
        links = []
        for state, state_out in io.states:
            s_in, s_out = model.inputs[state.position], model.outputs[state_out.position]
            if s_in.dtype != "int8" or s_out.dtype != "int8" or s_in.nbytes != s_out.nbytes:
                raise ConfigError(f"state link: wanted int8 state in and out of one size, got {s_out.dtype} "
                                  f"{s_out.shape} -> {s_in.dtype} {s_in.shape}")  # fmt: skip
            links.append(StateLink.between(state_out.position, s_out.scale, s_out.zero_point, state.position,
                                           s_in.scale, s_in.zero_point))  # fmt: skip
        return cls(feat, mask, float(np.float32(1.0 / f.scale)), f.zero_point, float(np.float32(m.scale)),
                   m.zero_point, tuple(links), reference, chain)  # fmt: skip


def _step_roles(roles):
    if not (hasattr(roles, "features") and hasattr(roles, "mask")):
        raise ConfigError(f"stream roles: wanted a StepIO (hil.step.roles.step_io), got {type(roles).__name__}")
    return roles


def _need_bins(specs, pos: int, what: str, chain: ChainSpec) -> None:
    t = specs[pos]
    if t.dtype != "int8" or int(np.prod(t.shape)) != chain.bins or not t.scale:
        raise ConfigError(f"{what}: wanted quantized int8 with {chain.bins} elements (the bins of the "
                          f"{chain.label()} chain), got {t.dtype} {t.shape} (scale {t.scale})")  # fmt: skip

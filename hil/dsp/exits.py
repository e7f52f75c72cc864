"""Early exits in a stream: which exit a frame takes, and what happens to the states it skips.

A model with exits (hil.compile.exits) can stop after any exit. A stream runs either to a fixed exit on
every frame, or lets the confidence policy choose per frame: it evaluates exit 0, 1, ... in turn and
stops at the first whose mask is decisive enough, the last exit when none is. The decisiveness of an
int8 mask q over B bins is D = sum_b |q_b - c|, c the quantised 0.5 (zp + round(0.5 / scale)): the
dequantised mean of 2 |m_b - 0.5|, a value in [0, 1], is D x 2 scale / B. Threshold tau in [0, 1]: stop
when D >= L = ceil(tau x B / (2 scale)), an integer computed here, exactly (fractions), and sent to the
board: host and board decide with the same integers. tau = 0 always stops at exit 0; tau = 1 asks for
every bin at 0 or 1.

The state rule: a GRU that a frame does not compute holds its state (h_t = h_{t-1}); only the states
written by the exits a frame evaluated are fed back. Training (hil.convert.exits), the numpy reference
(hil.step.exits), the host mirror (hil.dsp.chain) and the board (firmware/src/dsp/stream.c) follow it.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from hil.errors import ConfigError
from hil.quant import round_half_away_int

MODES = {"fixed": 1, "confidence": 2}  # STREAM_BEGIN's exit mode codes (0: no exits, every op runs)
_HEAD = struct.Struct("<BBBx")  # mode, fixed exit, n exits
_EXIT = struct.Struct("<BxxxfiiI")  # output position, mask scale, mask zp, centre, limit


@dataclass(frozen=True)
class ExitPolicy:
    """A fixed exit (`exit`) or the confidence rule with `threshold` in [0, 1]."""

    mode: str = "fixed"
    exit: int = 0
    threshold: float = 0.0

    def check(self, n_exits: int, where: str = "model") -> "ExitPolicy":
        """One clear line for a policy this model cannot take; the policy otherwise."""
        if n_exits == 0:
            raise ConfigError(f"{where} has no early exits: exit options (--exit, --policy, --sweep-exits) "
                              "need a model with exits, e.g. nsnet2-exits")  # fmt: skip
        if self.mode not in MODES:
            raise ConfigError(f"exit policy: wanted one of {', '.join(MODES)}, got '{self.mode}'")
        if self.mode == "fixed" and not 0 <= self.exit < n_exits:
            raise ConfigError(f"--exit: wanted an exit of {where} in 0..{n_exits - 1}, got {self.exit}")
        if self.mode == "confidence" and not (math.isfinite(self.threshold) and 0.0 <= self.threshold <= 1.0):
            raise ConfigError(f"--threshold: wanted a confidence threshold in [0, 1], got {self.threshold:g}")
        return self

    def label(self) -> str:
        return f"exit {self.exit}" if self.mode == "fixed" else f"confidence {self.threshold:g}"


@dataclass(frozen=True)
class ExitSpec:
    """One exit as a stream uses it: its mask output, that mask's quantisation, the decision integers,
    and the model outputs (new states) its ops write."""

    output: int
    mask_scale: float
    mask_zp: int
    centre: int
    limit: int
    writes: frozenset = frozenset()


def centre(scale: float, zp: int) -> int:
    return int(zp) + round_half_away_int(0.5 / float(scale))


def limit(threshold: float, bins: int, scale: float) -> int:
    """ceil(tau x B / (2 scale)), exactly."""
    return math.ceil(Fraction(threshold) * bins / (2 * Fraction(float(scale))))


def decisiveness(q: np.ndarray, c: int) -> int:
    return int(np.abs(np.asarray(q, np.int32).reshape(-1) - c).sum())


@dataclass(frozen=True)
class ExitConfig:
    """The exit block of STREAM_BEGIN: the policy and every exit's ExitSpec."""

    policy: ExitPolicy
    exits: tuple[ExitSpec, ...]

    def pack(self) -> bytes:
        head = _HEAD.pack(MODES[self.policy.mode], self.policy.exit, len(self.exits))
        return head + b"".join(_EXIT.pack(e.output, e.mask_scale, e.mask_zp, e.centre, e.limit) for e in self.exits)

    def choose(self, outputs: list[np.ndarray]) -> tuple[int, list[int]]:
        """(the exit taken, the exits evaluated) for one frame's model outputs (every output computed)."""
        if self.policy.mode == "fixed":
            return self.policy.exit, [self.policy.exit]
        k = 0
        while k < len(self.exits) - 1:
            e = self.exits[k]
            if decisiveness(outputs[e.output], e.centre) >= e.limit:
                break
            k += 1
        return k, list(range(k + 1))

    def written(self, evaluated: list[int]) -> set[int]:
        """The outputs (new states) the evaluated exits' ops write: the states fed back this frame."""
        return set().union(*(self.exits[k].writes for k in evaluated))


def exit_config(policy: ExitPolicy, outputs, positions: list[int], writes: list[set[int]], bins: int) -> ExitConfig:
    """The ExitConfig of a model whose exits' masks are outputs[positions[k]] (IoSpecs or TensorInfos)."""
    policy.check(len(positions))
    specs = []
    for pos, w in zip(positions, writes):
        t = outputs[pos]
        scale = float(np.float32(t.scale))
        specs.append(ExitSpec(pos, scale, int(t.zero_point), centre(scale, t.zero_point),
                              limit(policy.threshold, bins, scale) if policy.mode == "confidence" else 0,
                              frozenset(w)))  # fmt: skip
    return ExitConfig(policy, tuple(specs))

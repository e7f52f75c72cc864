"""A current meter, what it returns, and energy over inference windows.

The board raises a logic pin for the duration of each inference; the meter samples
the supply current and its logic inputs together, so the spans where that pin is
high are the inference windows, and current x supply voltage integrated over a span
is that inference's measured energy."""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from hil.errors import LinkError


class MeterError(LinkError):
    """A meter did not answer as its protocol says: no metadata, garbage, a closed port."""


@dataclass(frozen=True)
class Samples:
    """One capture. times_s[i] = i / sample_rate_hz from the first sample; current_ua
    is NaN where a sample could not be decoded; logic holds the 8 logic inputs as bits
    (bit n = channel n). dropped counts samples the meter reports as lost."""

    times_s: np.ndarray
    current_ua: np.ndarray
    logic: np.ndarray
    sample_rate_hz: float
    dropped: int = 0

    def __len__(self) -> int:
        return len(self.current_ua)


class Window(NamedTuple):
    """Sample indices [start, end) where a logic channel was high."""

    start: int
    end: int


class Meter(abc.ABC):
    """A current meter: start() begins sampling, stop() ends it and returns the Samples."""

    sample_rate_hz: float

    @abc.abstractmethod
    def start(self) -> None: ...

    @abc.abstractmethod
    def stop(self) -> Samples: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    def capture(self, seconds: float) -> Samples:
        self.start()
        time.sleep(seconds)
        return self.stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def windows(samples: Samples, channel: int) -> list[Window]:
    """The spans where logic `channel` (0-7) is high, as sample indices [start, end).
    A span already high at the first sample or still high at the last is cut by the
    capture, not by the board, and is left out."""
    if not 0 <= channel <= 7:
        raise ValueError(f"logic channel must be 0-7, got {channel}")
    high = ((samples.logic >> channel) & 1).astype(np.int8)
    edges = np.diff(high)
    starts = np.flatnonzero(edges == 1) + 1
    ends = np.flatnonzero(edges == -1) + 1
    if high.size and high[0]:
        ends = ends[1:]  # the span open at the start
    return [Window(int(s), int(e)) for s, e in zip(starts, ends)]  # zip drops one still open at the end


def window_energy_uj(samples: Samples, spans: list[Window], supply_v: float) -> list[float]:
    """Energy in microjoules over each span: the sum of current (µA) x supply_v (V) x
    the sample period (s) (µA x V x s = µJ). Undecodable (NaN) samples count as 0."""
    dt = 1.0 / samples.sample_rate_hz
    cur = samples.current_ua
    return [float(np.nansum(cur[w.start : w.end]) * supply_v * dt) for w in spans]

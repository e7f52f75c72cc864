"""What the speech-enhancement chain computes, as a float64 reference, for a chain configuration.

16 kHz mono PCM (int16) scaled to [-1, 1) (pcm / 32768). A `ChainSpec` names the rest:
- frames of `fft_size` samples every `hop` samples, hop = fft_size / 2 or fft_size / 4 (50 % or 75 %
  overlap); a periodic analysis window, `sqrt-hann` (sqrt(0.5 - 0.5 cos(2 pi n / N))) or `hann`;
- a real FFT of fft_size points: bins = fft_size / 2 + 1;
- the feature per bin: `log-power` ln(|X|^2 + POWER_FLOOR), or `power-law`
  (|X|^2 + POWER_FLOOR)^(exponent / 2), i.e. the magnitude compressed to |X|^exponent, 0 < exponent <= 2;
- the mask: `gain`, a real value per bin from the model multiplies the complex spectrum (a magnitude mask
  with the noisy phase);
- synthesis: the inverse real FFT times the least-squares dual of the analysis window,
  ws(n) = wa(n) / sum_j wa((n mod hop) + j hop)^2, overlap-added. The sum (the window's squared envelope
  at this hop) is positive for every n with either window at either overlap, so sum_k wa ws = 1 under
  every sample: ISTFT(STFT(x)) == x. For sqrt-hann at 50 % it is 1 and ws = wa.

nsNet2's chain is the default (NSNET2: 320/160, sqrt-hann, log-power), and the module's constants and
functions are that chain's. Conv-FSENet (DynCP) uses 512/256 with the power-law magnitude, c = 0.3.

Streaming: the chain keeps the last fft_size - hop input samples (zeros at the start). Each call takes
hop new samples and gives hop output samples; output sample n is input sample n - latency,
latency = fft_size - hop. A whole signal streams as ceil(len / hop) hops (the last zero-padded) plus
latency / hop hops of zeros, and the output with its first latency samples dropped, cut to len, is the
enhanced signal.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from hil.errors import ConfigError

POWER_FLOOR = 1e-9
PCM_SCALE = 1.0 / 32768.0
# What the board runs (firmware/src/dsp, tables generated from these by hil.dsp.tables). Per FFT size the
# radices of the Stockham stages of its complex FFT of fft_size / 2 points (radix 5 only first).
FFT_RADICES = {320: (5, 2, 2, 2, 2, 2), 512: (4, 4, 4, 4)}
OVERLAPS = (2, 4)  # fft_size / hop: 50 % and 75 % overlap
WINDOWS = {"sqrt-hann": 1, "hann": 2}  # name -> wire code (hil/stft.h hil_stft_window_kind_t)
FEATURES = {"log-power": 1, "power-law": 2}  # hil_stft_feature_t
MASKS = {"gain": 1}  # hil_stft_mask_t
MAX_EXPONENT = 2.0


def _names(d) -> str:
    return ", ".join(str(k) for k in d)


@dataclass(frozen=True)
class ChainSpec:
    """One chain configuration: part of a model's identity (its zoo card, its .tflite's `hil_chain`
    metadata) and of every stream's STREAM_BEGIN."""

    fft_size: int = 320
    hop: int = 160
    window: str = "sqrt-hann"
    feature: str = "log-power"
    exponent: float = 0.0  # power-law's c; 0 for log-power
    mask: str = "gain"

    @property
    def bins(self) -> int:
        return self.fft_size // 2 + 1

    @property
    def latency(self) -> int:
        """Output sample n is input sample n - latency; also the input history the chain keeps."""
        return self.fft_size - self.hop

    def label(self) -> str:
        feat = self.feature if self.feature != "power-law" else f"power-law {self.exponent:g}"
        return f"{self.fft_size}/{self.hop} {self.window} {feat}"

    def check(self) -> "ChainSpec":
        """This chain if the board runs it; else ConfigError, one line saying what is wanted."""
        where = f"chain {self.label()}"
        if self.fft_size not in FFT_RADICES:
            raise ConfigError(f"{where}: wanted an FFT size the board runs ({_names(FFT_RADICES)}), "
                              f"got {self.fft_size}")  # fmt: skip
        hops = [self.fft_size // k for k in OVERLAPS]
        if self.hop not in hops:
            raise ConfigError(f"{where}: wanted a hop of {' or '.join(map(str, hops))} (50 % or 75 % overlap), "
                              f"got {self.hop}")  # fmt: skip
        for what, value, known in (("window", self.window, WINDOWS), ("feature", self.feature, FEATURES),
                                   ("mask", self.mask, MASKS)):  # fmt: skip
            if value not in known:
                raise ConfigError(f"{where}: wanted a {what} the board runs ({_names(known)}), got {value!r}")
        power = self.feature == "power-law"
        if power and not (0 < self.exponent <= MAX_EXPONENT) or not power and self.exponent != 0:
            want = f"0 < exponent <= {MAX_EXPONENT:g}" if power else "exponent 0 (log-power has none)"
            raise ConfigError(f"{where}: wanted {want}, got {self.exponent}")
        return self

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d, where: str = "chain") -> "ChainSpec":
        """A checked chain from a card's or metadata's dict; ConfigError naming `where` otherwise."""
        if not isinstance(d, dict) or set(d) - set(cls.__dataclass_fields__):
            got = sorted(set(d) - set(cls.__dataclass_fields__)) if isinstance(d, dict) else type(d).__name__
            raise ConfigError(f"{where}: wanted a chain with keys {_names(cls.__dataclass_fields__)}, got {got}")
        types = {"fft_size": int, "hop": int, "window": str, "feature": str, "exponent": (int, float), "mask": str}
        for key, value in d.items():
            if not isinstance(value, types[key]) or isinstance(value, bool):
                raise ConfigError(f"{where}: wanted {key} of type {getattr(types[key], '__name__', 'number')}, "
                                  f"got {value!r}")  # fmt: skip
        try:
            return cls(**{**d, "exponent": float(d.get("exponent", 0.0))}).check()
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None

    # --- the float64 reference ------------------------------------------------------------------------
    def window_values(self) -> np.ndarray:
        """The periodic analysis window (float64, fft_size points)."""
        hann = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(self.fft_size) / self.fft_size)
        return np.sqrt(hann) if self.window == "sqrt-hann" else hann

    def synthesis_window(self) -> np.ndarray:
        """The least-squares dual of the analysis window at this hop (see the module's doc). sqrt-hann's squares
        are a Hann, whose envelope is exactly fft_size / (2 hop): ws = wa (50 %) or wa / 2 (75 %)."""
        w = self.window_values()
        if self.window == "sqrt-hann":
            return w * (2.0 * self.hop / self.fft_size)
        envelope = (w.reshape(-1, self.hop) ** 2).sum(axis=0)
        return w / np.tile(envelope, self.fft_size // self.hop)

    def hops_of(self, samples: int) -> int:
        """How many hops a stream of `samples` takes: ceil(samples / hop) plus latency / hop flush hops."""
        return -(-samples // self.hop) + self.latency // self.hop

    def frames(self, pcm: np.ndarray) -> np.ndarray:
        """(T, fft_size) streaming-aligned analysis frames of a 1-D signal in [-1, 1), T = hops_of(len)."""
        x = np.asarray(pcm, np.float64)
        t = self.hops_of(len(x))
        padded = np.zeros(self.latency + t * self.hop)
        padded[self.latency : self.latency + len(x)] = x
        idx = np.arange(t)[:, None] * self.hop + np.arange(self.fft_size)[None, :]
        return padded[idx]

    def stft(self, pcm: np.ndarray) -> np.ndarray:
        """(T, bins) complex spectra of the windowed frames."""
        return np.fft.rfft(self.frames(pcm) * self.window_values(), axis=-1)

    def feature_of(self, spec: np.ndarray) -> np.ndarray:
        """The model's input feature of (T, bins) spectra (float64)."""
        power = np.abs(spec) ** 2 + POWER_FLOOR
        return np.log(power) if self.feature == "log-power" else power ** (self.exponent / 2.0)

    def features(self, pcm_int16: np.ndarray) -> np.ndarray:
        """Feature frames of int16 PCM, as the model sees them (float32, (T, bins))."""
        return self.feature_of(self.stft(np.asarray(pcm_int16, np.float64) * PCM_SCALE)).astype(np.float32)

    def istft(self, spec: np.ndarray, length: int | None = None) -> np.ndarray:
        """Overlap-add synthesis of (T, bins) spectra back to a signal aligned with the input of `stft`
        (the latency removed), cut to `length` samples."""
        t, n, hop = spec.shape[0], self.fft_size, self.hop
        out = np.zeros(self.latency + t * hop + n)
        y = np.fft.irfft(spec, n=n, axis=-1) * self.synthesis_window()
        for i in range(t):
            out[i * hop : i * hop + n] += y[i]
        out = out[self.latency : self.latency + t * hop]
        return out if length is None else out[:length]

    def enhance(self, pcm_int16: np.ndarray, mask_fn) -> np.ndarray:
        """Apply a mask function (T, bins) features -> (T, bins) masks; returns float64 in [-1, 1)."""
        spec = self.stft(np.asarray(pcm_int16, np.float64) * PCM_SCALE)
        mask = mask_fn(self.feature_of(spec).astype(np.float32))
        return self.istft(spec * mask, length=len(pcm_int16))

    def ideal_ratio_mask(self, clean_int16: np.ndarray, noisy_int16: np.ndarray) -> np.ndarray:
        """Training target: |S|^2 / (|S|^2 + |N|^2) clipped to [0, 1], N = noisy - clean (float32, (T, bins))."""
        clean = np.asarray(clean_int16, np.float64)
        s = self.stft(clean * PCM_SCALE)
        n = self.stft((np.asarray(noisy_int16, np.float64) - clean) * PCM_SCALE)
        ps, pn = np.abs(s) ** 2, np.abs(n) ** 2
        return np.clip(ps / (ps + pn + 1e-12), 0.0, 1.0).astype(np.float32)


NSNET2 = ChainSpec()  # nsNet2's chain, the default
FSENET = ChainSpec(512, 256, "hann", "power-law", 0.3)  # Conv-FSENet's (DynCP): 32 ms frames, 16 ms hop

# nsNet2's chain as module constants and functions (what the nsNet2 models, the se task and older callers use)
WINDOW, HOP, BINS, LATENCY = NSNET2.fft_size, NSNET2.hop, NSNET2.bins, NSNET2.latency
window, frames, stft, features = NSNET2.window_values, NSNET2.frames, NSNET2.stft, NSNET2.features
istft, enhance, ideal_ratio_mask = NSNET2.istft, NSNET2.enhance, NSNET2.ideal_ratio_mask
log_power = NSNET2.feature_of  # ln(|X|^2 + POWER_FLOOR) of (T, bins) spectra

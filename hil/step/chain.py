"""Stream an utterance through the speech chain, hop by hop with the model's state kept: on a board,
in the simulator library, or in the host mirror.

All three run the same arithmetic (firmware/src/dsp, or hil.dsp.chain op for op) and give the same
output bit for bit; they differ in what their stage counts measure (`counter`: the board's counter,
e.g. "tim2-icount" instructions on the emulator, or "host-ns" on the host). A board is reached
through its Session; the in-process engines are named in CHAIN_ENGINES.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from hil.compile.compiler import compile_tflite
from hil.dsp.chain import ChainStream
from hil.dsp.config import StreamConfig
from hil.dsp.identity import chain_of
from hil.dsp.spec import NSNET2, ChainSpec
from hil.errors import BoardResetError, ConfigError, DeviceError
from hil.link.protocol import STREAM_STAGES, Status, parse_stream_hops, stream_max_hops, stream_reason
from hil.link.session import Session
from hil.link.upload import ensure_model
from hil.sim import Simulator, stream_command
from hil.step.roles import step_io


@dataclass(frozen=True)
class StreamModel:
    """A compiled step model and the stream configuration that drives it (with the model's chain)."""

    compiled: object  # hil.compile.compiler.CompiledModel
    config: StreamConfig

    @property
    def chain(self) -> ChainSpec:
        return self.config.chain

    @property
    def n_exits(self) -> int:
        return len(self.compiled.exits)

    @classmethod
    def from_tflite(cls, tflite: bytes, reference: bool = False, name: str = "model", policy=None) -> "StreamModel":
        """The model on the chain its .tflite names (hil.dsp.identity; nsNet2's when it names none); with an
        ExitPolicy (hil.dsp.exits), a stream of the model's early exits (one clear line without exits)."""
        compiled = compile_tflite(tflite)
        chain = chain_of(tflite, name)
        model = cls(compiled, StreamConfig.from_model(compiled, step_io(tflite), reference, chain))
        return model if policy is None else model.with_policy(policy, tflite, name)

    def with_policy(self, policy, tflite: bytes, name: str = "model") -> "StreamModel":
        """The same model streamed under another exit policy."""
        from hil.step.exits import exit_config_of

        return StreamModel(self.compiled, replace(self.config, exits=exit_config_of(tflite, policy, name)))


@dataclass
class StreamResult:
    enhanced: np.ndarray  # int16, aligned with the input and cut to its length
    stage_counts: np.ndarray  # (hops, 5) uint32, columns STAGES
    counter: str  # what the counts count: "tim2-icount" (instructions), "dwt" (cycles), "host-ns"
    stages: tuple = STREAM_STAGES
    exits: np.ndarray | None = None  # (hops,) uint8: the exit each hop took (streams with an exit policy)


class BoardStream:
    """The chain on a board behind a Session: uploads the model if needed, then STREAM_BEGIN."""

    def __init__(self, session, model: StreamModel):
        self.session = session
        ensure_model(session, model.compiled.blob)
        self.max_hops = session.stream_begin(model.config.pack())
        self.counter = session.board_info.counter if session.board_info else "unknown"

    def hops(self, pcm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.session.stream_hops(pcm)


class SimStream:
    """The board's C chain in-process (hil_sim_stream_*), with the model loaded in the simulator."""

    counter = "host-ns"

    def __init__(self, model: StreamModel):
        self._command, self.hop = stream_command, model.chain.hop
        self.exits = model.config.exits is not None
        self.max_hops = stream_max_hops(self.hop, self.exits)
        Simulator(model.compiled.blob).ensure_loaded()
        status, reply = stream_command("begin", model.config.pack())
        if status != Status.OK:
            why = stream_reason(reply) if status == Status.BAD_ARG else Status.describe(status)
            raise DeviceError(f"simulator refused the stream configuration: {why}", status, reply)

    def hops(self, pcm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = np.ascontiguousarray(pcm, dtype="<i2").reshape(-1, self.hop)
        status, reply = self._command("hops", rows.tobytes())
        if status != Status.OK:
            raise DeviceError(f"simulator answered STREAM_HOPS with {Status.describe(status)} "
                              "(another model loaded since STREAM_BEGIN ends the stream)", status)  # fmt: skip
        return parse_stream_hops(reply, len(rows), self.hop, self.exits)


def _mirror(model: StreamModel) -> ChainStream:
    return ChainStream(model.compiled, model.config)


CHAIN_ENGINES = {"sim": SimStream, "mirror": _mirror}


def open_stream(target, model: StreamModel):
    """A board's Session -> BoardStream; an engine name from CHAIN_ENGINES -> that engine's stream."""
    if isinstance(target, Session):
        return BoardStream(target, model)
    if isinstance(target, str) and target in CHAIN_ENGINES:
        return CHAIN_ENGINES[target](model)
    raise ConfigError(f"stream target: wanted a board Session or one of {', '.join(CHAIN_ENGINES)}, got {target!r}")


def stream_hops_of(pcm: np.ndarray, chain: ChainSpec = NSNET2) -> np.ndarray:
    """The (hops, hop) int16 a signal streams as: ceil(len / hop) hops, zero-padded, plus latency / hop
    flush hops (one for 50 % overlap, three for 75 %)."""
    pcm = np.asarray(pcm)
    if pcm.ndim != 1 or pcm.dtype != np.int16:
        raise ConfigError(f"pcm: wanted a 1-D int16 signal, got {pcm.dtype} of shape {pcm.shape}")
    hops = chain.hops_of(len(pcm))
    padded = np.zeros(hops * chain.hop, np.int16)
    padded[: len(pcm)] = pcm
    return padded.reshape(hops, chain.hop)


def stream_utterance(target, model: StreamModel, pcm: np.ndarray, hops_per_request: int | None = None) -> StreamResult:
    """Enhance int16 PCM through the chain on `target` (see open_stream), from a fresh stream.

    A board that resets mid-stream (its GRU state is gone) raises BoardResetError naming the hop."""
    rows = stream_hops_of(pcm, model.chain)
    stream = open_stream(target, model)
    step = min(hops_per_request or stream.max_hops, stream.max_hops)
    counts, outs, taken = [], [], []
    for start in range(0, len(rows), step):
        try:
            c, o, *e = stream.hops(rows[start : start + step])
        except BoardResetError as exc:
            raise BoardResetError(f"{exc}: the stream lost its state at hop {start} of {len(rows)}",
                                  exc.reset_cause) from None  # fmt: skip
        counts.append(c)
        outs.append(o)
        taken.extend(e)
    out = np.concatenate(outs).reshape(-1)
    latency = model.chain.latency
    return StreamResult(out[latency : latency + len(pcm)].copy(), np.concatenate(counts), stream.counter,
                        exits=np.concatenate(taken) if taken else None)  # fmt: skip

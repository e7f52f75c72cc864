"""Protocol constants and payload layouts; mirrors firmware/include/hil/proto.h."""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass

from hil.errors import LinkError

PROTO_VERSION = (1, 4)  # 1.1: tensors over several frames (INPUT_WRITE, INVOKE_STAGED, OUTPUT_READ); 1.2: the flash
# model slot (SLOT_LOAD, the slot report in MODEL_INFO); 1.3: the speech chain's configuration in STREAM_BEGIN;
# 1.4: early exits (an optional exit block in STREAM_BEGIN, the exit taken per hop in STREAM_HOPS' reply)
HEADER = struct.Struct("<BBH")  # type, status, seq
CRC_BYTES = 4
MAX_PAYLOAD = 4096
TYPE_REQUEST_LIMIT = 0x40  # request types are 0x00..0x3F, so replies (type | TYPE_REPLY) never meet events
TYPE_REPLY = 0x80
TYPE_EVENT = 0xC0
SEQ_NONE = 0xFFFF
SPIN_MAX = 10_000_000


class Cmd(enum.IntEnum):
    NONE = 0x00
    HELLO = 0x01
    INFO = 0x02
    ECHO = 0x03
    RESET = 0x04
    SINK = 0x05
    SOURCE = 0x06
    SPIN = 0x07
    MODEL_BEGIN = 0x10
    MODEL_CHUNK = 0x11
    MODEL_END = 0x12
    MODEL_INFO = 0x13
    SLOT_LOAD = 0x18  # the flash slot (hil.link.slot)
    INVOKE = 0x20
    PROFILE = 0x21
    INPUT_WRITE = 0x23
    INVOKE_STAGED = 0x24
    OUTPUT_READ = 0x25
    STREAM_BEGIN = 0x30
    STREAM_HOPS = 0x31


# INVOKE / INVOKE_STAGED flags (firmware/include/hil/runtime.h, proto.h)
INVOKE_REFERENCE = 0x01  # run the reference kernels
INVOKE_REPLY_OUTPUTS = 0x02  # INVOKE_STAGED: the reply carries the outputs after the cycles


def reply_type(cmd: int) -> int:
    """The type of the board's reply to a frame of type cmd. A request (0x00..0x3F) is answered as
    cmd | TYPE_REPLY (0x80..0xBF). Any other type is no request (0x41 | 0x80 and 0xC1 | 0x80 would both read
    as the BOOT event 0xC1): the board answers it as NONE (0x80) with status UNKNOWN_CMD and the frame's
    seq, so that no reply ever has an event's type (0xC0..0xFF)."""
    return TYPE_REPLY | cmd if 0 <= cmd < TYPE_REQUEST_LIMIT else TYPE_REPLY | Cmd.NONE


def cmd_name(cmd: int) -> str:
    """A request type's name for messages: HELLO, or 0xC1 for a type that is not a command."""
    try:
        return Cmd(cmd).name
    except ValueError:
        return f"0x{cmd:02X}"


class Event(enum.IntEnum):
    BOOT = 0x01


class Status(enum.IntEnum):
    OK = 0
    CRC = 1
    FRAME = 2
    TOO_LONG = 3
    UNKNOWN_CMD = 4
    BAD_ARG = 5
    VERSION = 6
    NO_MODEL = 7
    BAD_MODEL = 8
    NO_SPACE = 9
    STATE = 10
    UNSUPPORTED = 11

    @classmethod
    def describe(cls, value: int) -> str:
        try:
            return cls(value).name.lower()
        except ValueError:
            return f"unknown status {value}"


COUNTER_KINDS = {0: "none", 1: "dwt", 2: "tim2-icount", 3: "host-ns", 4: "ccount", 5: "rv-icount", 6: "mpccr"}
RESET_CAUSES = {0: "power-on", 1: "software", 2: "fault"}
FLAG_CLOCK_LOCKED = 0x01
FLAG_FPU = 0x02

_INFO_FIXED = struct.Struct("<HHIIIIBBB")
_STATS = struct.Struct("<6I")
STAT_NAMES = ("frames_ok", "crc_errors", "frame_errors", "too_long_errors", "unknown_cmds", "duplicate_requests")


def _take_str(data: bytes, pos: int) -> tuple[str, int]:
    n = data[pos]
    return data[pos + 1 : pos + 1 + n].decode("ascii", "replace"), pos + 1 + n


@dataclass(frozen=True)
class BoardInfo:
    """What HELLO and INFO report (see put_board_info in commands.c)."""

    protocol_version: str
    max_payload_bytes: int
    clock_hz: int
    flash_bytes: int
    ram_bytes: int
    model_ram_bytes: int
    counter: str
    clock_locked: bool
    fpu: bool
    reset_cause: str
    board_id: str
    firmware_version: str
    stats: dict | None = None

    @classmethod
    def parse(cls, payload: bytes, with_stats: bool = False) -> "BoardInfo":
        try:
            ver, maxp, clk, flash, ram, model_ram, counter, flags, cause = _INFO_FIXED.unpack_from(payload)
            board_id, pos = _take_str(payload, _INFO_FIXED.size)
            fw, pos = _take_str(payload, pos)
            stats = dict(zip(STAT_NAMES, _STATS.unpack_from(payload, pos))) if with_stats else None
        except (struct.error, IndexError) as exc:
            raise LinkError(f"board info reply is malformed ({len(payload)} bytes): {exc}") from None
        return cls(
            protocol_version=f"{ver >> 8}.{ver & 0xFF}",
            max_payload_bytes=maxp,
            clock_hz=clk,
            flash_bytes=flash,
            ram_bytes=ram,
            model_ram_bytes=model_ram,
            counter=COUNTER_KINDS.get(counter, f"unknown-{counter}"),
            clock_locked=bool(flags & FLAG_CLOCK_LOCKED),
            fpu=bool(flags & FLAG_FPU),
            reset_cause=RESET_CAUSES.get(cause, f"unknown-{cause}"),
            board_id=board_id,
            firmware_version=fw,
            stats=stats,
        )


# --- the speech-enhancement stream (firmware/include/hil/stream.h, src/proto/stream.c) --------------
# STREAM_BEGIN payload (little-endian): u8 feature_input, u8 mask_output (model input/output positions),
#   u8 n_links (<= 4), u8 flags (bit 0: reference kernels), f32 feature_inv_scale, i32 feature_zp,
#   f32 mask_scale, i32 mask_zp; the chain: u16 fft_size, u16 hop, u8 window, u8 feature, u8 mask,
#   u8 reserved, f32 exponent (codes in hil.dsp.spec); then per link: u8 state_out (output position),
#   u8 state_in (input position), u16 reserved, i32 multiplier, i32 shift, i32 zp_out, i32 zp_in
#   (hil.dsp.config); then (1.4, optional) the exit block: u8 mode (1 fixed, 2 confidence), u8 exit,
#   u8 n_exits, u8 reserved, per exit u8 output, 3 reserved, f32 mask_scale, i32 mask_zp, i32 centre,
#   u32 limit (hil.dsp.exits). Without it every op runs, as before 1.4. Reply OK: u16 max hops per STREAM_HOPS; BAD_ARG: u8 reason (STREAM_REASONS), for
#   reasons 2 and 3 followed by u16 the chain's bins; NO_MODEL without one.
# STREAM_HOPS payload: k x hop i16 samples, 1 <= k <= max hops. Reply: k x (5 u32 stage counts
#   [analysis, feature, model, mask, synthesis], with an exit block u8 exit taken + u8 reserved,
#   hop i16 samples). STATE: no stream, or the model
#   changed since STREAM_BEGIN.
STREAM_STAGES = ("analysis", "feature", "model", "mask", "synthesis")


def stream_record_bytes(hop: int, exits: bool = False) -> int:
    """One hop's STREAM_HOPS reply record: stage counts, the exit taken (with exits), samples."""
    return 4 * len(STREAM_STAGES) + (2 if exits else 0) + 2 * hop


def stream_max_hops(hop: int, exits: bool = False) -> int:
    """The most hops one STREAM_HOPS carries: its reply (stage counts and samples per hop) fits a frame."""
    return MAX_PAYLOAD // stream_record_bytes(hop, exits)


STREAM_MAX_HOPS = stream_max_hops(160)  # nsNet2's chain: 12
STREAM_REASONS = {
    1: "payload length is not 32 + 20 x n_links bytes",
    2: "feature input: wanted an int8 model input with {bins} elements (the chain's bins)",
    3: "mask output: wanted an int8 model output with {bins} elements (the chain's bins)",
    4: "feature quantization: wanted a finite inv_scale > 0 and the input's zero point",
    5: "mask dequantization: wanted a finite scale > 0 and the output's zero point",
    6: "state links: wanted at most 4 and one per model input besides the features",
    7: "state link: wanted int8 state_out/state_in of one size, each input fed once",
    8: "state requantization: wanted multiplier 0 or in [2^30, 2^31), shift in [-31, 30], the tensors' zero points",
    9: "states: wanted at most 1024 bytes in all",
    10: "chain: wanted an FFT size the board has a plan for (320, 512)",
    11: "chain: wanted a hop of fft_size / 2 or fft_size / 4 (50 % or 75 % overlap)",
    12: "chain: wanted a window the board has (1 sqrt-hann, 2 hann)",
    13: "chain: wanted a feature the board computes (1 log-power, 2 power-law)",
    14: "chain: wanted a power-law exponent in (0, 2], or 0 for log-power",
    15: "chain: wanted a mask the board applies (1 gain)",
    16: "exits: wanted a model with exits and, per exit, its mask output with that output's "
        "quantization",
    17: "exits: wanted a fixed exit the model has",
}


def stream_reason(payload: bytes) -> str:
    """What a refused STREAM_BEGIN's reply says was wrong."""
    code = payload[0] if payload else 0
    bins = struct.unpack_from("<H", payload, 1)[0] if len(payload) >= 3 else "the chain's"
    return STREAM_REASONS.get(code, f"unknown reason {code}").format(bins=bins)


def parse_stream_hops(payload: bytes, hops: int, hop: int = 160, exits: bool = False):
    """A STREAM_HOPS reply -> (stage counts (hops, 5) uint32, samples (hops, hop) int16), and for a
    stream with exits the exit each hop took (hops,) uint8 as a third item."""
    import numpy as np

    fields = [("counts", "<u4", (len(STREAM_STAGES),))] + ([("exit", "u1"), ("_", "u1")] if exits else [])
    record = np.dtype(fields + [("pcm", "<i2", (hop,))])
    if len(payload) != hops * record.itemsize:
        raise LinkError(f"STREAM_HOPS reply: wanted {hops * record.itemsize} bytes for {hops} hops, got {len(payload)}")
    rows = np.frombuffer(payload, record)
    out = rows["counts"].astype(np.uint32), rows["pcm"].astype(np.int16)
    return (*out, rows["exit"].copy()) if exits else out

"""Model inputs and outputs of any size: one INVOKE frame when they fit, several frames when not.

INVOKE carries every input in its request and every output in its reply. When the inputs pass one
frame they are staged with INPUT_WRITEs at explicit offsets and run with INVOKE_STAGED; when the
outputs pass one frame the INVOKE_STAGED reply holds only the counter figure and OUTPUT_READs fetch
them. Each piece is a request of its own: CRC-checked, retried, and never run twice (the board answers
a retried sequence number from its saved reply; a write at an explicit offset is idempotent anyway).
The rules the board enforces are in firmware/include/hil/proto.h; `invoke` is the one place that
picks the path."""

from __future__ import annotations

import struct

from hil.errors import ConfigError, DeviceError
from hil.link.protocol import INVOKE_REFERENCE, INVOKE_REPLY_OUTPUTS, Cmd, Status
from hil.link.session import Session

MULTI_FRAME_VERSION = (1, 1)  # the first protocol with INPUT_WRITE, INVOKE_STAGED, OUTPUT_READ
_OFFSET = struct.Struct("<I")
_READ = struct.Struct("<IH")


def inputs_fit(session: Session, in_bytes: int) -> bool:
    """Whether the inputs fit one INVOKE request (u8 flags, then the input bytes)."""
    return in_bytes + 1 <= session.max_payload


def outputs_fit(session: Session, out_bytes: int) -> bool:
    """Whether the outputs fit one INVOKE reply (u32 cycles, then the output bytes)."""
    return out_bytes + 4 <= session.max_payload


def _check_board_speaks_multi_frame(session: Session, in_bytes: int, out_bytes: int) -> None:
    spoken = session.board_info.protocol_version if session.board_info else None
    if spoken is None or tuple(int(v) for v in spoken.split(".")) >= MULTI_FRAME_VERSION:
        return
    raise ConfigError(f"model inputs ({in_bytes:,} B) or outputs ({out_bytes:,} B) pass one "
                      f"{session.max_payload:,}-byte frame: that needs protocol "
                      f"{'.'.join(map(str, MULTI_FRAME_VERSION))}, the board on {session.url} speaks {spoken}; "
                      "flash matching firmware with `hil flash`")  # fmt: skip


def write_inputs(session: Session, data: bytes) -> int:
    """Stage the inputs (concatenated in model order) in frames of at most max_payload; returns the
    number of bytes the board holds staged."""
    step, staged = session.max_payload - _OFFSET.size, 0
    for offset in range(0, len(data), step):
        reply = session.request(Cmd.INPUT_WRITE, _OFFSET.pack(offset) + data[offset : offset + step])
        (staged,) = _OFFSET.unpack(reply)
    return staged


def invoke_staged(session: Session, out_bytes: int, reference: bool = False) -> tuple[int, bytes | None]:
    """Run the model on the staged inputs: (counter delta, the outputs when they fit the reply, else None)."""
    with_outputs = outputs_fit(session, out_bytes)
    flags = (INVOKE_REFERENCE if reference else 0) | (INVOKE_REPLY_OUTPUTS if with_outputs else 0)
    try:
        payload = session.request(Cmd.INVOKE_STAGED, bytes([flags]), reply_bytes=out_bytes if with_outputs else 0)
    except DeviceError as exc:
        if exc.status == Status.STATE and len(exc.payload) >= _OFFSET.size:
            (staged,) = _OFFSET.unpack_from(exc.payload)
            raise DeviceError(f"board on {session.url} refused INVOKE_STAGED: {staged:,} input bytes staged "
                              "since the last run, not all of them", exc.status, exc.payload) from None  # fmt: skip
        raise
    (cycles,) = _OFFSET.unpack_from(payload)
    return cycles, payload[_OFFSET.size :] if with_outputs else None


def read_outputs(session: Session, out_bytes: int) -> bytes:
    """The outputs of the latest run (concatenated in model order), in frames of at most max_payload."""
    step = session.max_payload
    pieces = []
    for offset in range(0, out_bytes, step):
        n = min(step, out_bytes - offset)
        pieces.append(session.request(Cmd.OUTPUT_READ, _READ.pack(offset, n), reply_bytes=n))
    return b"".join(pieces)


def invoke(session: Session, inputs: bytes, out_bytes: int, reference: bool = False) -> tuple[int, bytes]:
    """Run the loaded model once on `inputs` (every input, concatenated in model order): (counter
    delta, output bytes). One INVOKE frame when inputs and outputs both fit one; otherwise the inputs
    are staged in frames and the outputs come in the INVOKE_STAGED reply when they fit it, else read
    in frames."""
    if inputs_fit(session, len(inputs)) and outputs_fit(session, out_bytes):
        return session.invoke(inputs, reference=reference, reply_bytes=out_bytes)
    _check_board_speaks_multi_frame(session, len(inputs), out_bytes)
    write_inputs(session, inputs)
    cycles, outputs = invoke_staged(session, out_bytes, reference)
    return cycles, outputs if outputs is not None else read_outputs(session, out_bytes)

"""The firmware fuzz seeds of the model slot (hil/slot.h), made by tests/fuzz/firmware_seeds.py with the rest.

link: boots with a slot image given in the harness's slot mode (with_slot); loader: slot images that take the
harness's slot path (the slot header's check, then the loader)."""

from __future__ import annotations

import struct
import zlib

from hil.link.protocol import Cmd, Status
from tests.fuzz.firmware_seeds import LinkSeed, Request, _model_info, loader_graphs, structured, upload

HARNESS_SLOT_BYTES = 8192  # fuzz_link.c's model_slot


def with_slot(image: bytes, seed: LinkSeed) -> LinkSeed:
    """The harness's slot mode: byte 3, u16 length, the slot image, then seed's requests: the board boots with
    that image in its slot (an empty one: a blank slot)."""
    if len(image) > HARNESS_SLOT_BYTES:
        raise ValueError(f"slot image of {len(image)} B: the harness's slot holds {HARNESS_SLOT_BYTES} B")
    return LinkSeed(bytes([3]) + struct.pack("<H", len(image)) + image + seed.data[1:], seed.requests, seed.replies)


def bad_offset_image(blob: bytes) -> bytes:
    """The slot image of blob with its first tensor's offset far outside the arena and both CRCs right: only the
    loader's offset checks can refuse it."""
    from hil.link.slot import slot_image

    b = bytearray(blob)
    at = struct.unpack_from("<I", b, 24)[0] + 20  # the header's tensors_offset, then the tensor's offset field
    struct.pack_into("<I", b, at, 0x7FFFFFF0)
    struct.pack_into("<I", b, 12, zlib.crc32(bytes(b[16:])))
    return slot_image(bytes(b))


def _slot_report(state: int, status: int) -> bytes:
    """The first 8 bytes of a slot report: state, status, reserved, the harness's slot size."""
    return bytes([state, status, 0, 0]) + struct.pack("<I", HARNESS_SLOT_BYTES)


def slot_link_seeds() -> dict[str, LinkSeed]:
    """Boots with the slot: the 16-8 MLP in it runs from flash, a RAM upload replaces it, SLOT_LOAD brings it
    back; a bad offset behind good CRCs is refused at boot and on SLOT_LOAD while uploads still work; a blank
    slot loads nothing."""
    from hil.compile import synth
    from hil.compile.compiler import compile_graph
    from hil.link.slot import slot_image

    flash, ram = compile_graph(synth.mlp((16, 8))).blob, compile_graph(synth.mlp((16, 4), seed=3)).blob
    rows = bytes(range(16))
    run8, run4 = Request(Cmd.INVOKE, b"\x00" + rows, length=4 + 8), Request(Cmd.INVOKE, b"\x00" + rows, length=4 + 4)
    valid = Request(Cmd.SLOT_LOAD, head=_slot_report(2, Status.OK))
    bad = Request(Cmd.SLOT_LOAD, status=Status.BAD_MODEL, head=_slot_report(3, Status.BAD_MODEL))
    no_model = Request(Cmd.INVOKE, b"\x00" + rows, status=Status.NO_MODEL)
    return {
        "slot": with_slot(slot_image(flash), structured(
            _model_info(2), run8, *upload(ram), run4, valid, run8, _model_info(2))),
        "slot-bad": with_slot(bad_offset_image(flash), structured(
            _model_info(3), no_model, bad, *upload(ram), run4, bad, no_model)),
        "slot-blank": with_slot(b"", structured(
            Request(Cmd.SLOT_LOAD, status=Status.NO_MODEL, head=_slot_report(1, Status.NO_MODEL)), _model_info(0))),
    }  # fmt: skip


def loader_slot_seeds() -> dict[str, tuple[bytes, list[tuple[str, int]]]]:
    """fuzz_loader's slot seeds by file name: the image and the (event, status) trace it is meant to reach."""
    from hil.compile.compiler import compile_graph
    from hil.link.slot import SLOT_HEADER, slot_image

    blob = compile_graph(loader_graphs()["mlp-40-64-10"]).blob
    image, ok, bad = slot_image(blob), ("slot", Status.OK), ("load", Status.BAD_MODEL)
    past_end = SLOT_HEADER.pack(*SLOT_HEADER.unpack_from(image)[:1], len(blob) + 1, 0, 0) + blob
    return {
        "slot-mlp-40-64-10": (image, [ok, ("load", Status.OK)]),
        "slot-bad-offset": (bad_offset_image(blob), [ok, bad]),
        "slot-blank": (b"\xff" * 64, [("slot", Status.NO_MODEL)]),
        "slot-past-end": (past_end, [("slot", Status.BAD_MODEL)]),
    }

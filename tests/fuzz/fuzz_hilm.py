"""A .hilm blob as `hil run` reads it back (hil.compile.compiler.from_blob, hil.compile.blob.read_blob), and
what the host then does with it (sizes of its inputs and outputs, the report). Every input is tried as
given, where the CRC stops most mutations, and with its CRC fixed up (as firmware/fuzz/fuzz_loader.c
does), so mutations reach the structural checks. Only HilErrors may come out."""

import struct
import zlib

from hil.compile.blob import CRC_START
from hil.compile.compiler import from_blob
from hil.errors import HilError


def seeds() -> dict[str, bytes]:
    from hil.compile.compiler import compile_graph
    from tests.graphs import small_graphs

    return {f"{name}.hilm": compile_graph(g).blob for name, g in small_graphs().items()}


def with_crc(data: bytes) -> bytes:
    if len(data) < CRC_START:
        return data
    fixed = bytearray(data)
    struct.pack_into("<I", fixed, 12, zlib.crc32(fixed[CRC_START:]))
    return bytes(fixed)


def one_input(data: bytes) -> None:
    for blob in (data, with_crc(data)):
        try:
            model = from_blob(blob)
            sum(s.nbytes for s in model.inputs + model.outputs)
            model.report()
        except HilError:
            pass

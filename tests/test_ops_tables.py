"""The int8 ops that are a function of one value run through a 256-entry table (LOGISTIC, TANH, RELU, QUANTIZE
int8 -> int8 here; LEAKY_RELU and HARD_SWISH in tests/test_ops_rectifiers.py): the compiler computes the table
with TFLM's arithmetic (hil.quant.sigmoid, hil.quant.tflm), the board checks it against its reference kernel at
load, the optimised path looks it up. Under many random quantisations, all 256 inputs: the host's table, the
reference kernel and the lookup agree byte for byte (TFLM itself: tests/test_ops_elementwise.py); a table one
entry off is refused."""

import struct
import zlib

import numpy as np
import pytest

from hil.compile import synth
from hil.compile.blob import CRC_START, read_blob
from hil.compile.compiler import compile_graph
from hil.errors import DeviceError, ModelError
from hil.link.protocol import Status
from hil.quant.sigmoid import sigmoid_table_s8
from hil.quant.tflm import requant_table_s8
from hil.sim import Simulator
from tests.graphs import one_op

ALL = np.arange(-128, 128, dtype=np.int8).reshape(1, 1, 256)
RECORD = {"LOGISTIC": 16, "TANH": 16, "RELU": 24, "QUANTIZE": 32}  # record bytes before the table


def _quantised(name: str, rng):
    """One op over 256 int8 values under a random input (and, but for LOGISTIC/TANH, output) quantisation."""
    if name in ("LOGISTIC", "TANH"):
        g = synth.activation(name, 256)
    else:
        g = one_op(name, "int8", [(1, 256)], [(1, 256)])
        out = g.tensors[g.outputs[0]]
        out.scale[:], out.zero_point[:] = np.exp(rng.uniform(np.log(2e-3), np.log(0.5))), rng.integers(-128, 128)
    inp = g.tensors[g.inputs[0]]
    inp.scale[:], inp.zero_point[:] = np.exp(rng.uniform(np.log(1e-3), np.log(2.0))), rng.integers(-128, 128)
    return g


def _host_table(name: str, blob: bytes) -> np.ndarray:
    """The table the host computes from the record's numbers (what the compiler appended)."""
    at = read_blob(blob).ops[0].params_offset
    if name in ("LOGISTIC", "TANH"):
        return sigmoid_table_s8(name, *struct.unpack_from("<4i", blob, at))
    z_in, z_out, multiplier, shift, lo, hi = struct.unpack_from("<6i", blob, at)
    return requant_table_s8(z_in, z_out, (multiplier, shift), (lo, hi))


@pytest.mark.parametrize("name", ["LOGISTIC", "TANH", "RELU", "QUANTIZE"])
def test_host_table_reference_kernel_and_lookup_agree_under_random_quantisations(name):
    rng, compiled = np.random.default_rng(len(name)), 0
    for _ in range(60):
        try:
            blob = compile_graph(_quantised(name, rng)).blob
        except ModelError:  # a quantisation TFLM refuses (e.g. a LOGISTIC input scale too small)
            continue
        sim = Simulator(blob)  # loads: the board's check found the table equal to its reference kernel
        ref, opt = (sim.run(ALL, reference=r)[0].reshape(256) for r in (True, False))
        table = _host_table(name, blob)
        at = read_blob(blob).ops[0].params_offset + RECORD[name]
        assert np.frombuffer(blob, np.int8, 256, at).tobytes() == table.tobytes()
        assert ref.tobytes() == opt.tobytes() == table.tobytes()
        compiled += 1
    assert compiled >= 40


@pytest.mark.parametrize("name", ["LOGISTIC", "TANH", "RELU", "QUANTIZE"])
def test_a_table_one_entry_off_is_refused(name):
    blob = bytearray(compile_graph(_quantised(name, np.random.default_rng(3))).blob)
    at = read_blob(bytes(blob)).ops[0].params_offset + RECORD[name] + 200
    blob[at] = (blob[at] + 1) % 256
    struct.pack_into("<I", blob, 12, zlib.crc32(blob[CRC_START:]))
    with pytest.raises(DeviceError) as err:
        Simulator(bytes(blob))
    assert err.value.status == Status.BAD_MODEL


@pytest.mark.parametrize("name", ["LOGISTIC", "TANH"])
def test_int16_records_carry_no_table(name):
    """int16 keeps TFLM's interpolated 256-entry sigmoid table (in the firmware); its record is the 4 numbers."""
    model = compile_graph(synth.activation(name, 64, "int16"))
    assert read_blob(model.blob).ops[0].params_bytes == 16

"""Energy: board energy figures, the model, and the PPK2 driver against its stand-in."""

import json
import os
import socket
import struct

import numpy as np
import pytest
import yaml

from hil.boards import all_boards, get_board, load_board_file
from hil.energy import energy_uj, frame_energy, window_energy_uj, windows
from hil.energy import ppk2 as P
from hil.energy.meter import MeterError, Samples
from hil.energy.ppk2_standin import DEFAULT_METADATA, PPK2StandIn, metadata_text
from hil.errors import BudgetError, ConfigError
from hil.paths import boards_dir

NUCLEO = yaml.safe_load((boards_dir() / "nucleo-f446.yaml").read_text())


# -- board figures ------------------------------------------------------------------


def test_shipped_energy_sections():
    boards = all_boards()
    for name in ("nucleo-f446", "qemu-f446", "esp32-devkitc"):
        e = boards[name].energy
        assert e is not None and e.active_power_mw > e.sleep_power_mw >= 0 and e.source
        assert e.at_clock_hz == boards[name].clock_hz
    assert boards["qemu-f446"].energy.active_power_mw == boards["nucleo-f446"].energy.active_power_mw
    assert boards["host"].energy is None
    assert "energy" not in boards["nucleo-f446"].summary()


def _energy(**changes):
    data = json.loads(json.dumps(NUCLEO))
    for k, v in changes.items():
        if v is None:
            data["energy"].pop(k)
        else:
            data["energy"][k] = v
    return data


@pytest.mark.parametrize(
    "data, expected",
    [
        (_energy(active_power_mw=-1), "key 'energy.active_power_mw': Input should be greater than 0, got -1"),
        (_energy(sleep_power_mw=-0.5), "key 'energy.sleep_power_mw': Input should be greater than or equal to 0"),
        (_energy(source=None), "key 'energy.source' is missing"),
        (_energy(active_power_w=1.0), "key 'energy.active_power_w' is not a known board key"),
        (_energy(at_clock_hz=0), "key 'energy.at_clock_hz'"),
    ],
)
def test_bad_energy_section_one_line(tmp_path, data, expected):
    path = tmp_path / "nucleo-f446.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as err:
        load_board_file(path)
    msg = str(err.value)
    assert msg.startswith(str(path)) and expected in msg and "\n" not in msg, msg


# -- the model ----------------------------------------------------------------------


def test_energy_uj_hand_calculation():
    board = get_board("nucleo-f446")
    # 1.8e6 cycles at 180 MHz = 10 ms; 10 ms x 132 mW = 1.32 mJ = 1320 µJ.
    assert energy_uj(1_800_000, board) == pytest.approx(1320.0)
    esp = get_board("esp32-devkitc")
    # 2.4e6 cycles at 240 MHz = 10 ms; x 224.4 mW = 2244 µJ.
    assert energy_uj(2_400_000, esp) == pytest.approx(2244.0)
    assert energy_uj(0, board) == 0.0


def test_frame_energy_labels_model_and_counter():
    board = get_board("qemu-f446")
    f = frame_energy(1_800_000, 0.016, board, counter="tim2-icount")
    assert f["energy_source"] == "model" and f["counter"] == "tim2-icount"
    assert "1 instruction per cycle" in f["assumption"] and "tim2-icount" in f["assumption"]
    assert f["active_uj"] == pytest.approx(1320.0)
    # the rest of the period, 6 ms, at 49.5 mW = 297 µJ
    assert f["sleep_uj"] == pytest.approx(297.0)
    assert f["total_uj"] == pytest.approx(1617.0)
    assert frame_energy(1_800_000, 0.016, get_board("nucleo-f446"))["counter"] == "dwt"


def test_model_errors_are_one_line():
    with pytest.raises(ConfigError, match=r"^board 'host' has no energy figures") as err:
        energy_uj(100, get_board("host"))
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="has no energy"):
        frame_energy(100, 0.01, get_board("host"))
    with pytest.raises(ConfigError, match="counter 'host-ns' has no energy model"):
        frame_energy(100, 0.01, get_board("nucleo-f446"), counter="host-ns")
    with pytest.raises(BudgetError, match="more than the 1.000 ms frame period"):
        frame_energy(1_000_000, 0.001, get_board("nucleo-f446"))


# -- PPK2 protocol ------------------------------------------------------------------


def _reference_ua(adc14, r, m, vdd_mv):
    """The reference app's conversion, written out by hand."""
    adc = adc14 * 4
    x = (adc - m["O"][r]) * (1.8 / 163840 / m["R"][r])
    return 1e6 * m["UG"][r] * (x * (m["GS"][r] * x + m["GI"][r]) + (m["S"][r] * vdd_mv / 1000 + m["I"][r]))


def test_metadata_parsed():
    meta = P.parse_metadata(metadata_text(DEFAULT_METADATA).decode())
    assert meta.modifiers["R"] == (1003.3087, 101.5813, 10.3624, 0.9398, 0.0441)
    assert meta.modifiers["GI"][1] == 0.9529 and meta.modifiers["O"][0] == 112.7849
    assert meta.modifiers["UG"] == (1.0,) * 5
    assert (meta.hw, meta.mode, meta.ia, meta.calibrated) == (9173, 2, 56, 0)
    # like the reference: "-nan" and a zero R keep the defaults
    meta = P.parse_metadata("R0: 0\nR1: -nan\nGS2: 3.5\nEND\n")
    assert meta.modifiers["R"][:2] == (1031.64, 101.65) and meta.modifiers["GS"][2] == 3.5


def test_sample_decoding_each_range():
    meta = P.parse_metadata(metadata_text(DEFAULT_METADATA).decode())
    m = meta.modifiers
    cases = [(5000, 0, 0x01), (12000, 1, 0x00), (300, 2, 0x81), (16383, 3, 0xFF), (8000, 4, 0x02)]
    raw = b"".join(
        struct.pack("<I", adc | r << 14 | (i & 0x3F) << 18 | logic << 24) for i, (adc, r, logic) in enumerate(cases)
    )
    f = P.unpack(raw + b"\x01\x02")  # a trailing partial sample is ignored
    assert list(f["range"]) == [c[1] for c in cases] and list(f["logic"]) == [c[2] for c in cases]
    assert list(f["counter"]) == [0, 1, 2, 3, 4]
    got = P.convert_ua(f["adc"], f["range"], m, 3300)
    want = [_reference_ua(adc, r, m, 3300) for adc, r, _ in cases]
    assert got == pytest.approx(want, rel=1e-12)
    # an invalid range (5-7) is not a sample
    assert np.isnan(P.convert_ua(np.array([400]), np.array([5]), m, 3300)[0])


def test_driver_against_standin_windows_and_energy():
    with PPK2StandIn(seed=3) as standin:
        meter = P.PPK2(standin.url, supply_mv=3300)
        try:
            assert meter.metadata.modifiers["R"][2] == 10.3624
            meter.start()
            assert standin.sent_all.wait(10)
            samples = meter.stop()
            # the stand-in handles commands in order: by the end of the stream it has seen the set-up
            assert standin.power_mode == P.POWER_MODE_SOURCE and standin.vdd_mv == 3300 and standin.dut_on
        finally:
            meter.close()
    assert len(samples) == len(standin.true_current_ua) and samples.dropped == 0
    found = windows(samples, 0)
    assert [tuple(w) for w in found] == standin.true_windows
    assert windows(samples, 1) == []
    measured = window_energy_uj(samples, found, 3.3)
    truth = standin.true_window_energy_uj(3.3)
    assert measured == pytest.approx(truth, rel=0.01)


def test_windows_cut_by_capture_are_left_out():
    logic = np.array([1, 1, 0, 0, 1, 1, 1, 0, 1, 1], dtype=np.uint8)
    s = Samples(np.arange(10) / 1e5, np.full(10, 100.0), logic, 1e5)
    assert [tuple(w) for w in windows(s, 0)] == [(4, 7)]
    # 3 samples x 100 µA x 3 V x 10 µs = 9e-3 µJ
    assert window_energy_uj(s, windows(s, 0), 3.0) == pytest.approx([9e-3])


def test_standin_gone_after_close():
    standin = PPK2StandIn(seed=0, duration_s=0.01, n_windows=1, window_ms=(1, 2))
    port = standin.port
    assert standin.alive()
    standin.close()
    assert not standin.alive()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"\xff\x00\x13garbage without an end marker", "no metadata ending in 'END' within 0.3 s"),
        (b"R0: banana\nEND\n", "metadata key 'R0': not a number, got 'banana'"),
        (b"hello world\nEND\n", "metadata line is not 'key: value'"),
        (b"HW: 1\nEND\n", "metadata has no calibration"),
        (b"\xff\xfe END", "metadata is not text"),
    ],
)
def test_garbage_metadata_one_line_error(raw, expected):
    with PPK2StandIn(raw_metadata=raw, duration_s=0.01, n_windows=1, window_ms=(1, 2)) as standin:
        with pytest.raises(MeterError) as err:
            P.PPK2(standin.url, metadata_timeout_s=0.3)
    msg = str(err.value)
    assert msg.startswith(f"PPK2 at {standin.url}: ") and expected in msg and "\n" not in msg, msg


@pytest.mark.hw(reason="needs a Nordic PPK2 on this machine (found by USB name, or HIL_PPK2_URL): run with --hw-board ID")
def test_real_ppk2():
    """Needs a Nordic PPK2 on this machine powering a board that raises logic input 0
    during each inference (found by USB product name, or HIL_PPK2_URL); skipped
    without --hw-board, as no PPK2 is attached in CI."""
    url = os.environ.get("HIL_PPK2_URL") or P.find_ppk2()
    if url is None:
        pytest.skip("no PPK2 found (set HIL_PPK2_URL)")
    with P.PPK2(url, supply_mv=3300) as meter:
        assert meter.metadata.hw is not None
        samples = meter.capture(1.0)
    assert len(samples) > 50_000
    assert np.nanmean(samples.current_ua) > 0

"""Shared fixtures: firmware builds, and sessions with the host build and the emulated board.

Every board a test starts is stopped by that test's fixture."""

from __future__ import annotations

import contextlib

import pytest

from hil.boards import get_board
from hil.targets import firmware, target_for

# The emulated boards (each a physical board's firmware on QEMU): the NUCLEO-F446RE's Cortex-M4 and the
# ESP32-C3's RISC-V core. Every board test runs on both, parametrised by these lists. Left on qemu-f446
# alone, each saying why: what is M4-only (the _m4 kernels against the reference on the board), the flash
# slot (SLOT_BOARDS: the C3 port has none), and the search's own machinery (resume, kill, two boards of a
# pool), which no board changes and which is slow (about 40 s each); the one-board search runs on both.
EMULATED_BOARDS = ["qemu-f446", "qemu-rv32"]
# Boards every protocol test runs against: the host build and the emulated boards.
LINK_BOARDS = ["host", *EMULATED_BOARDS]
# The boards with a flash slot for a model (hil/slot.h): the ESP32-C3 port has none (qemu-rv32 neither).
SLOT_BOARDS = ["host", "qemu-f446"]
# What each emulated board's counter counts: instructions under QEMU's -icount, labelled as such.
EMULATED_COUNTERS = {"qemu-f446": "tim2-icount", "qemu-rv32": "rv-icount"}


def pytest_addoption(parser):
    parser.addoption("--hw-board", default=None, help="id of a real board attached to this machine (e.g. nucleo-f446)")
    parser.addoption("--hw-url", default=None, help="its serial URL, when it cannot be found by USB id")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--hw-board") or config.getoption("lg_env", None):
        return
    default = ("needs a real board: run with --hw-board nucleo-f446 [--hw-url URL], or on a farm place with "
               "--lg-env ENV.yaml --lg-coordinator HOST:PORT")
    for item in items:
        marker = item.get_closest_marker("hw")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=marker.kwargs.get("reason", default)))


@pytest.fixture(autouse=True)
def slot_files(tmp_path_factory, monkeypatch):
    """The emulated and host boards' flash slots live in a folder of each test (hil.paths.slots_dir): every
    test's boards start blank whatever an earlier test flashed, and no test touches the user's boards' slots."""
    folder = tmp_path_factory.mktemp("slots")
    monkeypatch.setenv("HIL_SLOTS", str(folder))
    return folder


@pytest.fixture(scope="session")
def stm32_elf():
    return firmware.build("stm32f4")


@pytest.fixture(scope="session")
def host_exe():
    return firmware.build("host")


def build_firmware(name: str):
    """The firmware image of board `name`, built (incrementally) for the test that boots it."""
    return target_for(get_board(name)).build()


@contextlib.contextmanager
def open_board(name: str, **kw):
    with target_for(get_board(name)).session(**kw) as session:
        yield session


@pytest.fixture(params=LINK_BOARDS)
def session(request):
    """A fresh board (booted for this test) and a session with it."""
    build_firmware(request.param)
    with open_board(request.param) as s:
        yield s


@pytest.fixture
def hw(request):
    """The real board given on the command line: (board id, url or None); with labgrid's pytest plugin
    (--lg-env ENV.yaml naming a RemotePlace, --lg-coordinator), the board of that acquired farm place."""
    if request.config.getoption("lg_env", None):
        from hil.farm.places import target_link

        return target_link(request.getfixturevalue("target"))
    return request.config.getoption("--hw-board"), request.config.getoption("--hw-url")


@pytest.fixture(scope="session")
def fc_tflite(tmp_path_factory):
    """A small dense model converted by TensorFlow to full-integer int8 (seeded)."""
    from tests.graphs import keras_dense_tflite

    path = tmp_path_factory.mktemp("models") / "fc.tflite"
    path.write_bytes(keras_dense_tflite())
    return path

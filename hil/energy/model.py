"""The energy model: energy from a cycle count and a board's datasheet power figures.

These are model figures (energy_source "model"), not measurements: they scale the
datasheet's active power by the time the count takes at the datasheet's clock."""

from __future__ import annotations

from hil.boards import Board, Energy
from hil.errors import BudgetError, ConfigError

# What one tick of each firmware counter is, for the energy model.
_COUNTERS = {
    "dwt": "CPU cycles (DWT CYCCNT)",
    "tim2-icount": "instructions at 1 instruction per cycle",
    "mpccr": "CPU cycles (ESP32-C3 mpccr)",
    "rv-icount": "instructions at 1 instruction per cycle",
}


def _energy_of(board: Board) -> Energy:
    if board.energy is None:
        raise ConfigError(
            f"board '{board.name}' has no energy figures: add an 'energy' section to boards/{board.name}.yaml"
        )
    return board.energy


def energy_uj(cycles: int, board: Board) -> float:
    """Energy in microjoules of `cycles` CPU cycles of active running on `board`.

        energy_uj = cycles / at_clock_hz * active_power_mw * 1e3

    cycles / at_clock_hz is the active time in seconds; seconds times milliwatts is
    millijoules, times 1e3 is microjoules. at_clock_hz is the clock the datasheet's
    active power was given at (boards/<id>.yaml, energy section). A model figure:
    the datasheet's power, not a measurement. Raises ConfigError when the board has
    no energy section."""
    e = _energy_of(board)
    if cycles < 0:
        raise ConfigError(f"cycles must be >= 0, got {cycles}")
    return cycles / e.at_clock_hz * e.active_power_mw * 1e3


def frame_energy(cycles: int, frame_period_s: float, board: Board, counter: str = "dwt") -> dict:
    """Model energy of one frame: `cycles` of active running, then sleep for the rest
    of `frame_period_s`.

    counter is the firmware counter the count came from ("dwt": CPU cycles;
    "tim2-icount": the emulator's executed instructions, taken as 1 instruction per
    cycle, which the returned "assumption" states). Returns active_uj, sleep_uj,
    total_uj, the times, energy_source "model", the counter and a label for the
    figures. BudgetError when the active time exceeds the frame period."""
    e = _energy_of(board)
    if counter not in _COUNTERS:
        raise ConfigError(f"counter '{counter}' has no energy model: wanted one of {', '.join(_COUNTERS)}")
    if frame_period_s <= 0:
        raise ConfigError(f"frame_period_s must be > 0, got {frame_period_s}")
    active_s = cycles / e.at_clock_hz
    if active_s > frame_period_s:
        raise BudgetError(
            f"{cycles} {counter} ticks take {active_s * 1e3:.3f} ms at {e.at_clock_hz} Hz, "
            f"more than the {frame_period_s * 1e3:.3f} ms frame period"
        )
    sleep_s = frame_period_s - active_s
    active = energy_uj(cycles, board)
    sleep = sleep_s * e.sleep_power_mw * 1e3
    return {
        "energy_source": "model",
        "board": board.name,
        "counter": counter,
        "cycles": cycles,
        "assumption": f"energy from {counter} {_COUNTERS[counter]} at {e.at_clock_hz} Hz",
        "frame_period_s": frame_period_s,
        "active_s": active_s,
        "sleep_s": sleep_s,
        "active_uj": active,
        "sleep_uj": sleep,
        "total_uj": active + sleep,
        "figures_source": e.source,
    }

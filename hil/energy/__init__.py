"""Energy figures: the datasheet model (energy_source "model") and measured energy
from a current meter (hil.energy.ppk2) over inference windows."""

from hil.energy.meter import Meter, MeterError, Samples, Window, window_energy_uj, windows
from hil.energy.model import energy_uj, frame_energy

__all__ = ["Meter", "MeterError", "Samples", "Window", "energy_uj", "frame_energy", "window_energy_uj", "windows"]

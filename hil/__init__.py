"""hil: a hardware-in-the-loop profiling lab for speech-enhancement models on MCUs."""

__version__ = "0.1.0"

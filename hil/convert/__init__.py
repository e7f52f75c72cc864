"""Keras -> full-integer TFLite conversion, and running the result in TFLM and the TFLite reference.

TensorFlow is imported only when a function needs it: `run_tflm`'s child process stays light.
"""

from hil.convert.keras_to_tflite import ACTIVATIONS, convert, convert_model, load_calib, load_model
from hil.convert.streaming import gru_step_model, requantize, run_stream, step_io
from hil.convert.tflm import model_info, run_tflite_ref, run_tflm

__all__ = [
    "ACTIVATIONS",
    "convert",
    "convert_model",
    "gru_step_model",
    "load_calib",
    "load_model",
    "model_info",
    "requantize",
    "run_stream",
    "run_tflite_ref",
    "run_tflm",
    "step_io",
]

"""Keras -> full-integer TFLite: whole models, single-step exports of recurrent models, and the
mixed-precision GRU's custom operator put in by flatbuffer surgery.

TensorFlow is imported only when a function needs it.
"""

from hil.convert.keras_to_tflite import ACTIVATIONS, convert, convert_model, load_calib, load_model
from hil.convert.streaming import gru_step_model

__all__ = ["ACTIVATIONS", "convert", "convert_model", "gru_step_model", "load_calib", "load_model"]

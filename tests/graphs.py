"""Test models compiled from seeded synthetic graphs (hil.compile.synth): no TensorFlow needed."""

from __future__ import annotations

from hil.compile.compiler import CompiledModel, compile_graph
from hil.compile.synth import mlp


def mlp_graph(dims=(40, 64, 10), seed=0):
    return mlp(dims, seed)


def mlp_model(dims=(40, 64, 10), seed=0) -> CompiledModel:
    return compile_graph(mlp(dims, seed))

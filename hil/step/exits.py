"""The numpy reference of a stream with early exits: every frame runs the whole single-step model on an
engine (the board's C runtime in the simulator, or the TFLite reference kernels), then applies the exit
policy and the state rule of hil.dsp.exits to its outputs. The exit a frame takes only reads ops that
ran, so the board, which skips the other ops, must give the very same masks, exits and states (tests
compare them bit for bit).
"""

from __future__ import annotations

import numpy as np

from hil.compile.compiler import compile_tflite
from hil.compile.exits import exit_plan, state_updates
from hil.compile.model_info import model_info
from hil.compile.tflite import read_tflite
from hil.dsp.exits import ExitConfig, ExitPolicy, exit_config
from hil.errors import ConfigError
from hil.quant import dequantize, quantize, requantize_state
from hil.sim import Simulator
from hil.step import reference
from hil.step.engines import sim_runner
from hil.step.loop import Runner, check_inputs
from hil.step.roles import step_io


def exit_config_of(tflite: bytes, policy: ExitPolicy, where: str = "model") -> ExitConfig:
    """The ExitConfig of an int8 step model with exits, from its graph; one clear line without exits."""
    graph = read_tflite(bytes(tflite))
    plan = exit_plan(graph)
    if plan is None:
        policy.check(0, where)
    info = model_info(bytes(tflite))
    bins = int(np.prod(info.outputs[plan.outputs[-1]].shape))
    policy.check(len(plan.outputs), where)
    return exit_config(policy, info.outputs, list(plan.outputs), state_updates(graph, plan), bins)


def exit_loop(runner: Runner, info, cfg: ExitConfig, features: np.ndarray):
    """Quantized (T, F) features one step at a time from zero states: (the taken exit's int8 masks (T, M),
    the exit taken per frame (T,), per state its fed-back int8 values after each frame [(T, H), ...])."""
    io = step_io(info)
    hs = [np.full(i.shape, i.zero_point, i.dtype) for i, _ in io.states]
    masks, taken, states = [], [], [[] for _ in hs]
    for frame in features:
        runner.set(io.features.position, np.ascontiguousarray(frame.reshape(io.features.shape)))
        for h, (inp, _) in zip(hs, io.states):
            runner.set(inp.position, h)
        runner.invoke()
        outs = [np.array(runner.get(t.position)).reshape(-1) for t in info.outputs]
        k, evaluated = cfg.choose(outs)
        written = cfg.written(evaluated)
        for i, (inp, out) in enumerate(io.states):
            if out.position in written:  # the state rule: a layer the frame skipped holds its state
                hs[i] = requantize_state(outs[out.position], out.scale, out.zero_point, inp.scale, inp.zero_point,
                                         inp.dtype).reshape(inp.shape)  # fmt: skip
            states[i].append(hs[i].reshape(-1).copy())
        masks.append(outs[cfg.exits[k].output])
        taken.append(k)
    return np.stack(masks), np.array(taken, np.uint8), [np.stack(s) for s in states]


def _runner(tflite: bytes, engine: str) -> Runner:
    if engine == "sim":
        return sim_runner(Simulator(compile_tflite(tflite).blob))
    if engine == "ref":
        return reference.ref_runner(tflite)
    raise ConfigError(f"exit reference engine: wanted sim or ref, got '{engine}'")


def run_exit_stream(tflite: bytes, features_q: np.ndarray, policy: ExitPolicy, engine: str = "sim"):
    """An int8 step model with exits over quantized (T, F) features under `policy`: see exit_loop."""
    tflite = bytes(tflite)
    info = model_info(tflite)
    cfg = exit_config_of(tflite, policy)
    (rows,), _ = check_inputs([features_q], [step_io(info).features])
    return exit_loop(_runner(tflite, engine), info, cfg, rows)


def int8_exit_mask_fn(tflite: bytes, policy: ExitPolicy, engine: str = "sim"):
    """(T, BINS) float features -> the dequantized masks of the exits the policy takes, frame by frame."""
    tflite = bytes(tflite)
    info = model_info(tflite)
    cfg, runner = exit_config_of(tflite, policy), _runner(tflite, engine)
    f = step_io(info).features

    def fn(feats: np.ndarray) -> np.ndarray:
        masks, taken, _ = exit_loop(runner, info, cfg, quantize(feats, f.scale, f.zero_point, f.dtype))
        specs = [cfg.exits[k] for k in taken]
        return np.stack([dequantize(m, s.mask_scale, s.mask_zp, np.float64) for m, s in zip(masks, specs)])

    return fn


def exit_batch(sim: Simulator, io, cfg: ExitConfig, x_q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """exit_loop over a batch of quantized sequences (N, T, F) advanced together in the simulator: (the
    dequantized masks of the exits taken (N, T, M) float32, the exits taken (N, T) uint8)."""
    n, steps = x_q.shape[:2]
    ins, outs = sim.inputs, sim.outputs
    states = {a.position: np.full((n, *ins[a.position].shape[1:]), ins[a.position].zero_point, ins[a.position].dtype)
              for a, _ in io.states}  # fmt: skip
    masks = np.zeros((n, steps, int(np.prod(outs[cfg.exits[-1].output].shape[1:]))), np.float32)
    taken = np.zeros((n, steps), np.uint8)
    for t in range(steps):
        args = [x_q[:, t].reshape(n, *ins[i].shape[1:]) if i == io.features.position else states[i]
                for i in range(len(ins))]  # fmt: skip
        res = [r.reshape(n, -1) for r in sim.run(*args)]
        for row in range(n):
            k, evaluated = cfg.choose([r[row] for r in res])
            written, e = cfg.written(evaluated), cfg.exits[k]
            taken[row, t] = k
            masks[row, t] = dequantize(res[e.output][row], e.mask_scale, e.mask_zp, np.float32)
            for a, b in io.states:  # the state rule: a layer the frame skipped holds its state
                if b.position in written:
                    o, held = outs[b.position], states[a.position]
                    new = requantize_state(res[b.position][row], o.scale, o.zero_point, a.scale, a.zero_point, a.dtype)
                    held[row] = new.reshape(held[row].shape)
    return masks, taken

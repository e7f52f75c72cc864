"""Early exits in a graph: which outputs are exits, which ops each exit needs, and the op order that
lets a board stop after any exit.

A single-step model with exits (hil.convert.exits.step_model) has, besides its mask and one new state
per state input, one more mask output per early exit. TFLite names outputs output_<k> in the Keras order
[mask, new states..., exit_0, exit_1, ...]; by name ('exit_<k>' and 'mask') or by that order, a graph has
exits when every exit output has the mask's shape and is written by LOGISTIC. Exit k needs the ops its
mask is computed from; ops no exit needs (none in such models) count for the last exit, the full model.

The compiler orders the ops by the first exit that needs them (a topological order, since an op's
inputs are needed wherever the op is), so exit k's ops and those of exits 0..k together run as a
subsequence of the planned order: the arena plan stays valid whatever the board skips. Each op record
carries the bit mask of the exits that need it, each exit's mask output record its exit number + 1
(firmware/include/hil/model.h).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from hil.compile.tflite import Graph

MAX_EXITS = 8


@dataclass(frozen=True)
class ExitPlan:
    outputs: tuple[int, ...]  # output position of each exit's mask, cheapest first; the last is the full model
    op_exits: tuple[int, ...]  # per op (graph order): bit k set when exit k needs the op

    def ops(self, k: int) -> list[int]:
        return [i for i, m in enumerate(self.op_exits) if m >> k & 1]


def _producers(graph: Graph) -> dict[int, int]:
    return {t: i for i, op in enumerate(graph.ops) for t in op.outputs}


def _ancestors(graph: Graph, tensor: int, producers: dict[int, int]) -> set[int]:
    """The ops a tensor is computed from, its writer included."""
    seen, todo = set(), [tensor]
    while todo:
        op = producers.get(todo.pop())
        if op is not None and op not in seen:
            seen.add(op)
            todo.extend(t for t in graph.ops[op].inputs if t >= 0)
    return seen


def exit_outputs(graph: Graph) -> list[int]:
    """Output positions of the exits' masks, cheapest first and the mask (full model) last; [] without exits."""
    names = {graph.signature_names.get(t, ""): pos for pos, t in enumerate(graph.outputs)}
    n_states = len(graph.inputs) - 1
    extra = len(graph.outputs) - 1 - n_states
    if extra < 1:
        return []
    if all(f"exit_{k}" in names for k in range(extra)) and "mask" in names:
        found = [names[f"exit_{k}"] for k in range(extra)] + [names["mask"]]
    elif all(f"output_{k}" in names for k in range(len(graph.outputs))):
        found = [names[f"output_{1 + n_states + k}"] for k in range(extra)] + [names["output_0"]]
    else:
        return []
    producers = _producers(graph)
    shapes = {graph.tensors[graph.outputs[p]].shape for p in found}
    writers = {graph.ops[producers[graph.outputs[p]]].name if graph.outputs[p] in producers else "" for p in found}
    if len(shapes) != 1 or writers != {"LOGISTIC"} or len(found) > MAX_EXITS:
        return []
    return found


def exit_plan(graph: Graph) -> ExitPlan | None:
    """The graph's exits and the exits each op serves; None for a graph without exits."""
    outputs = exit_outputs(graph)
    if not outputs:
        return None
    producers = _producers(graph)
    masks = [0] * len(graph.ops)
    for k, pos in enumerate(outputs):
        for op in _ancestors(graph, graph.outputs[pos], producers):
            masks[op] |= 1 << k
    last = 1 << (len(outputs) - 1)
    return ExitPlan(tuple(outputs), tuple(m or last for m in masks))


def order_by_exit(graph: Graph, plan: ExitPlan) -> tuple[Graph, ExitPlan]:
    """The graph with its ops ordered by the first exit that needs them (stable), and the plan to match."""
    order = sorted(range(len(graph.ops)), key=lambda i: ((plan.op_exits[i] & -plan.op_exits[i]).bit_length(), i))
    ops = [graph.ops[i] for i in order]
    return replace(graph, ops=ops), ExitPlan(plan.outputs, tuple(plan.op_exits[i] for i in order))


def state_updates(graph: Graph, plan: ExitPlan) -> list[set[int]]:
    """Per exit, the positions of the other outputs (the new states) its ops write."""
    producers = _producers(graph)
    ops = [set(plan.ops(k)) for k in range(len(plan.outputs))]
    written = {pos: producers.get(t) for pos, t in enumerate(graph.outputs) if pos not in plan.outputs}
    return [{pos for pos, op in written.items() if op in mine} for mine in ops]

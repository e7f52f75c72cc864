"""`hil search` over an early-exit model: the confidence policy's threshold as a gene in its own range, the
mean cost the emulated board measures under it as the cost objective, resumable like any search."""

from __future__ import annotations

import sqlite3

import pytest

from hil.boards import get_board
from hil.errors import ConfigError
from hil.search.exits_problem import THRESHOLD_STEPS, ExitProblem
from hil.search.genome import check_genome, random_genome
from hil.search.nsga import Settings, mutate_bits
from hil.search.run import run_search
from tests.exit_models import exits_tflite
from tests.stream_models import gru_mask_tflite


@pytest.fixture(scope="module")
def problem(tmp_path_factory):
    from hil.audio.corpus import generate
    from hil.tasks.se import SpeechEnhancementExits

    root = tmp_path_factory.mktemp("speech")
    generate(root, 10, seed=0, workers=2, progress=False)
    task = SpeechEnhancementExits(root=root, utterances=10, n_val=1, n_test=1, n_train=1)
    return ExitProblem(tflite=exits_tflite(), task=task)


def test_threshold_genes_stay_in_their_range():
    import random

    rng, ranges = random.Random(0), ExitProblem.gene_ranges
    genes = [random_genome(rng, 1, ranges) for _ in range(200)]
    for g in genes:
        mutate_bits(g, rng, 1.0, ranges)
        check_genome(g, 1, ranges)
    assert {g[0] for g in genes} == set(range(THRESHOLD_STEPS + 1))  # 0..20, not bit widths 2..8
    with pytest.raises(ConfigError, match=r"gene 0 in 0\.\.20, got 21"):
        check_genome((21,), 1, ranges)


def test_policy_threshold_moves_accuracy_and_exits(problem):
    low, high = problem.build((0,)), problem.build((THRESHOLD_STEPS,))
    problem.accuracy(low), problem.accuracy(high)
    assert low.extra["exit_fraction_val"][0] == 1.0  # tau 0: every frame stops at exit 0
    assert high.extra["exit_fraction_val"][0] < 1.0 and high.extra["threshold"] == 1.0


def test_exit_search_measures_mean_cost_on_the_emulated_board(problem, tmp_path, stm32_elf):
    settings = Settings(population=4, generations=1, seed=3, genome_length=1, objectives=("accuracy", "cycles"),
                        budget_bytes=1 << 20, gene_ranges=ExitProblem.gene_ranges)  # fmt: skip
    s = run_search(problem, [get_board("qemu-f446")], settings, tmp_path, {"task": "se-exits"}, "si_sdr_db",
                   problem.operators, progress=False)  # fmt: skip
    rows = sqlite3.connect(tmp_path / "search.db").execute("SELECT genome, cycles, counter FROM evaluations")
    cost = {int(g): c for g, c, counter in rows if counter == "tim2-icount"}
    assert len(cost) == s["run"]["evaluated_now"] >= 3
    ordered = [cost[k] for k in sorted(cost)]
    assert ordered == sorted(ordered) and ordered[0] < ordered[-1]  # a higher threshold reaches deeper exits
    again = run_search(problem, [get_board("qemu-f446")], settings, tmp_path, {"task": "se-exits"}, "si_sdr_db",
                       problem.operators, progress=False)  # fmt: skip
    assert again["run"]["resumed"] and again["run"]["evaluated_now"] == 0


def test_exit_search_refuses_a_model_without_exits(problem):
    with pytest.raises(ConfigError, match="has no early exits"):
        ExitProblem(tflite=gru_mask_tflite(), task=problem.task)

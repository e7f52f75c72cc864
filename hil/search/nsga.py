"""NSGA-II over bit-width genomes (DEAP), with constraint domination and a replayable history.

Objectives are named: accuracy is maximised; size_bytes, cycles and energy_uj are minimised.
A candidate over the byte budget is infeasible. It is kept in the population and ranked by Deb's
constraint-domination rule: every feasible candidate dominates it, and among infeasible ones the
smaller budget violation dominates. The rule is realised through the fitness values selNSGA2 sees
(an infeasible candidate gets a value worse than any feasible one in every objective, worsening with
its violation), so DEAP's own sorting applies it.

The loop draws all its randomness from Python's `random` seeded with the run's seed and evaluates
through `evaluate(genomes) -> {key: Evaluation}`, which answers stored genomes from the store. So a
rerun after an interruption replays the same generations and evaluates only what is missing.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from deap import base, tools

from hil.errors import ConfigError
from hil.search.genome import MAX_BITS, MIN_BITS, genome_key, random_genome, uniform
from hil.search.store import Evaluation

OBJECTIVES = {"accuracy": 1.0, "size": -1.0, "cycles": -1.0, "energy": -1.0}
_FIELD = {"accuracy": "accuracy", "size": "size_bytes", "cycles": "cycles", "energy": "energy_uj"}
BASELINE_BITS = (8, 6, 4)
_WORST = 1e15  # beyond any real size, cycle count or energy


def parse_objectives(text: str) -> tuple[str, ...]:
    names = tuple(n.strip() for n in text.split(",") if n.strip())
    bad = [n for n in names if n not in OBJECTIVES]
    if not names or bad or len(set(names)) != len(names):
        raise ConfigError(f"--objectives: wanted distinct names from {','.join(OBJECTIVES)}, got '{text}'")
    if "accuracy" not in names:
        raise ConfigError(f"--objectives: wanted accuracy among the objectives, got '{text}'")
    return names


def objective_values(e: Evaluation, objectives: Sequence[str], budget_bytes: int) -> tuple[float, ...]:
    """The fitness values selNSGA2 ranks (see the module docstring for infeasible candidates)."""
    if e.feasible:
        values = tuple(getattr(e, _FIELD[o]) for o in objectives)
        if any(v is None for v in values):
            missing = [o for o, v in zip(objectives, values) if v is None]
            raise ConfigError(f"genome {e.genome}: objective {missing[0]} has no figure (no board measured it)")
        return values
    violation = float(e.size_bytes - budget_bytes)
    return tuple(-_WORST - violation if o == "accuracy" else _WORST + violation for o in objectives)


@dataclass
class Settings:
    population: int
    generations: int
    seed: int
    genome_length: int
    objectives: tuple[str, ...]
    budget_bytes: int
    crossover_p: float = 0.9

    def check(self) -> None:
        if self.population < 4 or self.population % 4:
            raise ConfigError(f"--population: wanted a multiple of 4 (NSGA-II's tournament), got {self.population}")
        if self.generations < 0:
            raise ConfigError(f"--generations: wanted >= 0, got {self.generations}")


def _fitness_class(weights: tuple[float, ...]) -> type:
    """A DEAP Fitness with these weights (the objectives are chosen at run time)."""
    return type("Fitness", (base.Fitness,), {"weights": weights})


class Individual(list):
    def __init__(self, genes, fitness_class: type):
        super().__init__(genes)
        self.fitness = fitness_class()

    @property
    def key(self) -> str:
        return genome_key(self)


def initial_population(s: Settings, fitness_class: type) -> list[Individual]:
    """The homogeneous baselines (8, 6, 4 bits) and seeded random genomes."""
    genes = [list(uniform(b, s.genome_length)) for b in BASELINE_BITS][: s.population]
    while len(genes) < s.population:
        genes.append(random_genome(random, s.genome_length))
    return [Individual(g, fitness_class) for g in genes]


def _vary(parents: list[Individual], s: Settings) -> list[Individual]:
    """Uniform crossover and per-gene uniform integer mutation (1/L per gene) on clones of the parents."""
    kids = [Individual(p, type(p.fitness)) for p in parents]
    for a, b in zip(kids[::2], kids[1::2]):
        if random.random() <= s.crossover_p:
            tools.cxUniform(a, b, indpb=0.5)
        tools.mutUniformInt(a, low=MIN_BITS, up=MAX_BITS, indpb=1.0 / s.genome_length)
        tools.mutUniformInt(b, low=MIN_BITS, up=MAX_BITS, indpb=1.0 / s.genome_length)
    return kids


def first_front(individuals: list[Individual]) -> list[Individual]:
    return tools.sortNondominated(individuals, len(individuals), first_front_only=True)[0]


Evaluate = Callable[[list[tuple[int, ...]]], dict[str, Evaluation]]
OnGeneration = Callable[[int, list[Individual], dict], None]


def nsga2(s: Settings, evaluate: Evaluate, on_generation: OnGeneration) -> list[Individual]:
    """Run NSGA-II; `on_generation(g, population, info)` after each generation (0 = the initial one).
    Returns the final population."""
    s.check()
    fitness_class = _fitness_class(tuple(OBJECTIVES[o] for o in s.objectives))
    random.seed(s.seed)
    pop = initial_population(s, fitness_class)
    _assign(pop, evaluate, s)
    pop = tools.selNSGA2(pop, s.population)  # ranks and crowding distances for the tournament
    on_generation(0, pop, {"time": time.time()})
    for g in range(1, s.generations + 1):
        kids = _vary(tools.selTournamentDCD(pop, len(pop)), s)
        _assign(kids, evaluate, s)
        pop = tools.selNSGA2(pop + kids, s.population)
        on_generation(g, pop, {"time": time.time()})
    return pop


def _assign(individuals: list[Individual], evaluate: Evaluate, s: Settings) -> None:
    results = evaluate([tuple(ind) for ind in individuals])
    for ind in individuals:
        ind.fitness.values = objective_values(results[ind.key], s.objectives, s.budget_bytes)

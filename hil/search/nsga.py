"""NSGA-II over bit-width genomes (DEAP), with constraint domination and a replayable history.

Objectives are named: accuracy is maximised; size_bytes, cycles and energy_uj are minimised.
A candidate over the byte budget is infeasible. It is kept in the population and ranked by Deb's
constraint-domination rule: every feasible candidate dominates it, and among infeasible ones the
smaller budget violation dominates. The rule is realised through the fitness values selNSGA2 sees
(an infeasible candidate gets a value worse than any feasible one in every objective, worsening with
its violation), so DEAP's own sorting applies it.

In DEAP's idiom: role-named operators (`crossover_uniform`, `mutate_bits`, `select_parents`), one
explicit `random.Random` seeded with the run's seed passed to every one of them (the global `random`
is never touched), and `nsga2` returning (population, logbook). It evaluates through
`evaluate(genomes) -> {key: Evaluation}`, which answers stored genomes from the store. So a rerun
after an interruption replays the same generations and evaluates only what is missing.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from deap import base, tools

from hil.errors import ConfigError
from hil.search.genome import gene_range, genome_key, random_genome, uniform
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
    gene_ranges: tuple = ()  # per gene (lowest, highest); () for bit widths 2..8 everywhere

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


def initial_population(s: Settings, fitness_class: type, rng: random.Random) -> list[Individual]:
    """The homogeneous baselines (8, 6, 4 bits) and seeded random genomes."""
    genes = [list(uniform(b, s.genome_length, s.gene_ranges)) for b in BASELINE_BITS][: s.population]
    while len(genes) < s.population:
        genes.append(random_genome(rng, s.genome_length, s.gene_ranges))
    return [Individual(g, fitness_class) for g in genes]


def crossover_uniform(a: list, b: list, rng: random.Random, indpb: float = 0.5) -> None:
    """Swap each gene between a and b with probability indpb (DEAP's cxUniform, on rng)."""
    for i in range(min(len(a), len(b))):
        if rng.random() < indpb:
            a[i], b[i] = b[i], a[i]


def mutate_bits(genes: list, rng: random.Random, indpb: float, ranges=()) -> None:
    """Redraw each gene uniformly in its range (bit widths: 2..8) with probability indpb (DEAP's mutUniformInt)."""
    for i in range(len(genes)):
        if rng.random() < indpb:
            genes[i] = rng.randint(*gene_range(ranges, i))


def _tournament(a: Individual, b: Individual, rng: random.Random) -> Individual:
    if a.fitness.dominates(b.fitness):
        return a
    if b.fitness.dominates(a.fitness):
        return b
    if a.fitness.crowding_dist != b.fitness.crowding_dist:
        return a if a.fitness.crowding_dist > b.fitness.crowding_dist else b
    return a if rng.random() <= 0.5 else b


def select_parents(population: list[Individual], rng: random.Random) -> list[Individual]:
    """Binary tournaments on dominance, then crowding distance (DEAP's selTournamentDCD, on rng; the
    population size a multiple of 4)."""
    first, second = rng.sample(population, len(population)), rng.sample(population, len(population))
    chosen = []
    for i in range(0, len(population), 4):
        for pool in (first, second):
            chosen += [_tournament(pool[i], pool[i + 1], rng), _tournament(pool[i + 2], pool[i + 3], rng)]
    return chosen


def vary(parents: list[Individual], s: Settings, rng: random.Random) -> list[Individual]:
    """Uniform crossover and per-gene uniform integer mutation (1/L per gene) on clones of the parents."""
    kids = [Individual(p, type(p.fitness)) for p in parents]
    for a, b in zip(kids[::2], kids[1::2]):
        if rng.random() <= s.crossover_p:
            crossover_uniform(a, b, rng)
        mutate_bits(a, rng, 1.0 / s.genome_length, s.gene_ranges)
        mutate_bits(b, rng, 1.0 / s.genome_length, s.gene_ranges)
    return kids


def first_front(individuals: list[Individual]) -> list[Individual]:
    return tools.sortNondominated(individuals, len(individuals), first_front_only=True)[0]


Evaluate = Callable[[list[tuple[int, ...]]], dict[str, Evaluation]]
OnGeneration = Callable[[int, list[Individual], dict], None]


def nsga2(s: Settings, evaluate: Evaluate, on_generation: OnGeneration) -> tuple[list[Individual], tools.Logbook]:
    """Run NSGA-II; `on_generation(g, population, info)` after each generation (0 = the initial one).
    Returns the final population and a logbook (per generation: evaluations asked, first-front size)."""
    s.check()
    rng = random.Random(s.seed)
    fitness_class = _fitness_class(tuple(OBJECTIVES[o] for o in s.objectives))
    logbook = tools.Logbook()
    logbook.header = ("gen", "evals", "front")
    pop = initial_population(s, fitness_class, rng)
    _assign(pop, evaluate, s)
    pop = tools.selNSGA2(pop, s.population)  # ranks and crowding distances for the tournament
    logbook.record(gen=0, evals=len(pop), front=len(first_front(pop)))
    on_generation(0, pop, {"time": time.time()})
    for g in range(1, s.generations + 1):
        kids = vary(select_parents(pop, rng), s, rng)
        _assign(kids, evaluate, s)
        pop = tools.selNSGA2(pop + kids, s.population)
        logbook.record(gen=g, evals=len(kids), front=len(first_front(pop)))
        on_generation(g, pop, {"time": time.time()})
    return pop, logbook


def _assign(individuals: list[Individual], evaluate: Evaluate, s: Settings) -> None:
    results = evaluate([tuple(ind) for ind in individuals])
    for ind in individuals:
        ind.fitness.values = objective_values(results[ind.key], s.objectives, s.budget_bytes)

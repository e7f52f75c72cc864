"""The nightly matrix (a YAML file, farm/nightly.yaml): models x boards x jobs, and the thresholds that
turn a change into a regression."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hil.boards import _error_line, _read_yaml, get_board
from hil.errors import ConfigError


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Job(_Record):
    kind: str  # a key of hil.nightly.jobs.JOB_KINDS
    split: str = "test"  # profile: the corpus split
    limit: Optional[int] = Field(default=None, ge=1)  # profile: utterances
    task: str = "digits"  # search
    budget: str = "64kB"  # search
    population: int = Field(default=8, ge=4)
    generations: int = Field(default=2, ge=0)
    val_limit: Optional[int] = Field(default=None, ge=1)
    places: int = Field(default=1, ge=1, le=64)  # search: how many boards of each type it spreads over
    timeout_s: float = Field(default=3600.0, gt=0)


class Thresholds(_Record):
    """Relative changes in the worse direction that are regressions. Instruction counts from an emulator
    and sizes are compared exactly; cycles on silicon and host times are `timing`."""

    quality: float = Field(default=0.02, ge=0)
    energy: float = Field(default=0.05, ge=0)
    timing: float = Field(default=0.10, ge=0)


class Matrix(_Record):
    boards: list[str] = Field(min_length=1)
    models: list[str] = Field(default_factory=lambda: ["nsnet2-small"])
    audio: Optional[str] = None  # the speech corpus profile streams (relative to the matrix file)
    jobs: list[Job] = Field(min_length=1)
    thresholds: Thresholds = Field(default_factory=Thresholds)

    @field_validator("boards")
    @classmethod
    def _known_boards(cls, boards):
        for b in boards:
            get_board(b)  # a one-line ConfigError naming the board
        return boards


def load_matrix(path: Path) -> Matrix:
    data = _read_yaml(path)
    try:
        matrix = Matrix.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_error_line(path, exc).replace("board key", "matrix key")) from None
    if matrix.audio is not None:
        matrix = matrix.model_copy(update={"audio": str((path.parent / matrix.audio).resolve())})
    return matrix

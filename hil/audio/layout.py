"""Any folder in the corpus layout (see hil.audio.corpus): its utterance pairs and its manifest.

    DIR/<split>/noisy/<id>.wav     16 kHz mono 16-bit PCM (read with hil.audio.wav.read_wav)
    DIR/<split>/clean/<id>.wav     the same names; the folder may be missing (clean is then None)
    DIR/manifest.csv               one row per utterance, MANIFEST_FIELDS
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from hil.errors import ConfigError

MANIFEST_FIELDS = ["id", "split", "voice", "variant", "rate", "pitch", "text", "noise", "snr_db", "seconds"]


@dataclass(frozen=True)
class Pair:
    id: str
    noisy_path: Path
    clean_path: Path | None


def load_split(root, split: str) -> list[Pair]:
    """The pairs of one split of any folder in the corpus layout, sorted by id. clean_path is None when
    DIR/<split>/clean is missing; a noisy file without its clean twin in an existing clean/ is an error."""
    root = Path(root)
    noisy_dir = root / split / "noisy"
    noisy = sorted(noisy_dir.glob("*.wav")) if noisy_dir.is_dir() else []
    if not noisy:
        raise ConfigError(f"wanted {noisy_dir}/*.wav, found none")
    clean_dir = root / split / "clean"
    pairs = []
    for path in noisy:
        clean = None
        if clean_dir.is_dir():
            clean = clean_dir / path.name
            if not clean.is_file():
                raise ConfigError(f"wanted {clean} to go with {path}, found none")
        pairs.append(Pair(path.stem, path, clean))
    return pairs


def read_manifest(root) -> list[dict]:
    path = Path(root) / "manifest.csv"
    if not path.is_file():
        raise ConfigError(f"wanted {path}, found none")
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def write_manifest(root, rows: list[dict]) -> None:
    with open(Path(root) / "manifest.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)

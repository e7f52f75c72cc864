"""Host-side coverage-guided fuzz targets (atheris) for every reader of untrusted input.

Each target is a module `fuzz_<name>.py` here with `one_input(data: bytes) -> None` that feeds the
bytes to one reader and lets only the project's typed errors (`hil.errors.HilError`) through as
"handled"; anything else is a finding. Its committed seed corpus is `seeds/<name>/`, written by the
target's `seeds() -> {file name: bytes}` (`--write-seeds`), so every seed says how it was made. The
hil package is instrumented for coverage; a target adds the parsers it leans on with
`INSTRUMENT = ("yaml",)`.

    python -m tests.fuzz.run NAME --seconds 5        # one target, from its seeds, in a temp corpus
    python -m tests.fuzz.run NAME --replay FILE...    # run inputs once (a reproducer)
    python -m tests.fuzz.run NAME --write-seeds       # regenerate seeds/NAME/

`tests/test_fuzz_host.py` runs every target briefly on each test run; `make fuzz-long` runs each for
FUZZ_SECONDS.
"""

from pathlib import Path

FUZZ_DIR = Path(__file__).resolve().parent
SEEDS_DIR = FUZZ_DIR / "seeds"


def target_names() -> list[str]:
    return sorted(p.stem.removeprefix("fuzz_") for p in FUZZ_DIR.glob("fuzz_*.py"))

"""Run one host fuzz target under atheris (libFuzzer) from its committed seeds.

The seeds are copied into a working corpus (`--corpus`, default `build/fuzz-host/NAME`, ignored by
git) so a run never writes into the committed seeds, and a long run continues from what earlier runs
found. libFuzzer ends the process itself and prints its final stats (`parse_stats` reads them).
"""

from __future__ import annotations

import argparse
import ast
import importlib
import re
import shutil
import sys
from pathlib import Path

from tests.fuzz import FUZZ_DIR, SEEDS_DIR, target_names


def instrumented(name: str) -> list[str]:
    """The packages whose code guides the target: hil, plus its `INSTRUMENT = (...)` (e.g. the parser a
    reader leans on), read from the file before it is imported, since instrumenting happens at import."""
    path = FUZZ_DIR / f"fuzz_{name}.py"
    extra = []
    if path.exists():
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["INSTRUMENT"]:
                extra = list(ast.literal_eval(node.value))
    return ["hil", *extra]


def _load(name: str, module: str | None = None):
    import atheris

    if module is None and name not in target_names():
        raise SystemExit(f"fuzz-host: unknown target '{name}': wanted one of {', '.join(target_names())}")
    with atheris.instrument_imports(include=instrumented(name)):
        return importlib.import_module(module or f"tests.fuzz.fuzz_{name}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz.run")
    p.add_argument("name")
    p.add_argument("--seconds", type=int, default=5)
    p.add_argument("--runs", type=int, default=None, help="stop after this many executions instead")
    p.add_argument("--corpus", type=Path, default=None, help="working corpus folder (default build/fuzz-host/NAME)")
    p.add_argument("--max-len", type=int, default=65536)
    p.add_argument("--replay", type=Path, nargs="+", help="run these inputs once each and stop")
    p.add_argument("--write-seeds", action="store_true", help="(re)write seeds/NAME/ from the target's seeds()")
    p.add_argument("--module", help=argparse.SUPPRESS)  # another target module (the runner's own test)
    args = p.parse_args(argv)
    import atheris

    module = _load(args.name, args.module)
    if args.write_seeds:
        folder = SEEDS_DIR / args.name
        folder.mkdir(parents=True, exist_ok=True)
        for seed_name, data in module.seeds().items():
            (folder / seed_name).write_bytes(data)
        print(f"fuzz-host {args.name}: wrote {len(module.seeds())} seeds to {folder}")
        return 0
    if args.replay:
        for path in args.replay:
            module.one_input(path.read_bytes())
        print(f"fuzz-host {args.name}: replayed {len(args.replay)} inputs cleanly", flush=True)
        return 0
    work = args.corpus or FUZZ_DIR.parent.parent / "build" / "fuzz-host" / args.name
    work.mkdir(parents=True, exist_ok=True)
    for seed in sorted((SEEDS_DIR / args.name).glob("*")):
        shutil.copy(seed, work / seed.name)
    stop = f"-runs={args.runs}" if args.runs is not None else f"-max_total_time={args.seconds}"
    flags = [sys.argv[0], str(work), stop, "-seed=1", f"-max_len={args.max_len}", "-print_final_stats=1",
             f"-artifact_prefix={work}/", "-timeout=20", "-rss_limit_mb=4096"]
    atheris.Setup(flags, module.one_input)
    atheris.Fuzz()  # libFuzzer exits the process when the run ends
    return 0


def parse_stats(stderr: str) -> dict:
    """libFuzzer's final figures from a run's stderr: executions, coverage (edges), features, corpus."""
    out = {}
    if m := re.search(r"stat::number_of_executed_units:\s*(\d+)", stderr):
        out["executions"] = int(m.group(1))
    done = re.findall(r"#\d+\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)", stderr)
    if done:
        out["coverage"], out["features"], out["corpus"] = (int(x) for x in done[-1])
    return out


if __name__ == "__main__":
    sys.exit(main())

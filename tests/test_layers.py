"""The house's layers hold: no import cycle, no import from a lower layer to a higher one.

The layer order is the tables of docs/architecture.md (one source of truth): this test reads them,
reads every module's imports (`ast`, imports inside functions included) and every firmware file's
`#include`s, and names the file and line of each import that breaks the order."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
_ROW = re.compile(r"^\|\s*(\d+)\s*\|([^|]*)\|")


def layer_table(heading: str) -> dict[str, int]:
    """{name: layer} from the table under `heading`: rows `| layer | `name`, `name` | ...`."""
    text = DOC.read_text()
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        if m := _ROW.match(line):
            for name in re.findall(r"`([^`]+)`", m.group(2)):
                table[name] = int(m.group(1))
    assert table, f"{DOC}: no layer table under '## {heading}'"
    return table


# ---- the host package -------------------------------------------------------------------------


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SHELLS = ("hil.cli", "hil.shell")  # with every folder's cli.py: the command shells, the top layer


def unit(module: str) -> str:
    """The layer unit of a module: `cli` for a command shell, else its folder under hil/
    (hil.compile.ops.conv -> compile) or the module itself (hil.errors -> errors)."""
    parts = module.split(".")
    if module in SHELLS or parts[-1] == "cli":
        return "cli"
    return parts[1] if len(parts) > 1 else "hil"


def hil_imports(path: Path) -> list[tuple[str, int]]:
    """(imported hil name, line) for every import in the file, at any depth: `from a import b` as a.b,
    resolved by the caller to the longest name that is a module."""
    tree = ast.parse(path.read_text(), str(path))
    package = module_name(path).rsplit(".", 1)[0] if path.name != "__init__.py" else module_name(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "hil"]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.split(".")[0] == "hil":  # `from hil.x import y` may import the module hil.x.y
                found += [(f"{base}.{a.name}", node.lineno) for a in node.names]
    return found


def host_modules() -> list[Path]:
    return sorted((ROOT / "hil").rglob("*.py"))


def host_problems(layers: dict[str, int]) -> list[str]:
    problems = []
    for path in host_modules():
        mod = module_name(path)
        src = unit(mod)
        if src not in layers:
            problems.append(f"{path.relative_to(ROOT)}: hil.{src} has no layer in {DOC.name}")
            continue
        for target, line in hil_imports(path):
            dst = unit(_module_of(target))
            where = f"{path.relative_to(ROOT)}:{line}"
            if dst not in layers:
                problems.append(f"{where}: imports {target}, whose unit hil.{dst} has no layer")
            elif dst != src and layers[dst] >= layers[src]:
                problems.append(f"{where}: hil.{src} (layer {layers[src]}) imports {target} "
                                f"(hil.{dst}, layer {layers[dst]}): only lower layers may be imported")
    return problems


@functools.cache
def _modules() -> frozenset[str]:
    return frozenset(module_name(p) for p in host_modules())


def _module_of(name: str) -> str:
    """The longest prefix of an imported name that is a hil module (hil.targets.firmware.build -> ...firmware)."""
    modules = _modules()
    while name not in modules and "." in name:
        name = name.rpartition(".")[0]
    return name


def module_cycles() -> list[list[str]]:
    """Cycles among hil modules (each import resolved to the longest existing module name)."""
    modules = {module_name(p): p for p in host_modules()}
    graph = {}
    for mod, path in modules.items():
        targets = set()
        for name, _ in hil_imports(path):
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != mod:
                targets.add(name)
        graph[mod] = targets
    return _cycles(graph)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_host_layers_hold():
    problems = host_problems(layer_table("Host layers"))
    assert not problems, "\n".join(problems)


def test_no_import_cycles():
    cycles = module_cycles()
    assert not cycles, "import cycles: " + "; ".join(" <-> ".join(c) for c in cycles)


# ---- the firmware -----------------------------------------------------------------------------

FW = ROOT / "firmware"
_INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def fw_layer(path: Path, folders: dict[str, int]) -> tuple[str, int] | None:
    """The most specific folder (or file) entry of the firmware table that holds `path`."""
    rel = path.relative_to(FW).as_posix()
    hits = [(k, v) for k, v in folders.items() if rel == k or rel.startswith(k.rstrip("/") + "/")]
    return max(hits, key=lambda kv: len(kv[0])) if hits else None


def firmware_problems(layers: dict[str, int]) -> list[str]:
    headers = {k: v for k, v in layers.items() if k.endswith(".h") and "/" not in k}
    folders = {k: v for k, v in layers.items() if k not in headers}
    problems = []
    for path in sorted(p for p in FW.rglob("*") if p.suffix in (".c", ".h") and "build" not in p.parts):
        rel = path.relative_to(FW).as_posix()
        if rel.startswith("include/hil/"):
            own = headers.get(path.name)
            if own is None:
                problems.append(f"firmware/{rel}: public header with no layer in {DOC.name}")
                continue
            src = (path.name, own)
        else:
            src = fw_layer(path, folders)
            if src is None:
                problems.append(f"firmware/{rel}: no layer in {DOC.name}")
                continue
        for m in _INCLUDE.finditer(path.read_text()):
            inc, line = m.group(1), path.read_text()[: m.start()].count("\n") + 1
            if inc.startswith("hil/"):
                dst = (inc, headers.get(inc.removeprefix("hil/")))
            else:
                target = (path.parent / inc).resolve()
                if not target.exists() or FW not in target.parents:
                    continue  # a port's own SDK header
                dst = fw_layer(target, folders) if target.parent != path.parent else src
            if dst is None or dst[1] is None:
                problems.append(f"firmware/{rel}:{line}: includes {inc}, which has no layer")
            elif dst[1] > src[1]:
                problems.append(f"firmware/{rel}:{line}: {src[0]} (layer {src[1]}) includes {inc} "
                                f"({dst[0]}, layer {dst[1]}): only lower layers may be included")
    return problems


def test_firmware_layers_hold():
    problems = firmware_problems(layer_table("Firmware layers"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("bad", ["host", "firmware"])
def test_a_reintroduced_upward_import_is_caught(bad, tmp_path, monkeypatch):
    """The check can fail: a lower layer that imports a higher one is named with file and line."""
    if bad == "host":
        layers = layer_table("Host layers")
        low = min(layers, key=layers.get)
        high = max(layers, key=layers.get)
        fake = ROOT / "hil" / f"{low}.py" if (ROOT / "hil" / f"{low}.py").exists() else None
        assert fake is not None
        text = fake.read_text() + f"\nimport hil.{high}  # deliberate\n"
        monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: text if self == fake else _read(self))
        problems = host_problems(layers)
        assert any(f"{fake.relative_to(ROOT)}:" in p and f"hil.{high}" in p for p in problems), problems
    else:
        layers = layer_table("Firmware layers")
        kernel = next((FW / "src" / "kernels").glob("*.c"))
        text = kernel.read_text() + '\n#include "hil/runtime.h"\n'
        monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: text if self == kernel else _read(self))
        problems = firmware_problems(layers)
        assert any(kernel.name in p and "runtime.h" in p for p in problems), problems


_read = Path.read_text

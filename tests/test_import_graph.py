"""The import graph: imports run bot -> schedules -> handlers -> storage, and never in a circle.

Every module under bot/, handlers/, schedules/ and storage/ is parsed with `ast`, so imports
inside functions and under TYPE_CHECKING count too: an import moved into a function to dodge a
circle is still a circle. A package's ``__init__`` may import its own submodules; a submodule
importing its package's ``__init__`` back closes a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot", "handlers", "schedules", "storage")
# Layer -> the layers it must never import from.
FORBIDDEN = {
    "handlers": {"bot", "schedules"},
    "storage": {"bot", "schedules", "handlers"},
    "schedules": {"bot"},
}
CYCLE_LAYERS = set(LAYERS)
ALLOWED_UPWARD: set[tuple[str, str]] = set()


def module_files(root: Path = ROOT) -> dict[str, Path]:
    """Dotted module name -> file, for every module in the four layers."""
    found: dict[str, Path] = {}
    for top in LAYERS:
        for path in sorted((root / top).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def ancestors(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def imported_modules(name: str, path: Path, files: dict[str, Path]) -> set[str]:
    """The modules of the four layers this file imports, wherever the import statement sits.

    ``from pkg import sub`` imports the module ``pkg.sub``; ``from pkg import NAME`` imports
    ``pkg`` itself. Importing a module of another package runs that package's ``__init__``
    first, as Python does, so that is an edge too.
    """
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                targets.add(sub if sub in files else base)
    own = {name, *ancestors(name)}
    found = {t for t in targets if t in files}
    # The layers' own __init__ files are empty: an edge to them says nothing.
    found |= {p for t in found for p in ancestors(t)[1:] if p in files and p not in own}
    return found - {name}


def import_graph(root: Path = ROOT) -> dict[str, set[str]]:
    """Module -> the modules of the four layers it imports."""
    files = module_files(root)
    return {name: imported_modules(name, path, files) for name, path in files.items()}


def layer(name: str) -> str:
    return name.partition(".")[0]


def find_cycles(graph: dict[str, set[str]]) -> list[tuple[list[str], list[str]]]:
    """Each knot of modules that import each other (a strongly connected group), with one
    circle through it as a path that ends where it starts."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                group.append(top)
                if top == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return [(_circle_in(graph, group), group) for group in groups]


def _circle_in(graph: dict[str, set[str]], group: list[str]) -> list[str]:
    """The shortest path from the group's first module back to itself, inside the group."""
    start, members = group[0], set(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return group


def test_no_module_imports_from_a_layer_above_it():
    graph = import_graph()
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in graph.items()
        for target in targets
        if layer(target) in FORBIDDEN.get(layer(name), set())
        and (name, target) not in ALLOWED_UPWARD
    )
    assert not upward, (
        "imports against the direction bot -> schedules -> handlers -> storage:\n"
        + ("\n".join(upward))
    )


def test_no_import_circles_in_handlers_schedules_or_storage():
    graph = import_graph()
    inner = {
        name: {t for t in targets if layer(t) in CYCLE_LAYERS}
        for name, targets in graph.items()
        if layer(name) in CYCLE_LAYERS
    }
    cycles = find_cycles(inner)
    assert not cycles, "import circles:\n" + "\n".join(
        " -> ".join(circle) + f"  (knot of {len(knot)}: {', '.join(knot)})"
        for circle, knot in cycles
    )


def test_the_graph_sees_imports_inside_functions_and_a_submodule_importing_its_package(tmp_path):
    """The checker itself: a function-level import and a submodule importing its package count."""
    pkg = tmp_path / "handlers" / "flow"
    pkg.mkdir(parents=True)
    (tmp_path / "handlers" / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text("from handlers.flow import steps\nNAME = 1\n")
    (pkg / "steps.py").write_text("def f():\n    from handlers.flow import NAME\n")
    (tmp_path / "handlers" / "lower.py").write_text("def g():\n    from schedules import job\n")
    (tmp_path / "schedules").mkdir()
    (tmp_path / "schedules" / "__init__.py").write_text("")
    (tmp_path / "schedules" / "job.py").write_text("from handlers.flow import steps\n")
    graph = import_graph(tmp_path)
    assert "handlers.flow" in graph["handlers.flow.steps"]
    assert graph["schedules.job"] == {"handlers.flow.steps", "handlers.flow"}
    knot = ["handlers.flow", "handlers.flow.steps"]
    assert find_cycles(graph) == [(["handlers.flow", "handlers.flow.steps", "handlers.flow"], knot)]
    assert "schedules.job" in graph["handlers.lower"]

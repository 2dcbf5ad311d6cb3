"""The Slack benchmark's scripts still import (benchmarks/ is not run by the test suite): the
bare bolt reference uses only slack_bolt, and the benchmark finds the test drivers it reuses."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_reference_builds_a_bolt_app_with_the_two_commands_and_the_form():
    reference = load("reference_bolt_app")
    app = reference.build("xoxb-test", "secret", "http://127.0.0.1:9/api/", ["U1", "U2", "U3"])
    assert len(app._async_listeners) == 3
    assert reference.modal("bench.breach")["callback_id"] == "bench.breach"


def test_the_reference_imports_nothing_from_safekeep():
    tree = ast.parse((BENCHMARKS / "reference_bolt_app.py").read_text())
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"__future__", "os", "typing", "slack_bolt", "slack_sdk"}


def test_the_benchmark_and_its_fake_api_import():
    bench = load("bench_slack")
    load("slack_fake_api")
    assert bench.QUICK.rounds >= 2

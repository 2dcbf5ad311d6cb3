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


def test_the_delivery_benchmark_runs_both_sides_and_prints_its_table(tmp_path):
    """Tiny sizes: it makes the database, starts the fake, drains the outbox with Safekeep's
    dispatcher and posts with bare slack_sdk, checks every DM arrived once, and prints."""
    import subprocess

    from tests.drivers.program import program_env

    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / "bench_delivery.py")]
        + ["--dms", "30", "--rounds", "1", "--workspaces", "5", "--latency-ms", "0"],
        cwd=BENCHMARKS.parent,
        env=program_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "| measure | Safekeep | bare slack_sdk reference | ratio |"
    assert "30 DMs over 5 workspaces, 0 ms API latency" in lines[2]
    assert "every DM exactly once" in lines[3]

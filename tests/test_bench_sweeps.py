"""The sweep benchmark at tiny sizes (no timings): its trust builds and sweeps on SQLite and
PostgreSQL, a second sweep queues nothing, and one day's sweeps cost the same number of
statements however big the trust is."""

from __future__ import annotations

from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session, sessionmaker

from storage.models import Base
from tests.test_benchmarks import load


def sweep_twice(bench, engine: Engine, factory: sessionmaker[Session], scale) -> tuple:
    bench.build_trust(engine, scale)
    counter = bench.StatementCounter(engine)
    return bench.sweep(factory, counter), bench.sweep(factory, counter)


def empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


def test_the_benchmark_sweeps_a_tiny_trust_twice_and_the_second_sweep_queues_nothing(
    engine, factory
):
    bench = load("bench_sweeps")
    first, second = sweep_twice(bench, engine, factory, bench.Scale("tiny", 2, 10, 40, 4))
    # Everyone is reminded to sign the AUP, each holder with a record due gets a digest, and
    # the school with an open breach hears of it.
    assert first.queued > 20 and first.statements > 0
    assert second.queued == 0
    assert "none" in bench.row(bench.HUNDREDTH, "sqlite", first, second)


def test_a_days_sweeps_cost_the_same_statements_for_three_times_the_schools_and_records(
    engine, factory
):
    bench = load("bench_sweeps")
    small_first, small_second = sweep_twice(
        bench, engine, factory, bench.Scale("small", 2, 20, 60, 10)
    )
    empty(engine)
    big_first, big_second = sweep_twice(bench, engine, factory, bench.Scale("big", 6, 20, 180, 30))
    assert big_first.queued > small_first.queued * 2
    assert big_first.statements == small_first.statements
    assert big_second.statements == small_second.statements
    assert big_second.queued == small_second.queued == 0

"""Running the sweeps: all schools in one transaction, and school by school when that fails, so
one school's problem never stops another's reminders."""

from __future__ import annotations

from collections.abc import Sequence

from handlers import admin
from handlers.context import Context, KeyedNotice, notify_all
from handlers.replies import Notice
from schedules import sweeps
from schedules.all_schools import AllSchools
from storage.database import transaction
from storage.outbox import LedgerKey
from tests.storage.test_outbox import counts


def test_a_school_that_breaks_a_sweep_for_all_schools_stops_only_its_own_reminders(
    monkeypatch, factory, clock, school, staff
):
    with transaction(factory) as session:
        broken = admin.create_school(session, "Broken School", "console", clock())

    @AllSchools
    def reminder(schools: Sequence[Context]) -> int:
        notices = [
            KeyedNotice(
                ctx, [staff], Notice("Test reminder"), LedgerKey(f"school:{ctx.school.id}", "test")
            )
            for ctx in schools
            if ctx.school.id == school.id
        ]
        queued = len(notify_all(notices))
        if any(ctx.school.id == broken.id for ctx in schools):
            raise RuntimeError("this school's data is broken")
        return queued

    monkeypatch.setattr(sweeps, "SWEEPS", {"test_reminder": reminder})
    assert sweeps.run_all(factory, clock) == 1
    assert counts(factory) == (1, 1)  # the all-schools attempt was rolled back whole
    assert sweeps.run_all(factory, clock) == 0
    assert counts(factory) == (1, 1)


def test_a_sweep_written_for_one_school_runs_for_each_school(monkeypatch, factory, clock, school):
    with transaction(factory) as session:
        other = admin.create_school(session, "Other School", "console", clock())
    seen: list[int] = []

    def one_school(ctx: Context) -> int:
        seen.append(ctx.school.id)
        return 0

    monkeypatch.setattr(sweeps, "SWEEPS", {"one_school": one_school})
    sweeps.run_all(factory, clock)
    assert seen == [school.id, other.id]


def test_a_sweep_reads_settings_changed_since_an_earlier_sweep_of_the_same_run(
    monkeypatch, factory, clock, school
):
    seen: list[int] = []

    def change(ctx: Context) -> int:
        seen.append(ctx.settings.alert_ack_minutes)  # parsed here, and kept for the next sweep
        ctx.school.settings = {**ctx.school.settings, "alert_ack_minutes": 15}
        return 0

    def read(ctx: Context) -> int:
        seen.append(ctx.settings.alert_ack_minutes)
        return 0

    monkeypatch.setattr(sweeps, "SWEEPS", {"change": change, "read": read, "again": read})
    sweeps.run_all(factory, clock)
    assert seen == [60, 15, 15]

"""Who must sign which AUP version, and where each person stands: the one answer that `/aup`,
App Home, `/aup status`, the export, the campaign's reminders and the governors' report share.

A person's version is the newest one in force for their group. The round they sign in is that
version's newest campaign already open (the yearly Spring round, or a new version's own round);
signing is recorded under the round's cycle, so each year's round asks again while last year's
signature stays as evidence. Before any round has opened, a signature of the version counts.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Generic, NamedTuple, Protocol, TypeVar

from sqlalchemy import ColumnElement, Text, cast, select
from sqlalchemy.orm import Session

from handlers.context import Context
from handlers.school_calendar import SchoolCalendar
from storage.models import AupAcknowledgement, AupCampaign, AupExemption, AupVersion, Person
from storage.models.school import ROLE_GROUPS

GROUP_LABELS = {
    "teaching": "Teaching staff",
    "support": "Support staff",
    "governor": "Governors",
    "volunteer": "Volunteers",
    "contractor": "Contractors",
    "visitor": "Visitors",
}
assert tuple(GROUP_LABELS) == ROLE_GROUPS

# A person's status, as stored in exports; STATUS_LABELS has the words people read.
SIGNED, TO_SIGN, OVERDUE, EXEMPT, NOTHING_TO_SIGN = (
    "signed",
    "to_sign",
    "overdue",
    "exempt",
    "nothing_to_sign",
)
STATUS_LABELS = {SIGNED: "Signed", TO_SIGN: "To sign", OVERDUE: "Overdue", EXEMPT: "Exempt"}


class Someone(Protocol):
    """What a roster reads of a person: a Person, or the campaign sweep's RosterPerson."""

    @property
    def id(self) -> int: ...

    @property
    def role_group(self) -> str: ...

    @property
    def joined_on(self) -> date | None: ...


class Signed(Protocol):
    """What a roster reads of a signature: an AupAcknowledgement, or the sweep's SignatureRow."""

    @property
    def person_id(self) -> int: ...

    @property
    def aup_version_id(self) -> int: ...

    @property
    def cycle(self) -> str: ...


class RosterPerson(NamedTuple):
    """A person as the campaign sweep reads them for tens of thousands at once: the columns it
    needs, without a Person object's weight (roles and identities are never loaded)."""

    id: int
    school_id: int
    display_name: str
    role_group: str
    joined_on: date | None
    sources: tuple[str, ...]


def roster_people(session: Session, school_ids: Collection[int]) -> Iterator[RosterPerson]:
    """The active people of these schools, by name, as RosterPerson rows (one query)."""
    # Sources are read as stored (JSON text): most people share one of a few values
    # ('["slack"]'), each parsed once.
    parsed: dict[str, tuple[str, ...]] = {}
    for person_id, school_id, name, group, joined_on, stored in session.execute(
        select(
            Person.id,
            Person.school_id,
            Person.display_name,
            Person.role_group,
            Person.joined_on,
            cast(Person.sources, Text),
        )
        .where(Person.school_id.in_(school_ids), Person.active.is_(True))
        .order_by(Person.display_name, Person.id)
    ):
        sources = parsed.get(stored)
        if sources is None:
            sources = parsed[stored] = tuple(json.loads(stored))
        yield RosterPerson(person_id, school_id, name, group, joined_on, sources)


class SignatureRow(NamedTuple):
    """A signature as the campaign sweep reads it: enough to say who has signed what."""

    id: int
    person_id: int
    aup_version_id: int
    cycle: str
    acknowledged_at: datetime


# Who and which signatures a Standing is about: objects (roster) or rows (rosters).
P = TypeVar("P", Person, RosterPerson)
S = TypeVar("S", AupAcknowledgement, SignatureRow)


class Standing(NamedTuple, Generic[P, S]):
    """Where one person stands with the AUP that applies to them today (a named tuple: the
    campaign sweep makes fifty thousand)."""

    person: P  # a Person (roster) or a RosterPerson (rosters, for the campaign sweep)
    version: AupVersion | None  # None: no version in force for their group
    campaign: AupCampaign | None  # the open round for that version, if any
    signature: S | None  # their signature in this round
    exemption: AupExemption | None  # an exemption covering today
    due_on: date | None
    status: str

    @property
    def cycle(self) -> str:
        return cycle_of(self.campaign)


def cycle_of(campaign: AupCampaign | None) -> str:
    """The cycle a signature is recorded under: the open round's, or "" before any round."""
    return campaign.cycle if campaign is not None else ""


def versions_in_force(ctx: Context) -> list[AupVersion]:
    """Every version already effective, newest first."""
    return list(
        ctx.session.scalars(
            select(AupVersion)
            .where(AupVersion.school_id == ctx.school.id, AupVersion.effective_date <= ctx.today)
            .order_by(AupVersion.effective_date.desc(), AupVersion.id.desc())
        )
    )


def versions_in_force_by_school(schools: Sequence[Context]) -> dict[int, list[AupVersion]]:
    """``versions_in_force`` for each of these schools (sharing a session), in one query."""
    found: dict[int, list[AupVersion]] = {ctx.school.id: [] for ctx in schools}
    if not schools:
        return found
    today = {ctx.school.id: ctx.today for ctx in schools}
    for version in schools[0].session.scalars(
        select(AupVersion)
        .where(AupVersion.school_id.in_(today), AupVersion.effective_date <= max(today.values()))
        .order_by(AupVersion.effective_date.desc(), AupVersion.id.desc())
    ):
        if version.effective_date <= today[version.school_id]:
            found[version.school_id].append(version)
    return found


def rounds_by_school(schools: Sequence[Context]) -> dict[int, list[AupCampaign]]:
    """Every round written for each of these schools (sharing a session), in one query."""
    found: dict[int, list[AupCampaign]] = {ctx.school.id: [] for ctx in schools}
    if schools:
        for round_ in schools[0].session.scalars(
            select(AupCampaign).where(AupCampaign.school_id.in_(found))
        ):
            found[round_.school_id].append(round_)
    return found


def version_for_group(versions: Sequence[AupVersion], group: str) -> AupVersion | None:
    """The newest of ``versions`` (newest first) that applies to ``group``."""
    return next((v for v in versions if group in v.groups), None)


def version_for(ctx: Context, person: Person) -> AupVersion | None:
    """The version in force for this person's group."""
    return version_for_group(versions_in_force(ctx), person.role_group)


def open_campaign(ctx: Context, version: AupVersion) -> AupCampaign | None:
    """The newest round for this version that has opened."""
    return ctx.session.scalar(
        select(AupCampaign)
        .where(AupCampaign.aup_version_id == version.id, AupCampaign.opens_on <= ctx.today)
        .order_by(AupCampaign.opens_on.desc(), AupCampaign.id.desc())
        .limit(1)
    )


def standing(ctx: Context, person: Person) -> Standing[Person, AupAcknowledgement]:
    """Where this person stands today."""
    return roster(ctx, [person])[0]


def roster(
    ctx: Context, people: Iterable[Person] | None = None
) -> list[Standing[Person, AupAcknowledgement]]:
    """Where everyone (by default every active person, by name) stands today, in few queries."""
    if people is None:
        people = ctx.session.scalars(
            select(Person)
            .where(Person.school_id == ctx.school.id, Person.active.is_(True))
            .order_by(Person.display_name, Person.id)
        ).all()
    people = list(people)
    versions = versions_in_force(ctx)
    ids = [p.id for p in people]
    signatures = _signatures(ctx.session, AupAcknowledgement.person_id.in_(ids))
    exemptions = _exemptions(ctx.session, AupExemption.person_id.in_(ids), ctx.today, ctx.today)
    return standings(ctx, people, versions, _open_campaigns(ctx, versions), signatures, exemptions)


def rosters(
    schools: Sequence[Context],
    versions: Mapping[int, Sequence[AupVersion]],
    rounds: Mapping[int, Sequence[AupCampaign]],
    people: Mapping[int, Sequence[RosterPerson]] | None = None,
) -> dict[int, list[Standing[RosterPerson, SignatureRow]]]:
    """``roster(ctx)`` for each of these schools (sharing a session), given each school's
    versions in force (newest first) and rounds, in a few queries however many schools and
    people: where every active person stands today, by name, or (given ``people``, by school)
    just those people. People and signatures are plain rows (RosterPerson, SignatureRow), not
    objects: the campaign sweep reads a trust's fifty thousand at once, and needs only who is
    in which group and who has signed."""
    if not schools:
        return {}
    session = schools[0].session
    ids = [ctx.school.id for ctx in schools]
    if people is None:
        everyone: dict[int, list[RosterPerson]] = defaultdict(list)
        for person in roster_people(session, ids):
            everyone[person.school_id].append(person)
        people = everyone
    days = [ctx.today for ctx in schools]
    cycles = {c.cycle for school_rounds in rounds.values() for c in school_rounds} | {""}
    signatures = _first_signatures(
        map(
            SignatureRow._make,
            session.execute(
                select(
                    AupAcknowledgement.id,
                    AupAcknowledgement.person_id,
                    AupAcknowledgement.aup_version_id,
                    AupAcknowledgement.cycle,
                    AupAcknowledgement.acknowledged_at,
                )
                .where(AupAcknowledgement.school_id.in_(ids), AupAcknowledgement.cycle.in_(cycles))
                .order_by(AupAcknowledgement.acknowledged_at)
            ),
        )
    )
    exemptions = _exemptions(session, AupExemption.school_id.in_(ids), min(days), max(days))
    return {
        ctx.school.id: standings(
            ctx,
            people.get(ctx.school.id, ()),
            versions[ctx.school.id],
            newest_open_rounds(rounds[ctx.school.id], ctx.today),
            signatures,
            exemptions,
        )
        for ctx in schools
    }


def standings(
    ctx: Context,
    people: Sequence[P],
    versions: Sequence[AupVersion],
    campaigns: Mapping[int, AupCampaign],
    signatures: Mapping[tuple[int, int, str], S],
    exemptions: Mapping[int, Sequence[AupExemption]],
) -> list[Standing[P, S]]:
    """Where each of ``people`` stands today, from what roster() read for them."""
    calendar = SchoolCalendar(ctx.settings)
    today = ctx.today
    found = []
    # Everyone in a group has the same version and round: work each group's out once.
    groups: dict[str, _Group] = {}
    for person in people:
        group = groups.get(person.role_group)
        if group is None:
            group = groups[person.role_group] = _group(versions, campaigns, person)
        version, campaign, version_id, cycle, late_round = group
        signature = None
        if version_id is not None:
            signature = signatures.get((person.id, version_id, cycle))
            # A new version's round is written by the next sweep: a signature of that version
            # made in between (recorded before any round) is a signature in its round.
            if signature is None and late_round:
                signature = signatures.get((person.id, version_id, ""))
        exempted = exemptions.get(person.id)
        exemption = (
            next((e for e in exempted if e.starts_on <= today <= e.ends_on), None)
            if exempted
            else None
        )
        due_on = due_date(calendar, campaign, person)
        found.append(
            Standing(
                person,
                version,
                campaign,
                signature,
                exemption,
                due_on,
                _status(today, version, signature, exemption, due_on),
            )
        )
    return found


# What everyone in a group shares: version, round, the version's id, the round's cycle, and
# whether it is a new version's round.
_Group = tuple[AupVersion | None, AupCampaign | None, int | None, str, bool]


def _group(
    versions: Sequence[AupVersion],
    campaigns: Mapping[int, AupCampaign],
    person: Someone,
) -> _Group:
    version = version_for_group(versions, person.role_group)
    campaign = campaigns.get(version.id) if version is not None else None
    return (
        version,
        campaign,
        version.id if version is not None else None,
        cycle_of(campaign),
        campaign is not None and campaign.kind == "new_version",
    )


def _signatures(
    session: Session, which: ColumnElement[bool]
) -> dict[tuple[int, int, str], AupAcknowledgement]:
    """Each person's first signature of each version in each cycle, of the signatures chosen."""
    return _first_signatures(
        session.scalars(
            select(AupAcknowledgement).where(which).order_by(AupAcknowledgement.acknowledged_at)
        )
    )


def _first_signatures(oldest_first: Iterable[S]) -> dict[tuple[int, int, str], S]:
    """Each person's first of these signatures (given oldest first) of each version in each
    cycle: the one that counts, whatever was signed again later."""
    signatures: dict[tuple[int, int, str], S] = {}
    for signature in oldest_first:
        signatures.setdefault(
            (signature.person_id, signature.aup_version_id, signature.cycle), signature
        )
    return signatures


def _exemptions(
    session: Session, which: ColumnElement[bool], first: date, last: date
) -> dict[int, list[AupExemption]]:
    """The chosen exemptions not ended and covering a day from ``first`` to ``last``, by person."""
    found: dict[int, list[AupExemption]] = defaultdict(list)
    for exemption in session.scalars(
        select(AupExemption).where(
            which,
            AupExemption.starts_on <= last,
            AupExemption.ends_on >= first,
            AupExemption.ended_at.is_(None),
        )
    ):
        found[exemption.person_id].append(exemption)
    return found


def due_date(
    calendar: SchoolCalendar, campaign: AupCampaign | None, person: Someone
) -> date | None:
    """When this person must have signed by: the round's due date (None outside a round), or
    for a new starter the school's number of school days after joining, if that is later."""
    if campaign is None:
        return None
    if not joined_during(calendar, campaign, person):
        return campaign.due_on
    assert person.joined_on is not None
    days = calendar.settings.aup_new_starter_school_days
    return max(campaign.due_on, calendar.add_school_days(person.joined_on, days))


def joined_during(calendar: SchoolCalendar, campaign: AupCampaign, person: Someone) -> bool:
    """True for a new starter: someone who joined the roster after the round opened. A round
    written late (the school began using Safekeep after its opening day) counts from the day it
    was written, so the staff who arrived with the school keep the round's own dates."""
    return person.joined_on is not None and person.joined_on > round_started(calendar, campaign)


def round_started(calendar: SchoolCalendar, campaign: AupCampaign) -> date:
    """The day after which someone joining the roster is a new starter in this round."""
    return max(campaign.opens_on, calendar.today(campaign.created_at))


def first_asked_on(calendar: SchoolCalendar, campaign: AupCampaign, person: Someone) -> date:
    """The day a person is first asked in a round: the round's first day, or a new starter's
    first school day on the roster."""
    if joined_during(calendar, campaign, person):
        assert person.joined_on is not None
        return calendar.school_day_on_or_after(person.joined_on)
    return round_first_day(calendar, campaign)


def round_first_day(calendar: SchoolCalendar, campaign: AupCampaign) -> date:
    """The day everyone but new starters is first asked in a round."""
    return calendar.school_day_on_or_after(campaign.opens_on)


def _status(
    today: date,
    version: AupVersion | None,
    signature: Signed | None,
    exemption: AupExemption | None,
    due_on: date | None,
) -> str:
    if version is None:
        return NOTHING_TO_SIGN
    if signature is not None:
        return SIGNED
    if exemption is not None:
        return EXEMPT
    if due_on is not None and today > due_on:
        return OVERDUE
    return TO_SIGN


def _open_campaigns(ctx: Context, versions: Sequence[AupVersion]) -> dict[int, AupCampaign]:
    """Each version's newest open round."""
    return newest_open_rounds(
        ctx.session.scalars(
            select(AupCampaign).where(AupCampaign.aup_version_id.in_([v.id for v in versions]))
        ).all(),
        ctx.today,
    )


def newest_open_rounds(rounds: Iterable[AupCampaign], today: date) -> dict[int, AupCampaign]:
    """Of these rounds, each version's newest that has opened by ``today``."""
    found: dict[int, AupCampaign] = {}
    for campaign in sorted(rounds, key=lambda c: (c.opens_on, c.id)):
        if campaign.opens_on <= today:
            found[campaign.aup_version_id] = campaign
    return found


def record_signature(
    ctx: Context,
    person: Person,
    version: AupVersion,
    *,
    method: str = "chat",
    interaction_id: str | None = None,
    evidence_ref: str | None = None,
    training_completed_on: date | None = None,
    signed_on: date | None = None,
) -> AupAcknowledgement:
    """Record that ``person`` agreed to exactly ``version`` in the open round (idempotent: a
    second signature in the same round returns the first). ``method`` is "chat" (agreed in
    Safekeep by the person) or "paper"/"email" (recorded by ctx.actor, a lead, with evidence
    and ``signed_on``, the date on the paper or email).
    """
    cycle = cycle_of(open_campaign(ctx, version))
    existing = ctx.session.scalar(
        select(AupAcknowledgement).where(
            AupAcknowledgement.person_id == person.id,
            AupAcknowledgement.aup_version_id == version.id,
            AupAcknowledgement.cycle == cycle,
        )
    )
    if existing is not None:
        return existing
    on_behalf = method != "chat"
    row = AupAcknowledgement(
        school_id=ctx.school.id,
        person_id=person.id,
        aup_version_id=version.id,
        version=version.version,
        text_hash=version.text_hash,
        cycle=cycle,
        acknowledged_at=ctx.now,
        platform=ctx.platform,
        platform_user_id=None if on_behalf else person.identity(ctx.platform),
        interaction_id=interaction_id,
        method=method,
        recorded_by_id=ctx.actor.id if on_behalf and ctx.actor is not None else None,
        evidence_ref=evidence_ref,
        training_completed_on=training_completed_on,
        signed_on=signed_on,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(
        "aup.acknowledged",
        f"aup:{version.id}",
        person=person.id,
        version=version.version,
        text_hash=version.text_hash,
        cycle=cycle,
        method=method,
    )
    return row

"""The console demo school: fictional staff with every role filled, so each flow can be tried.

All names are invented and every address is at example.org (reserved for examples).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.school_config import AupDocument, SchoolConfig, StaffEntry
from handlers.settings import SchoolSettings, Term

MONDAY, FRIDAY = 0, 4

DEMO_AUP = """1. I use school devices, accounts and networks for school purposes and keep my passwords private.
2. I keep personal data about pupils, families and staff secure, and take it off site only as the off-site records policy allows, declaring it in Safekeep.
3. I report a lost device or a suspected data breach at once, at any hour, with /breach.
4. I report any online-safety concern about a child to the DSL straight away.
5. I understand that the school monitors the use of its systems, and that misuse may lead to disciplinary action."""

DEMO_STAFF = (
    StaffEntry("teacher@example.org", "Alex Teacher", "teaching"),
    StaffEntry("ta@example.org", "Sam Assistant", "support"),
    StaffEntry("head@example.org", "Jordan Head", "teaching"),
    StaffEntry("dsl@example.org", "Riley Safeguard", "teaching"),
    StaffEntry("deputy@example.org", "Casey Deputy", "teaching"),
    StaffEntry("dpo@example.org", "Morgan Privacy", "support"),
    StaffEntry("it@example.org", "Taylor Tech", "support"),
    StaffEntry("onlinesafety@example.org", "Jamie Online", "teaching"),
    StaffEntry("senco@example.org", "Robin Needs", "teaching"),
    StaffEntry("sbm@example.org", "Avery Finance", "support"),
    StaffEntry("chair@example.org", "Drew Chair", "governor"),
)

DEMO_ROLES = {
    "headteacher": ["head@example.org"],
    "dsl": ["dsl@example.org"],
    "deputy_dsl": ["deputy@example.org"],
    "dpo": ["dpo@example.org"],
    "it_lead": ["it@example.org"],
    "online_safety_lead": ["onlinesafety@example.org"],
    "senco": ["senco@example.org"],
    "business_manager": ["sbm@example.org"],
    "admin": ["it@example.org", "head@example.org"],
    "approver": ["head@example.org"],
    "chair_of_governors": ["chair@example.org"],
}
# Invented: 020 7946 0xxx numbers are set aside by Ofcom for drama, so nobody is ever rung.
DEMO_SOCIAL_CARE_PHONE = "020 7946 0123"


def _weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _school_day_on_or_after(day: date) -> date:
    return day if day.weekday() < 5 else _weekday_on_or_after(day, MONDAY)


def academic_year_terms(year: int) -> tuple[Term, Term, Term]:
    """Typical English term dates for the academic year starting in September of ``year``.

    Autumn from early September to the last Friday before 21 December, half term in the last
    full week of October; Spring from early January to the last Friday of March, half term in
    the third week of February; Summer from the second Monday after Spring ends to the third
    Friday of July, half term in the week of the late-May bank holiday.
    """
    autumn_half = _weekday_on_or_before(date(year, 10, 27), MONDAY)
    spring_start = _school_day_on_or_after(date(year + 1, 1, 5))
    spring_half = _weekday_on_or_after(date(year + 1, 2, 1), MONDAY) + timedelta(weeks=2)
    spring_end = _weekday_on_or_before(date(year + 1, 3, 31), FRIDAY)
    summer_half = _weekday_on_or_before(date(year + 1, 5, 31), MONDAY)
    return (
        Term(
            f"Autumn {year}",
            _school_day_on_or_after(date(year, 9, 2)),
            _weekday_on_or_before(date(year, 12, 20), FRIDAY),
            autumn_half,
            autumn_half + timedelta(days=4),
        ),
        Term(
            f"Spring {year + 1}",
            spring_start,
            spring_end,
            spring_half,
            spring_half + timedelta(days=4),
        ),
        Term(
            f"Summer {year + 1}",
            spring_end + timedelta(days=17),
            _weekday_on_or_after(date(year + 1, 7, 1), FRIDAY) + timedelta(weeks=2),
            summer_half,
            summer_half + timedelta(days=4),
        ),
    )


def demo_terms(today: date) -> tuple[Term, ...]:
    """The demo calendar around ``today``: the current academic year and the next.

    The academic year runs from September to the summer holiday, so in August ``today`` is in
    the holiday before the first term shown.
    """
    year = today.year if today.month >= 8 else today.year - 1
    return academic_year_terms(year) + academic_year_terms(year + 1)


# The demo calendar as it was on 1 September 2025 (2025/26 and 2026/27): tests use it as a
# fixed, known calendar.
DEMO_TERMS = demo_terms(date(2025, 9, 1))


def school_date(now: datetime) -> date:
    """The demo school's date at ``now`` (from the clock), in its own time zone."""
    return now.astimezone(ZoneInfo(SchoolSettings().timezone)).date()


def demo_config(today: date) -> SchoolConfig:
    """The demo school on ``today`` (the school's date from the clock), its terms around it."""
    return SchoolConfig(
        name="Demo Primary School",
        settings=SchoolSettings(
            terms=demo_terms(today),
            children_social_care_phone=DEMO_SOCIAL_CARE_PHONE,
            safeguarding_system="CPOMS",
            safeguarding_system_url="https://demo.example.org/cpoms",
        ),
        roles=DEMO_ROLES,
        staff=DEMO_STAFF,
        aup=AupDocument(
            version="2025.1",
            title="Staff Acceptable Use Policy",
            text=DEMO_AUP,
            url=None,
            effective=date(2025, 9, 1),
        ),
    )

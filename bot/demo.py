"""The console demo school: fictional staff with every role filled, so each flow can be tried.

All names are invented and every address is at example.org (reserved for examples).
"""

from __future__ import annotations

from datetime import date

from handlers.school_config import AupDocument, SchoolConfig, StaffEntry
from handlers.settings import SchoolSettings, Term

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
}

DEMO_TERMS = (
    Term(
        "Autumn 2025", date(2025, 9, 2), date(2025, 12, 19), date(2025, 10, 27), date(2025, 10, 31)
    ),
    Term("Spring 2026", date(2026, 1, 5), date(2026, 3, 27), date(2026, 2, 16), date(2026, 2, 20)),
    Term("Summer 2026", date(2026, 4, 13), date(2026, 7, 17), date(2026, 5, 25), date(2026, 5, 29)),
    Term(
        "Autumn 2026", date(2026, 9, 2), date(2026, 12, 18), date(2026, 10, 26), date(2026, 10, 30)
    ),
    Term("Spring 2027", date(2027, 1, 5), date(2027, 3, 26), date(2027, 2, 15), date(2027, 2, 19)),
    Term("Summer 2027", date(2027, 4, 12), date(2027, 7, 16), date(2027, 5, 31), date(2027, 6, 4)),
)


def demo_config() -> SchoolConfig:
    return SchoolConfig(
        name="Demo Primary School",
        settings=SchoolSettings(terms=DEMO_TERMS),
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

"""The words staff read in the AUP flow that are not built from the policy itself."""

from __future__ import annotations

AGREEMENT = "I have read, understood and agree to abide by this Acceptable Use Policy."
AGREE_BUTTON = "I agree"


def consent(title: str, version: str) -> str:
    """The statement a person explicitly agrees to, naming the version."""
    return f"I have read, understood and agree to abide by the {title}, version {version}."


NO_VERSION = (
    "Your school hasn't published an Acceptable Use Policy in Safekeep yet. "
    "Your Online Safety lead can add it to school.toml (the [aup] section)."
)
USAGE = "Use `/aup` to read and agree to the policy, or `/aup status` (leads)."

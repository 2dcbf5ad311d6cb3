"""Domain errors: each carries the sentence a person will read; adapters show it as it is."""


class UserError(Exception):
    """The request cannot be done as asked; nothing is written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Refused(UserError):
    """The person lacks the role for this; the refusal itself is audited and kept."""


class NotOnStaffList(UserError):
    """The person is not (yet) on the school's staff list in Safekeep."""


# What a person reads when something unexpected failed: every adapter shows these same words.
SORRY = (
    "Sorry, Safekeep could not do that just now, and nothing was saved. Please try again in a "
    "minute. If you were reporting a lost device or a breach, tell your DSL or DPO in person too."
)


IN_PERSON = "If you were reporting a lost device or a breach, tell your DSL or DPO in person too."


class NotSaved(Exception):
    """An unexpected failure, with what the person is told: what is known to be saved."""

    def __init__(self, message: str) -> None:
        super().__init__("the request failed")
        self.message = message


def apology(saved: bool | None, recorded: str | None = None) -> str:
    """What a person reads when a request failed unexpectedly, saying what is known.

    ``saved``: this request's changes were committed (True), were not (False), or the database
    could not say (None). ``recorded``: what earlier steps of the same dialog stored."""
    if saved is None:
        known = (
            f"{recorded} was recorded; whether the rest was saved is not known yet. "
            if recorded
            else ""
        )
        return (
            "Sorry, Safekeep could not confirm whether that was saved: its database stopped "
            f"answering. {known}Please check in a few minutes (your list, e.g. `/breach list`) "
            f"before sending it again; sending the same form again never records it twice. "
            f"{IN_PERSON}"
        )
    if recorded:
        return (
            f"Sorry, Safekeep could not save that just now. {recorded} was recorded; the rest "
            f"was not saved. Please send this form again in a minute. {IN_PERSON}"
        )
    return SORRY


def is_apology(text: str) -> bool:
    """The reply is one of the apologies above (an adapter keeps the form for another try)."""
    return text.startswith("Sorry, Safekeep could not")


# What a person reads when stored data needs a data key this server does not have.
KEY_MISSING = (
    "Safekeep cannot open some of its stored records just now: they need the data key "
    "'{key_id}', which this server does not have. Nothing was saved. Please tell your IT "
    "technician: keys come from SAFEKEEP_DATA_KEYS or the key file next to the database, and "
    "`python -m bot doctor` checks them. If you were reporting a lost device or a breach, tell "
    "your DSL or DPO in person too."
)

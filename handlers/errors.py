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


# What a person reads when stored data needs a data key this server does not have.
KEY_MISSING = (
    "Safekeep cannot open some of its stored records just now: they need the data key "
    "'{key_id}', which this server does not have. Nothing was saved. Please tell your IT "
    "technician: keys come from SAFEKEEP_DATA_KEYS or the key file next to the database, and "
    "`python -m bot doctor` checks them. If you were reporting a lost device or a breach, tell "
    "your DSL or DPO in person too."
)

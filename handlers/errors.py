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

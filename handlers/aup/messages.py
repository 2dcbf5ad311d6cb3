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
USAGE = (
    "Use `/aup` to read and agree to the policy, `/aup history` for what you have signed, "
    "or `/aup status` and `/aup publish` (leads)."
)


# --- agreeing, or asking a question first -------------------------------------------------

RESPONSE_LABEL = "Your response"
AGREE_CHOICE = "I have read, understood and agree"
QUESTION_CHOICE = "I have a question"
RESPONSE_MISSING = f'Choose "{AGREE_CHOICE}" or "{QUESTION_CHOICE}".'
SEND_BUTTON = "Send"
QUESTION_LABEL = "Your question for the Online Safety lead"
QUESTION_HINT = f'Only if you chose "{QUESTION_CHOICE}".'
QUESTION_WITH_AGREEMENT = (
    f'To send this question, choose "{QUESTION_CHOICE}" (you can agree once it is answered), '
    "or clear it to agree now."
)
TRAINING_LABEL = "When did you complete this year's online-safety training?"
TRAINING_HINT = f'Only if you chose "{AGREE_CHOICE}".'
TRAINING_FUTURE = "The training date can't be in the future: enter the day you completed it."


def training_too_early(year_start: str) -> str:
    return (
        f"That is before this school year (it began {year_start}): "
        "enter the date of this year's training."
    )


def agreed(title: str, version: str, at: str) -> str:
    return f"Thank you. Your agreement to *{title}* (version {version}) was recorded on {at}."


def already_signed(title: str, version: str, at: str, training: str | None) -> str:
    line = f"You agreed to *{title}* (version {version}) on {at}. Nothing more to do."
    if training:
        line += f"\nYou recorded completing this year's online-safety training on {training}."
    return line + "\nYour signatures over the years: `/aup history`."


def question_sent(number: int) -> str:
    return (
        f"Your question #{number} was sent to the Online Safety lead. You'll get a message "
        "when it is answered. You still need to agree to the policy: use `/aup` when you are "
        "ready."
    )


def question_notice(number: int, version: str) -> str:
    """The lead's DM: the question's number and version only, never its words."""
    return f"AUP question #{number} · version {version} · waiting for your answer"


ANSWER_BUTTON = "Answer"
ANSWER_TITLE = "Answer an AUP question"
ANSWER_LABEL = "Your answer"
ANSWER_SUBMIT = "Send answer"


def answer_intro(number: int, title: str, version: str, asked: str, question: str) -> str:
    return f"*Question #{number}* about {title} (version {version}), asked {asked}:\n\n{question}"


def answer_sent(number: int) -> str:
    return f"Your answer to question #{number} was sent. They still need to agree to the policy."


def already_answered(number: int, at: str) -> str:
    return f"Question #{number} was already answered on {at}."


def answered_notice(number: int) -> str:
    """The asker's DM: that their question was answered, never the question or the answer."""
    return f"Your AUP question #{number} was answered: open it"


OPEN_ANSWER_BUTTON = "Open the answer"
READ_AND_AGREE = "Read and agree"
NOT_YOUR_QUESTION = "That question isn't yours, so its answer can't be shown to you."
NO_SUCH_QUESTION = "That question can no longer be found."


def answer_shown(number: int, question: str, answer: str, at: str) -> str:
    return (
        f"*Your question #{number}*\n{question}\n\n"
        f"*The Online Safety lead's answer* ({at})\n{answer}\n\n"
        "When you are ready, read the policy again and agree to it."
    )


# --- history ----------------------------------------------------------------------------

HISTORY_TITLE = "*Your Acceptable Use Policy signatures*"
HISTORY_EMPTY = "You haven't signed an Acceptable Use Policy in Safekeep yet."
METHODS = {"chat": "in Safekeep", "paper": "on paper", "email": "by email"}


def history_line(title: str, version: str, at: str, method: str, cycle: str) -> str:
    line = f"• {title}, version {version} · {at} · {METHODS.get(method, method)}"
    return line + (f" · {cycle} round" if cycle else "")


# --- publishing ---------------------------------------------------------------------------

PUBLISH_TITLE = "Publish an AUP version"
PUBLISH_SUBMIT = "Publish"
PUBLISH_INTRO = (
    "Publish a new wording of the Acceptable Use Policy. Everyone in the groups you choose "
    "is asked to agree to it from its effective date; earlier signatures are kept as evidence."
)
TITLE_LABEL = "Title"
VERSION_LABEL = "Version number"
VERSION_HELP = "e.g. 2026.1. A new wording always needs a new number."
TEXT_LABEL = "The policy's wording"
TEXT_HELP = "Exactly what people agree to (or a summary, with the full text at the link below)."
URL_LABEL = "Link to the full policy (optional)"
EFFECTIVE_LABEL = "Effective from"
GROUPS_LABEL = "Who it applies to"
GROUPS_MISSING = "Choose at least one group this version applies to."


def unknown_group(name: str, known: tuple[str, ...]) -> str:
    return f"'{name}' is not a group; the groups are {', '.join(known)}."


URL_INVALID = "Enter a web address starting with https:// (or leave it empty)."
TEXT_OR_URL = "Give the policy's wording, or a link to it."


def version_used(number: str) -> str:
    return (
        f"Version {number} is already published with different wording or groups: give this "
        "wording a new version number."
    )


def effective_too_early(days: int, earliest: str) -> str:
    return (
        f"The effective date can be at most {days} days in the past (from {earliest}): "
        "people can't have agreed to it before it was published."
    )


def published(title: str, version: str, groups: str, effective: str, told: int) -> str:
    line = f"Published *{title}* version {version} for {groups}, effective {effective}."
    if told:
        return line + f" {told} people were asked to agree to it."
    return line + " People are asked to agree from its effective date."


def already_published(title: str, version: str) -> str:
    return f"*{title}* version {version} is already published with this wording. Nothing changed."


def new_version_notice(version: str, effective: str) -> str:
    """Everyone's DM when a version that applies to them is published: no names, no text."""
    return (
        f"A new Acceptable Use Policy (version {version}, effective {effective}) needs your "
        "agreement"
    )

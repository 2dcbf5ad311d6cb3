"""What Safekeep's logs may carry: never what people typed, never a token.

Our own log lines name ids, kinds and reasons only. Our dependencies are chattier: at DEBUG
slack_sdk logs every request and response body (names, emails, message text), bolt logs a body
that failed its signature check at INFO, SQLAlchemy can echo statements with their values, and
aiohttp's access log carries query strings (an OAuth ``code``). So a filter on every handler
drops their records below WARNING whatever level a host sets, and blanks anything shaped like
a token, or a database driver's detail about the values it refused, in the lines that remain
and in their tracebacks.
"""

from __future__ import annotations

import logging
import re

# Top-level packages whose DEBUG and INFO lines can carry bodies, values or query strings.
DEPENDENCIES = frozenset(
    {
        "aiohttp",
        "alembic",
        "apscheduler",
        "asyncio",
        "microsoft_agents",
        "msal",
        "slack_bolt",
        "slack_sdk",
        "sqlalchemy",
        "urllib3",
    }
)
TOKEN = re.compile(
    r"\b(?:xox[abposre]|xapp)-[A-Za-z0-9-]+"  # Slack bot, user, app and refresh tokens
    r"|\bBearer\s+[A-Za-z0-9._~+/=-]+"  # HTTP bearer credentials
    r"|\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"  # JWTs (Bot Framework, Entra ID)
)
BLANK = "[redacted]"
# What a database driver's own error message can say about the values it refused: PostgreSQL's
# "DETAIL:  Key (email)=(someone@example.org) already exists." (SQLAlchemy's hide_parameters
# hides only the statement's parameters, not the server's words).
DRIVER_DETAIL = re.compile(r"(DETAIL:|Key \()[^\n]*")


class Hygiene(logging.Filter):
    """Drops dependencies' DEBUG/INFO records and blanks tokens in the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and record.name.split(".")[0] in DEPENDENCIES:
            return False
        message = record.getMessage()
        clean = scrub(message)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            # The traceback is formatted here, scrubbed, and kept: formatters use it as it is.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


def scrub(text: str) -> str:
    """``text`` with tokens and database drivers' value details blanked."""
    return DRIVER_DETAIL.sub(lambda m: f"{m.group(1)} {BLANK}", TOKEN.sub(BLANK, text))


def quiet(*loggers: logging.Logger) -> None:
    """Give these dependency loggers WARNING as their own level, as the filter above would.

    slack_sdk and bolt test a logger's own ``level`` (0 when unset, whatever the effective
    level) before building their DEBUG lines, so every Web API call formatted its whole request
    and response (a modal: about a tenth of a slash command's time, issue #15) for the filter to
    drop."""
    for logger in loggers:
        if logger.level < logging.WARNING:
            logger.setLevel(logging.WARNING)


def install(*handlers: logging.Handler) -> None:
    """Put the filter on these handlers (by default every handler of the root logger)."""
    for handler in handlers or tuple(logging.getLogger().handlers):
        if not any(isinstance(f, Hygiene) for f in handler.filters):
            handler.addFilter(Hygiene())

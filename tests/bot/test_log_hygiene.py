"""What Safekeep's log filter lets through: never a token, never a database's value details."""

from __future__ import annotations

import io
import logging

from bot import log_hygiene


def _logged(emit) -> str:
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    log_hygiene.install(handler)
    root, logger, sdk = (
        logging.getLogger(),
        logging.getLogger("bot.test_hygiene"),
        logging.getLogger("slack_sdk.web"),
    )
    levels = [root.level, logger.level, sdk.level]
    root.addHandler(handler)
    for one in (root, logger, sdk):
        one.setLevel(logging.DEBUG)
    try:
        emit(logger)
    finally:
        root.removeHandler(handler)
        for one, level in zip((root, logger, sdk), levels, strict=True):
            one.setLevel(level)
    return captured.getvalue()


def test_a_database_error_logged_with_its_traceback_keeps_no_value():
    def emit(logger: logging.Logger) -> None:
        try:
            raise RuntimeError(
                'duplicate key value violates unique constraint "uq_people_school_id_email"\n'
                "DETAIL:  Key (school_id, email)=(1, alex.pupil@example.org) already exists."
            )
        except RuntimeError:
            logger.exception("a request failed")

    text = _logged(emit)
    assert "a request failed" in text and "RuntimeError" in text and "DETAIL:" in text
    assert "alex.pupil@example.org" not in text


def test_tokens_are_blanked_and_dependencies_debug_lines_dropped():
    def emit(logger: logging.Logger) -> None:
        logger.warning("posting with xoxb-1234-abcd and Bearer eyJhbGciOi.eyJzdWIi.c2ln")
        logging.getLogger("slack_sdk.web").debug("body: {'text': 'Poppy lost a laptop'}")

    text = _logged(emit)
    assert "xoxb-1234" not in text and "eyJhbGciOi" not in text and "[redacted]" in text
    assert "Poppy" not in text

"""Slack installations, bot tokens and OAuth states: slack-sdk's own tables, in our schema.

The columns are exactly those slack-sdk's SQLAlchemy stores read and write, built by their own
table builders, except that every token is an ``EncryptedText`` column: tokens are sealed with
the data keys like any other secret and re-sealed by ``python -m bot keys rotate``.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from storage.crypto import EncryptedText
from storage.models.base import Base

SECRET_COLUMNS = (
    "bot_token",
    "bot_refresh_token",
    "user_token",
    "user_refresh_token",
    "incoming_webhook_url",
)

slack_installations = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, "slack_installations"
)
slack_bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
slack_oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, "slack_oauth_states"
)

for _table in (slack_installations, slack_bots):
    for _name in SECRET_COLUMNS:
        if _name in _table.c:
            _table.c[_name].type = EncryptedText()

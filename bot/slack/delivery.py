"""Slack's ``Sender`` for the outbox dispatcher: a DM per notice, with buttons, posted once.

The client here never retries by itself: the dispatcher records every attempt and decides when
to try again. A 429 means Slack did not post, so it becomes ``RetryLater`` with Slack's
``Retry-After``, as does a connection Slack refused; an error that can never succeed (the app was
uninstalled, the user is gone) becomes ``Undeliverable``, which fails the message and alerts the
school's admins.

Slack has no idempotency key for ``chat.postMessage``, so a timeout, a connection dropped after
the request was sent, or a 5xx may hide a DM that *was* posted. Every DM therefore carries message
metadata naming its outbox row, such an attempt becomes ``MaybeDelivered``, and the next attempt
first reads the DM's history around the doubtful attempts (``conversations.history`` with
``include_all_metadata``, which needs the ``im:history`` scope): if the DM is there it is not
posted again.

Slack may finish a post after our client gave up on it, so that look waits out Slack's processing
window (``PROCESSING_WINDOW``, the dispatcher enforces it) and covers it. History reads are spaced
to Slack's documented limit for ``conversations.history`` (``HistoryLimits``), per workspace, so a
burst of doubtful attempts is checked at the pace Slack allows instead of by collecting 429s.
Posts are spaced to Slack's limit of about one message a second in a conversation, per
(workspace, person): a DM whose slot is a moment away waits for it, a later one is put back.

Every call goes over one pool of kept-alive connections per event loop (``http_session``), not a
new connection per DM.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiohttp import ClientConnectorError, ClientError, ClientSession, ClientTimeout, TCPConnector
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.delivery import (
    Delivery,
    InDoubt,
    MaybeDelivered,
    NotYet,
    Recipient,
    RetryLater,
    Undeliverable,
)
from bot.delivery.pacing import Pacer
from bot.settings import Settings
from bot.slack import render
from handlers.clock import Clock, system_clock
from storage.models import School

log = logging.getLogger(__name__)

# Seconds to wait for each Web API call. Longer holds the outbox lease; shorter makes more
# attempts end in doubt (each then costs one history read).
TIMEOUT = 10.0
# The message metadata type that tags every DM with its outbox row (no personal data).
METADATA_TYPE = "safekeep_outbox"
# How long after our client gave up Slack may still post what it was sent. Slack documents no
# deadline for a Web API request, so this is a bound we choose: a request lives inside Slack only
# as long as its front end lets it (the usual HTTP load-balancer limit is 60 seconds, AWS's
# default), and we allow twice that, which also covers the moment before a new message shows in
# conversations.history. A row in doubt is looked for (and perhaps posted again) only after this:
# an urgent alert whose answer was lost arrives at most about two minutes late, never twice.
# The soak (benchmarks/soak.py) measures it: its fake Slack posts up to one client timeout after
# the client stopped waiting. SLACK_PROCESSING_WINDOW_SECONDS changes it.
PROCESSING_WINDOW = timedelta(minutes=2)
# Slack's ts and our clock may differ a little: the history read looks this much wider.
CLOCK_SKEW = timedelta(minutes=1)
HISTORY_PAGES = 10  # bounds a pathological window
# The most an in-doubt check (waiting for another check of the same DM, for read slots, and the
# reads) may take, so the attempt stays well inside the dispatcher's deadline with room for the
# post; a check that runs out is put back (NotYet), not counted as a failed attempt.
CHECK_BUDGET = 40.0
# A read of a DM's history is kept this long, to answer for other rows in doubt to the same
# person (a lead alerted many times in a busy minute) without reading it again.
KEEP_READS = timedelta(minutes=15)
# The first page of a read waits at most the pacer's own longest wait for its slot (then the row
# is put back); a further page, with the read half done, waits up to this.
NEXT_PAGE_WAIT = 30.0
# Slack allows about one message a second in a conversation (chat.postMessage, "special" rate
# limit, "bursts allowed"): posts keep to that rate after a first burst, so the alerts of twenty
# reports at once all reach the DSL now, while a longer flurry is spread out. A DM waits this
# long at most for its conversation's next slot, else is put back. Should Slack still answer 429,
# nothing was posted: the DM is tried again after its Retry-After, never twice.
POSTS_PER_MINUTE = 60
POST_BURST = 20
POST_WAIT = 2.0
# A workspace's bot token (OAuth installs) is kept this long (monotonic seconds) rather than read
# from the installation store for every DM. A kept token Slack refuses is read again at once.
KEEP_TOKENS = 300.0
# Slack's answers to a token that is no longer good (the app reinstalled or removed).
TOKEN_REFUSED = frozenset({"invalid_auth", "not_authed", "token_revoked", "account_inactive"})
# Someone who has never used Safekeep in Slack is found by email (users.lookupByEmail); who that
# is is kept this long (monotonic seconds), so each later DM to them is one call, not two (a
# lead alerted about every report, say). A kept user Slack refuses is looked up again at once.
KEEP_USERS = 300.0
USER_REFUSED = frozenset({"channel_not_found", "user_not_found", "user_disabled"})
KEEP_USERS_MOST = 10_000  # beyond this many kept, the expired ones are dropped
# Kept-alive connections to the Web API, for every send under way at once (the dispatcher's
# IN_FLIGHT) and a few history reads.
CONNECTIONS = 64


@dataclass(frozen=True)
class HistoryLimits:
    """What Slack allows this app for conversations.history, per workspace."""

    per_minute: float
    page: int  # messages a page


@dataclass(frozen=True)
class HistoryRead:
    """One complete read of a DM's history: every Safekeep DM in it posted since ``oldest``,
    read when it was ``read_at`` (our clock, when the first page was asked for)."""

    oldest: datetime
    read_at: datetime
    tagged: dict[int, str]  # outbox id -> the message's ts

    def answers(self, oldest: datetime, settled: datetime) -> bool:
        """Whether it can stand for a read from ``oldest`` made once ``settled`` had passed."""
        return self.oldest <= oldest and self.read_at >= settled


# Internal (customer-built) apps and Marketplace apps: Tier 3, 50+ calls a minute per workspace;
# Slack recommends pages of at most 200 messages.
TIER_3 = HistoryLimits(per_minute=50, page=200)
# Commercially distributed apps not approved for the Marketplace, installed since 29 May 2025: one
# call a minute and 15 messages a page (docs.slack.dev, Web API rate limits).
NOT_IN_MARKETPLACE = HistoryLimits(per_minute=1, page=15)
# Slack's own words for "it failed, but some of it may have happened" (chat.postMessage docs).
MAYBE_DONE = frozenset({"internal_error", "fatal_error"})

# Slack errors that no retry will cure.
PERMANENT = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "invalid_auth",
        "is_archived",
        "missing_scope",
        "not_authed",
        "not_in_channel",
        "token_revoked",
        "user_not_found",
        "user_not_visible",
        "users_not_found",
        "user_disabled",
    }
)
NOT_INSTALLED = "Safekeep is not installed in this Slack workspace any more"


class SlackSender:
    """Delivers a notice as a DM from Safekeep's bot user."""

    def __init__(
        self,
        api_url: str,
        token: str | None = None,
        installation_store: AsyncInstallationStore | None = None,
        timeout: float = TIMEOUT,
        engine: Engine | None = None,
        processing_window: timedelta = PROCESSING_WINDOW,
        history: HistoryLimits = TIER_3,
        clock: Clock = system_clock,
    ) -> None:
        self.api_url = api_url
        self.token = token
        self.installation_store = installation_store
        self.timeout = timeout
        self.engine = engine  # where a school's Slack team id is read, for its installation
        # Read by the dispatcher: a row in doubt is attempted again only this long after.
        self.processing_window = processing_window
        self.history = history
        # conversations.history reads, spaced per workspace (a school is one workspace).
        self.pacer = Pacer(history.per_minute)
        # Posts, spaced per conversation: (school, Slack user).
        self.posts = Pacer(
            POSTS_PER_MINUTE,
            longest_wait=POST_WAIT,
            reason="pacing posts to a conversation",
            burst=POST_BURST,
        )
        self.clock = clock
        self._http: ClientSession | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None
        self._tokens: dict[str | None, tuple[str, float]] = {}  # team -> (token, when read)
        self.monotonic = time.monotonic
        self._teams: dict[int, str | None] = {}
        self._users: dict[tuple[int, str], tuple[str, float]] = {}  # (school, email) -> user
        self._looking: dict[tuple[int, str], asyncio.Future[str]] = {}  # lookups under way
        self._channels: dict[tuple[int, str], str] = {}  # (school, user) -> DM channel id
        self._reads: dict[str, HistoryRead] = {}  # DM channel -> its latest complete read
        self._reading: dict[str, asyncio.Lock] = {}  # one read of a channel at a time

    def http_session(self) -> ClientSession:
        """The kept-alive connections every Web API call of this sender shares: one pool per
        event loop, each call given ``timeout`` seconds (slack-sdk takes a shared session's
        timeout, not its own)."""
        loop = asyncio.get_running_loop()
        http = self._http
        if (
            http is None
            or http.closed
            or self._http_loop is not loop
            or http.timeout.total != self.timeout
        ):
            if http is not None and not http.closed and self._http_loop is loop:
                loop.create_task(http.close())  # the timeout changed: in-flight calls finish
            http = ClientSession(
                connector=TCPConnector(limit=CONNECTIONS), timeout=ClientTimeout(total=self.timeout)
            )
            self._http, self._http_loop = http, loop
        return http

    async def close(self) -> None:
        """Close the kept-alive connections (at shutdown)."""
        if self._http is not None and not self._http.closed:
            await self._http.close()

    async def send(self, delivery: Delivery) -> str | None:
        token, team = await self._token_for(delivery.recipient)
        try:
            return await self._send(delivery, token)
        except Undeliverable as exc:
            refused = exc.__cause__
            if (
                team in self._tokens
                and isinstance(refused, SlackApiError)
                and _error(refused) in TOKEN_REFUSED
            ):
                # A kept token may be an old one (the app was reinstalled): Slack refused it
                # before doing anything, so read the installation again on the next attempt.
                del self._tokens[team]
                raise RetryLater("Slack refused a kept token; reading it again") from exc
            raise

    async def _send(self, delivery: Delivery, token: str) -> str | None:
        recipient = delivery.recipient
        client = AsyncWebClient(
            token=token, base_url=self.api_url, session=self.http_session(), retry_handlers=[]
        )
        kept = (recipient.school_id, recipient.email.lower())
        try:  # reading only: whatever fails here, nothing was posted
            user = recipient.external_id or await self._user_by_email(client, recipient, kept)
            if delivery.in_doubt is not None:
                budget = asyncio.timeout(CHECK_BUDGET)
                try:
                    async with budget:
                        earlier = await self._already_posted(
                            client, recipient, user, delivery.outbox_id, delivery.in_doubt
                        )
                except TimeoutError:
                    if not budget.expired():
                        raise  # Slack's own slowness: handled below
                    # Waiting for another check of the same DM, or for read slots: nothing was
                    # posted and nothing failed; try again once a slot is likely.
                    raise NotYet("the history check ran out of time", self.pacer.interval) from None
                if earlier is not None:
                    log.info("outbox #%s was posted by an earlier attempt", delivery.outbox_id)
                    return earlier
        except SlackApiError as exc:
            raise _classify(exc, posting=False) from exc
        except (ClientError, TimeoutError) as exc:
            raise RetryLater(f"Slack did not answer: {type(exc).__name__}") from exc
        # NotYet (nothing posted) if the conversation's next slot is more than a moment away.
        await self.posts.wait(f"{recipient.school_id}:{user}")
        if delivery.files:
            return await self._upload(client, user, delivery)
        metadata = {"event_type": METADATA_TYPE, "event_payload": {"outbox_id": delivery.outbox_id}}
        try:
            sent = await client.chat_postMessage(
                channel=user, metadata=metadata, **render.notice_message(delivery.notice)
            )
        except SlackApiError as exc:
            # The user kept for this email may be gone (an account replaced): Slack posted
            # nothing, so look them up again on the next attempt.
            if (
                not recipient.external_id
                and _error(exc) in USER_REFUSED
                and self._users.pop(kept, None) is not None
            ):
                raise RetryLater("Slack refused a kept user; looking them up again") from exc
            raise _classify(exc, posting=True) from exc
        except ClientConnectorError as exc:  # never reached Slack: nothing was posted
            raise RetryLater("could not connect to Slack") from exc
        except (ClientError, TimeoutError) as exc:  # sent, but no answer came back
            raise MaybeDelivered(f"no answer from Slack: {type(exc).__name__}") from exc
        return f"{sent.get('channel')}:{sent.get('ts')}"

    @staticmethod
    async def _upload(client: AsyncWebClient, user: str, delivery: Delivery) -> str:
        """Share the notice's files in the person's DM with its text as the comment, through
        Slack's external upload (files.getUploadURLExternal, the upload, then
        files.completeUploadExternal: slack-sdk's files_upload_v2). An upload cannot carry
        message metadata, so a doubtful attempt is not looked for: it is shared again (logged)."""
        if delivery.in_doubt is not None:
            log.warning(
                "outbox #%s may have been shared already; sharing again", delivery.outbox_id
            )
        try:
            opened = await client.conversations_open(users=user)
            channel = str((opened.get("channel") or {})["id"])
        except SlackApiError as exc:
            raise _classify(exc, posting=False) from exc
        except (ClientError, TimeoutError) as exc:
            raise RetryLater(f"Slack did not answer: {type(exc).__name__}") from exc
        uploads = [
            {"content": f.content, "filename": f.name, "title": f.name} for f in delivery.files
        ]
        try:
            shared = await client.files_upload_v2(
                channel=channel,
                file_uploads=uploads,
                initial_comment=render.notice_message(delivery.notice)["text"],
            )
        except SlackApiError as exc:
            raise _classify(exc, posting=True) from exc
        except ClientConnectorError as exc:
            raise RetryLater("could not connect to Slack") from exc
        except (ClientError, TimeoutError, SlackRequestError) as exc:
            raise MaybeDelivered(f"Slack upload unfinished: {type(exc).__name__}") from exc
        ids = ",".join(str(f.get("id")) for f in shared.get("files") or [])
        return f"{channel}:{ids}"

    async def _already_posted(
        self,
        client: AsyncWebClient,
        recipient: Recipient,
        user: str,
        outbox_id: int,
        in_doubt: InDoubt,
    ) -> str | None:
        """The DM an earlier, doubtful attempt posted, if Slack has it."""
        try:
            channel = await self._dm_channel(client, recipient.school_id, user)
            return await self._find_earlier(
                client, str(recipient.school_id), channel, outbox_id, in_doubt
            )
        except SlackApiError as exc:
            if _error(exc) != "missing_scope":
                raise
        # Installed before Safekeep asked for im:history: it cannot look, and a breach alert
        # that arrives twice is better than one that never does. Reinstalling fixes it.
        log.error(
            "outbox #%s may be posted twice: Slack refused to show the DM's history (missing "
            "im:history; reinstall the app from the manifest)",
            outbox_id,
        )
        return None

    async def _dm_channel(self, client: AsyncWebClient, school_id: int, user: str) -> str:
        """The id of the person's DM with Safekeep (it never changes, so it is kept)."""
        key = (school_id, user)
        if key not in self._channels:
            opened = await client.conversations_open(users=user)
            self._channels[key] = str((opened.get("channel") or {})["id"])
        return self._channels[key]

    async def _find_earlier(
        self,
        client: AsyncWebClient,
        workspace: str,
        channel: str,
        outbox_id: int,
        in_doubt: InDoubt,
    ) -> str | None:
        """The reference of a DM tagged with this outbox id posted since the first doubtful
        attempt. A read made after Slack's processing window had passed holds everything those
        attempts posted, so a recent complete read of the channel answers for every row in
        doubt to the same person; otherwise the channel is read again."""
        oldest = in_doubt.since - CLOCK_SKEW
        settled = in_doubt.until + self.processing_window
        async with self._reading.setdefault(channel, asyncio.Lock()):
            read = self._reads.get(channel)
            if read is None or not read.answers(oldest, settled):
                read = await self._read(client, workspace, channel, outbox_id, oldest)
                if read is None:
                    return None
                self._keep(channel, read)
        found = read.tagged.get(outbox_id)
        return f"{channel}:{found}" if found is not None else None

    async def _read(
        self, client: AsyncWebClient, workspace: str, channel: str, outbox_id: int, oldest: datetime
    ) -> HistoryRead | None:
        """Read the channel's history from ``oldest`` to now, one page per slot of the
        workspace's pace; None if it could not all be read (then the caller posts)."""
        read_at = self.clock()
        tagged: dict[int, str] = {}
        cursor = None
        for number in range(HISTORY_PAGES):
            if number == 0:
                await self.pacer.wait(workspace)  # NotYet: come back when there is a slot
            else:
                try:
                    await self.pacer.wait(workspace, longest_wait=NEXT_PAGE_WAIT)
                except NotYet:
                    # Only at one read a minute (an app outside the Marketplace) with more than a
                    # page of DMs to one person in the window: an alert twice beats one never.
                    log.warning("outbox #%s: no time to read all the history; posting", outbox_id)
                    return None
            page = await client.conversations_history(
                channel=channel,
                oldest=_slack_ts(oldest),
                latest=_slack_ts(read_at + CLOCK_SKEW),
                inclusive=True,
                include_all_metadata=True,
                limit=self.history.page,
                cursor=cursor,
            )
            for message in page.get("messages") or []:
                found = _outbox_id(message)
                if found is not None:
                    tagged[found] = str(message.get("ts"))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not page.get("has_more") or not cursor:
                return HistoryRead(oldest, read_at, tagged)
        # A window this busy is not expected; an urgent alert twice beats one never sent.
        log.warning("outbox #%s: history too long to check all of it; posting", outbox_id)
        return None

    def _keep(self, channel: str, read: HistoryRead) -> None:
        self._reads[channel] = read
        for other, kept in list(self._reads.items()):
            if read.read_at - kept.read_at > KEEP_READS:
                del self._reads[other]
                self._reading.pop(other, None)

    async def _token_for(self, recipient: Recipient) -> tuple[str, str | None]:
        """The bot token for the recipient's workspace, and that workspace's team id when the
        token came from (and is kept from) the installation store."""
        if self.installation_store is None:
            if not self.token:
                raise Undeliverable("SLACK_BOT_TOKEN is not set")
            return self.token, None
        team = await self._team_of(recipient.school_id)
        kept = self._tokens.get(team)
        if kept is not None and self.monotonic() - kept[1] < KEEP_TOKENS:
            return kept[0], team
        bot = await self.installation_store.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None or not bot.bot_token:
            self._tokens.pop(team, None)
            raise Undeliverable(NOT_INSTALLED)
        self._tokens[team] = (bot.bot_token, self.monotonic())
        return bot.bot_token, team

    async def _team_of(self, school_id: int) -> str | None:
        """The Slack team id of a school (a school's workspace never changes, so it is kept).
        A school not yet known reads every school's at once: a trust's first round of DMs
        costs one query, not one per school."""
        if school_id not in self._teams:
            if self.engine is None:
                raise Undeliverable("no database to find the school's Slack workspace in")
            try:
                self._teams.update(await asyncio.to_thread(_team_ids, self.engine))
            except SQLAlchemyError as exc:  # nothing was posted: try again later
                raise RetryLater(f"database: {type(exc).__name__}") from exc
        return self._teams.get(school_id)

    async def _user_by_email(
        self, client: AsyncWebClient, recipient: Recipient, key: tuple[int, str]
    ) -> str:
        """Someone who has never used Safekeep in Slack is found by their school email (and
        kept for ``KEEP_USERS``)."""
        kept = self._users.get(key)
        if kept is not None and self.monotonic() - kept[1] < KEEP_USERS:
            return kept[0]
        # DMs to one person sent at once (the alerts of reports made together) share one lookup.
        looking = self._looking.get(key)
        if looking is None:
            looking = asyncio.ensure_future(self._look_up(client, recipient, key))
            self._looking[key] = looking
            looking.add_done_callback(lambda done: self._looked_up(key, done))
        return await asyncio.shield(looking)

    async def _look_up(
        self, client: AsyncWebClient, recipient: Recipient, key: tuple[int, str]
    ) -> str:
        found = await client.users_lookupByEmail(email=recipient.email)
        user = str((found.get("user") or {})["id"])
        now = self.monotonic()
        if len(self._users) >= KEEP_USERS_MOST:
            self._users = {k: v for k, v in self._users.items() if now - v[1] < KEEP_USERS}
        self._users[key] = (user, now)
        return user

    def _looked_up(self, key: tuple[int, str], done: asyncio.Future[str]) -> None:
        self._looking.pop(key, None)
        if not done.cancelled():
            done.exception()  # each waiter has it; none left waiting must not make it "lost"


def _team_ids(engine: Engine) -> dict[int, str | None]:
    with Session(engine) as session:
        rows = session.execute(select(School.id, School.slack_team_id))
        return {school_id: team for school_id, team in rows}


def _outbox_id(message: dict[str, Any]) -> int | None:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != METADATA_TYPE:
        return None
    found = (metadata.get("event_payload") or {}).get("outbox_id")
    return found if isinstance(found, int) else None


def _slack_ts(moment: datetime) -> str:
    return f"{moment.timestamp():.6f}"


def _status(exc: SlackApiError) -> int:
    # An unreadable body comes with aiohttp's response, which names its status differently.
    response = exc.response
    return int(getattr(response, "status_code", None) or getattr(response, "status", None) or 0)


def _error(exc: SlackApiError) -> str:
    data = getattr(exc.response, "data", None)
    found = data.get("error") if isinstance(data, dict) else None
    return str(found or f"HTTP {_status(exc)}")


def _classify(exc: SlackApiError, *, posting: bool) -> Exception:
    """What a Slack error means for the outbox; ``posting`` if it answered chat.postMessage."""
    response = exc.response
    status, error = _status(exc), _error(exc)
    data = getattr(response, "data", None)
    answered = isinstance(data, dict) and "ok" in data  # Slack's own answer, not a proxy's
    if status == 429:
        after = response.headers.get("Retry-After") or response.headers.get("retry-after")
        return RetryLater("rate limited by Slack", float(after) if after else None)
    if error in PERMANENT:
        return Undeliverable(f"Slack refused the message: {error}")
    if posting and (status >= 500 or error in MAYBE_DONE or not answered):
        return MaybeDelivered(f"Slack error after the DM was sent: {error}")
    return RetryLater(f"Slack error: {error}")


def history_limits(settings: Settings) -> HistoryLimits:
    """What Slack allows this deployment's history reads. A single-workspace install is the
    school's own (internal) app: Tier 3. An app installed by OAuth is distributed, and outside the
    Marketplace gets one read a minute. SLACK_HISTORY_READS_PER_MINUTE overrides either (a
    Marketplace-approved app: 50; several delivering processes: each its share)."""
    oauth = bool(settings.slack_client_id and settings.slack_client_secret)
    rate = settings.slack_history_reads_per_minute
    if rate is None:
        return NOT_IN_MARKETPLACE if oauth else TIER_3
    page = TIER_3.page if rate >= TIER_3.per_minute else NOT_IN_MARKETPLACE.page
    return HistoryLimits(rate, page)


def make_sender(settings: Settings, engine: Engine, clock: Clock = system_clock) -> SlackSender:
    """The Slack sender for this deployment: one bot token, or each workspace's installation
    (read through ``engine``, the process's own, so it shares its connection pool)."""
    window = timedelta(seconds=settings.slack_processing_window_seconds)
    history = history_limits(settings)
    if settings.slack_client_id and settings.slack_client_secret:
        from bot.slack.oauth import installation_store

        store = installation_store(settings, engine)
        return SlackSender(
            settings.slack_api_url,
            installation_store=store,
            engine=engine,
            processing_window=window,
            history=history,
            clock=clock,
        )
    return SlackSender(
        settings.slack_api_url,
        token=settings.slack_bot_token,
        processing_window=window,
        history=history,
        clock=clock,
    )

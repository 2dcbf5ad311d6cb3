"""The staff list from an Entra ID group, through Microsoft Graph: the calls behind
`python -m bot staff sync --from entra`.

An app-only token from msal with the Teams bot's own identity (client id, secret, tenant), then
``groups/{id}/transitiveMembers/microsoft.graph.user``, every page (``@odata.nextLink``). The
app registration needs the application permissions GroupMember.Read.All and User.Read.All, with
admin consent. Who is added, skipped or marked as a leaver is handlers/people.py.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msal
import requests

from bot.settings import Settings
from handlers import people
from handlers.errors import UserError

SCOPE = "https://graph.microsoft.com/.default"
SELECT = "id,displayName,mail,userPrincipalName,accountEnabled"
TIMEOUT = 30  # seconds, for each request to Entra ID or Graph
PERMISSIONS = "GroupMember.Read.All and User.Read.All (application permissions, admin consent)"


def group_members(settings: Settings, http: requests.Session | None = None) -> list[people.Member]:
    """Every user in the staff group (nested groups included), as plain data."""
    http = http or requests.Session()  # trusts REQUESTS_CA_BUNDLE when it is set
    token = app_token(settings, http)
    base = settings.graph_url
    group = quote(settings.graph_staff_group or "", safe="")
    url: str | None = (
        f"{base}/v1.0/groups/{group}/transitiveMembers/microsoft.graph.user"
        f"?$select={SELECT}&$count=true"
    )
    headers = {"Authorization": f"Bearer {token}", "ConsistencyLevel": "eventual"}
    members: list[people.Member] = []
    while url:
        try:
            answer = http.get(url, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise UserError(
                f"cannot reach Microsoft Graph at {base}: {type(exc).__name__}"
            ) from exc
        if answer.status_code != 200:
            raise UserError(_refused(answer, settings.graph_staff_group or ""))
        page: dict[str, Any] = answer.json()
        members.extend(member(user) for user in page.get("value") or [])
        url = page.get("@odata.nextLink")
        if url and not url.startswith(base + "/"):
            # The token must never go anywhere but Graph.
            raise UserError(f"Microsoft Graph sent a next-page link outside {base}; stopped.")
    return members


def app_token(settings: Settings, http: requests.Session) -> str:
    """An app-only Graph token for the bot's identity (client credentials)."""
    try:  # msal reads the authority's OpenID configuration as it is made
        app = msal.ConfidentialClientApplication(
            settings.teams_client_id,
            client_credential=settings.teams_client_secret,
            authority=f"{settings.entra_authority}/{settings.teams_tenant_id}",
            http_client=http,
            # Our authority is named outright; asking Microsoft to confirm it would also make a
            # private (test or sovereign-cloud) authority unusable.
            instance_discovery=False,
        )
        result = app.acquire_token_for_client(scopes=[SCOPE])
    except (requests.RequestException, ValueError) as exc:
        raise UserError(
            f"cannot reach Entra ID at {settings.entra_authority} for a token: {type(exc).__name__}"
        ) from exc
    token = result.get("access_token") if result else None
    if not token:
        error = (result or {}).get("error") or "no token"
        described = str((result or {}).get("error_description") or "").splitlines()
        detail = f" ({described[0]})" if described else ""
        raise UserError(
            f"Entra ID refused Safekeep a Graph token: {error}{detail}. Check "
            "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID, __CLIENTSECRET and __TENANTID."
        )
    return str(token)


def member(user: dict[str, Any]) -> people.Member:
    """A Graph user as plain data: email is the mail address, else the sign-in name (UPN)."""
    email = user.get("mail") or user.get("userPrincipalName")
    return people.Member(
        external_id=str(user.get("id") or ""),
        email=str(email) if email else None,
        name=str(user.get("displayName") or ""),
        deactivated=user.get("accountEnabled") is False,
    )


def _refused(answer: requests.Response, group: str) -> str:
    try:
        code = str((answer.json().get("error") or {}).get("code") or "")
    except ValueError:
        code = ""
    what = f"HTTP {answer.status_code}" + (f" {code}" if code else "")
    if answer.status_code == 404:
        return (
            f"Microsoft Graph found no group {group} ({what}): check SAFEKEEP_GRAPH_STAFF_GROUP "
            "(the group's object id)."
        )
    if answer.status_code in (401, 403):
        return f"Microsoft Graph refused to list the staff group ({what}): the app needs {PERMISSIONS}."
    return f"Microsoft Graph could not list the staff group ({what}); try again later."

"""A local fake of Entra ID's token endpoint and of Microsoft Graph's group members, over HTTPS.

msal refuses plain-http authorities, so both serve TLS on 127.0.0.1 with a self-signed
certificate made here (``local_certificate``); the client trusts it through REQUESTS_CA_BUNDLE.
The token endpoint answers client-credentials requests for one app; Graph answers
``groups/{id}/transitiveMembers/microsoft.graph.user`` a few users a page, with
``@odata.nextLink``, and records every request it was sent.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "fake-client-secret"
GROUP = "99999999-8888-7777-6666-555555555555"
TOKEN = "fake-graph-token"


def local_certificate(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A self-signed certificate for 127.0.0.1 (its PEM file, to trust) and a server context."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "fake-entra.pem", folder / "fake-entra.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return cert_file, context


@dataclass
class FakeEntra:
    """The token endpoint (``authority`` app) and Graph (``graph`` app), with their state."""

    authority_url: str = ""  # set once served: https://127.0.0.1:PORT
    graph_url: str = ""
    users: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 2
    token_requests: list[dict[str, str]] = field(default_factory=list)
    graph_requests: list[dict[str, Any]] = field(default_factory=list)

    def add_user(self, object_id: str, name: str, *, mail: str | None, upn: str, enabled=True):
        self.users.append(
            {
                "id": object_id,
                "displayName": name,
                "mail": mail,
                "userPrincipalName": upn,
                "accountEnabled": enabled,
            }
        )

    def remove_user(self, object_id: str) -> None:
        self.users = [u for u in self.users if u["id"] != object_id]

    # --- Entra ID ---------------------------------------------------------------------------

    def authority(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self.openid)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self.token)
        return app

    async def openid(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        if tenant != TENANT:
            return web.json_response({"error": "invalid_tenant"}, status=400)
        base = f"{self.authority_url}/{tenant}"
        return web.json_response(
            {
                "issuer": f"{base}/v2.0",
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
            }
        )

    async def token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.token_requests.append(form)
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return web.json_response(
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.\r\n"
                    "Trace ID: 0",
                },
                status=401,
            )
        assert form.get("grant_type") == "client_credentials"
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "access_token": TOKEN}
        )

    # --- Graph ------------------------------------------------------------------------------

    def graph(self) -> web.Application:
        app = web.Application()
        app.router.add_get(
            "/v1.0/groups/{group}/transitiveMembers/microsoft.graph.user", self.members
        )
        return app

    async def members(self, request: web.Request) -> web.Response:
        self.graph_requests.append(
            {
                "headers": dict(request.headers),
                "query": dict(request.query),
                "url": str(request.url),
            }
        )
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        if request.match_info["group"] != GROUP:
            return web.json_response({"error": {"code": "Request_ResourceNotFound"}}, status=404)
        if request.headers.get("ConsistencyLevel") != "eventual":
            return web.json_response({"error": {"code": "Request_UnsupportedQuery"}}, status=400)
        start = int(request.query.get("$skiptoken", "0"))
        fields = request.query["$select"].split(",")
        page = [{k: u[k] for k in fields} for u in self.users[start : start + self.page_size]]
        body: dict[str, Any] = {"@odata.count": len(self.users), "value": page}
        end = start + self.page_size
        if end < len(self.users):
            body["@odata.nextLink"] = (
                f"{self.graph_url}{request.path}?$select={request.query['$select']}"
                f"&$count=true&$skiptoken={end}"
            )
        return web.json_response(body)

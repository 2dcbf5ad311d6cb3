"""Download links to the files DMs carry: signed, expiring, and still good after a key rotation."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from bot import file_links
from storage import crypto
from tests.conftest import TEST_KEYS, london

NOW = london(2027, 1, 5, 8, 10)


def _parts(url: str) -> tuple[int, int, str]:
    parsed = urlparse(url)
    query = parse_qs(parsed.query)
    return int(parsed.path.rsplit("/", 1)[1]), int(query["expires"][0]), query["sig"][0]


def test_a_link_works_for_30_days_and_not_after():
    url, until = file_links.link("https://safekeep.example.org/", 7, NOW)
    assert url.startswith("https://safekeep.example.org/files/7?expires=")
    assert until == NOW + timedelta(days=30)
    file_id, expires, sig = _parts(url)
    assert file_links.valid(file_id, expires, sig, NOW + timedelta(days=29))
    assert not file_links.valid(file_id, expires, sig, NOW + timedelta(days=30, seconds=1))


def test_a_changed_file_id_expiry_or_signature_is_refused():
    file_id, expires, sig = _parts(file_links.link("https://x.example.org", 7, NOW)[0])
    assert not file_links.valid(8, expires, sig, NOW)
    assert not file_links.valid(file_id, expires + 86_400, sig, NOW)
    assert not file_links.valid(file_id, expires, sig[:-1] + ("0" if sig[-1] != "0" else "1"), NOW)


def test_links_made_before_a_key_rotation_still_work_while_the_old_key_is_kept():
    file_id, expires, sig = _parts(file_links.link("https://x.example.org", 7, NOW)[0])
    newer = crypto.KeyRing.parse(crypto.new_key_spec("newer") + "," + _spec(TEST_KEYS))
    crypto.use_keys(newer)
    try:
        assert file_links.valid(file_id, expires, sig, NOW)
        crypto.use_keys(crypto.KeyRing.parse(crypto.new_key_spec("only")))
        assert not file_links.valid(file_id, expires, sig, NOW)
    finally:
        crypto.use_keys(TEST_KEYS)


def _spec(ring: crypto.KeyRing) -> str:
    import base64

    return ",".join(f"{k.key_id}:{base64.b64encode(k.secret).decode()}" for k in ring.keys)


def test_the_server_refuses_a_forged_link(teams):
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{teams.app_url}/files/1?expires=99999999999&sig=00", timeout=10)
    assert refused.value.code == 403

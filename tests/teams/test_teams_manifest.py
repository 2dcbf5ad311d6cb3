"""`python -m bot manifest teams`: the app package a Teams administrator uploads."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib

from bot.cli import main
from handlers import routes

APP = "3f9c2a71-8e5d-4c0b-a1f6-2b7d9e4c8a15"


def pixels(data: bytes) -> tuple[int, int, int, list[bytes]]:
    """(width, height, colour type, RGBA pixels) of one of our unfiltered PNGs."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert depth == 8
    (length,) = struct.unpack(">I", data[33:37])  # the one IDAT chunk, right after IHDR
    assert data[37:41] == b"IDAT"
    raw = zlib.decompress(data[41 : 41 + length])
    stride = 1 + width * 4
    found = [
        raw[r * stride + 1 + c * 4 : r * stride + 5 + c * 4]
        for r in range(height)
        for c in range(width)
    ]
    return width, height, colour, found


def test_the_package_holds_the_manifest_and_icons_at_the_right_sizes(tmp_path, capsys):
    out = tmp_path / "safekeep-teams.zip"
    assert main(["manifest", "teams", "--url", "https://safekeep.example.org/", "--app-id", APP,
                 "--out", str(out)]) == 0  # fmt: skip
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        colour = pixels(package.read("color.png"))
        outline = pixels(package.read("outline.png"))
    assert manifest["manifestVersion"] == "1.22"
    assert manifest["$schema"].endswith("/v1.22/MicrosoftTeams.schema.json")
    assert manifest["id"] == APP and manifest["validDomains"] == ["safekeep.example.org"]
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    (bot,) = manifest["bots"]
    assert bot["botId"] == APP and bot["scopes"] == ["personal"]
    (commands,) = bot["commandLists"]
    assert [c["title"] for c in commands["commands"]] == sorted(routes.COMMANDS)
    assert all(c["description"] == routes.COMMANDS[c["title"]].description
               for c in commands["commands"])  # fmt: skip
    assert colour[:3] == (192, 192, 6) and outline[:3] == (32, 32, 6)
    # The outline icon is white on transparent only, and draws something.
    assert set(outline[3]) <= {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}
    assert b"\xff\xff\xff\xff" in outline[3]
    assert "Wrote the Teams app package" in capsys.readouterr().out


def test_the_package_needs_an_https_url_and_the_bots_app_id(tmp_path, capsys):
    out = str(tmp_path / "p.zip")
    assert main(["manifest", "teams", "--url", "http://example.org", "--app-id", APP,
                 "--out", out]) == 2  # fmt: skip
    assert "https://" in capsys.readouterr().err
    assert main(["manifest", "teams", "--url", "https://example.org", "--app-id", "bot",
                 "--out", out]) == 2  # fmt: skip
    assert "GUID" in capsys.readouterr().err
    assert main(["manifest", "teams", "--url", "https://example.org"]) == 2
    assert not (tmp_path / "p.zip").exists()

"""The Teams app package's two icons, drawn as PNGs with zlib (no image library needed):
a 192x192 colour icon (a white shield on Safekeep's colour) and a 32x32 outline icon (the same
shield in white on transparent, as Teams requires)."""

from __future__ import annotations

import struct
import zlib

COLOUR = (0x1D, 0x4F, 0x4A)
WHITE = (255, 255, 255)
COLOUR_SIZE, OUTLINE_SIZE = 192, 32


def png(width: int, height: int, pixels: list[list[tuple[int, int, int, int]]]) -> bytes:
    """An 8-bit RGBA PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"".join(bytes(p) for p in row) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def in_shield(x: float, y: float) -> bool:
    """A shield in the unit square: straight sides, then a point at the bottom."""
    if not 0.22 <= x <= 0.78 or not 0.16 <= y <= 0.86:
        return False
    if y <= 0.55:
        return True
    half = 0.28 * (0.86 - y) / 0.31  # the sides narrow to the point
    return abs(x - 0.5) <= half


def draw(size: int, background: tuple[int, int, int, int], outline: bool) -> bytes:
    rows = []
    for j in range(size):
        row = []
        for i in range(size):
            x, y = (i + 0.5) / size, (j + 0.5) / size
            inside = in_shield(x, y)
            if outline:
                step = 2.5 / size
                around = ((x + step, y), (x - step, y), (x, y + step), (x, y - step))
                edge = inside and not all(in_shield(a, b) for a, b in around)
                row.append((*WHITE, 255) if edge else background)
            else:
                row.append((*WHITE, 255) if inside else background)
        rows.append(row)
    return png(size, size, rows)


def colour_icon() -> bytes:
    return draw(COLOUR_SIZE, (*COLOUR, 255), outline=False)


def outline_icon() -> bytes:
    return draw(OUTLINE_SIZE, (0, 0, 0, 0), outline=True)

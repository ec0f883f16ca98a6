"""Draw the volunteer app's icons (PWA): PNG 192/512, a maskable 512 and an SVG.

Pure Python (zlib + struct), so no imaging library is needed; the files are committed under
buddynet/web/static/web/icons/. Run again only when the design changes:
    .venv/bin/python scripts/make_volunteer_icons.py
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "buddynet" / "web" / "static" / "web" / "icons"
GREEN, WHITE, YELLOW = (11, 93, 75), (255, 255, 255), (255, 191, 71)
# Two people side by side (head circle + shoulders), in a unit square; (cx, cy, r, colour).
SHAPES = [
    ("circle", 0.37, 0.40, 0.10, WHITE), ("shoulders", 0.37, 0.72, 0.19, WHITE),
    ("circle", 0.63, 0.40, 0.10, YELLOW), ("shoulders", 0.63, 0.72, 0.19, YELLOW),
]


def _colour(x: float, y: float, scale: float, rounded: bool) -> tuple[int, int, int, int]:
    # Outside the rounded corner: transparent (the maskable icon is full bleed).
    if rounded:
        r = 0.18
        cx = min(max(x, r), 1 - r)
        cy = min(max(y, r), 1 - r)
        if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
            return (0, 0, 0, 0)
    colour = GREEN
    for kind, sx, sy, sr, c in SHAPES:
        px, py = 0.5 + (sx - 0.5) * scale, 0.5 + (sy - 0.5) * scale
        pr = sr * scale
        inside = (x - px) ** 2 + (y - py) ** 2 <= pr * pr
        if inside and (kind == "circle" or y <= py):
            colour = c
    return (*colour, 255)


def png(size: int, *, scale: float = 1.0, rounded: bool = True, samples: int = 3) -> bytes:
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc = [0, 0, 0, 0]
            for sj in range(samples):
                for si in range(samples):
                    c = _colour((i + (si + 0.5) / samples) / size, (j + (sj + 0.5) / samples) / size, scale, rounded)
                    for k in range(4):
                        acc[k] += c[k]
            n = samples * samples
            row += bytes(v // n for v in acc)
        rows.append(bytes(row))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(
        b"IEND", b"")


def svg() -> str:
    def rgb(c: tuple[int, int, int]) -> str:
        return "#{:02x}{:02x}{:02x}".format(*c)

    parts = [f'<rect width="100" height="100" rx="18" fill="{rgb(GREEN)}"/>']
    for kind, x, y, r, c in SHAPES:
        if kind == "circle":
            parts.append(f'<circle cx="{x * 100:g}" cy="{y * 100:g}" r="{r * 100:g}" fill="{rgb(c)}"/>')
        else:
            parts.append(f'<path d="M{(x - r) * 100:g} {y * 100:g} A{r * 100:g} {r * 100:g} 0 0 1 '
                         f'{(x + r) * 100:g} {y * 100:g} Z" fill="{rgb(c)}"/>')
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100" role="img" aria-label="buddynet">'
            + "".join(parts) + "</svg>\n")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "volunteer-192.png").write_bytes(png(192))
    (OUT / "volunteer-512.png").write_bytes(png(512, samples=2))
    # Maskable: full bleed, the figures inside the 80 % safe zone.
    (OUT / "volunteer-maskable-512.png").write_bytes(png(512, scale=0.75, rounded=False, samples=2))
    (OUT / "volunteer.svg").write_text(svg())


if __name__ == "__main__":
    main()

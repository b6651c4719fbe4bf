#!/usr/bin/env python3
"""Draws the app icons (app/static/icons/*.png) with the standard library only.

The mark is the character 回 ("return", as in 回客, returning customers) drawn as geometry:
a square within a square, white on the brand teal. Run from the repo root:
    python3 scripts/make_icons.py
"""
import struct
import zlib

TEAL = (15, 118, 110)
WHITE = (255, 255, 255)


def png(path, size, rows):
    raw = b"".join(b"\x00" + bytes(v for px in row for v in px) for row in rows)
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def icon(size, maskable):
    # Maskable icons must keep the mark inside the central 80% safe zone and fill the square.
    scale = 0.56 if maskable else 0.66
    radius = 0 if maskable else size * 0.22
    outer = size * scale
    stroke = outer * 0.1
    inner = outer * 0.48
    c = size / 2
    rows = []
    for y in range(size):
        row = []
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            # Rounded-square background (transparent outside for the normal icon).
            dx = max(abs(px - c) - (c - radius), 0)
            dy = max(abs(py - c) - (c - radius), 0)
            if radius and dx * dx + dy * dy > radius * radius:
                row.append((0, 0, 0, 0))
                continue
            ax, ay = abs(px - c), abs(py - c)
            m = max(ax, ay)
            in_outer = outer / 2 - stroke <= m <= outer / 2
            in_inner = inner / 2 - stroke <= m <= inner / 2
            row.append((*WHITE, 255) if in_outer or in_inner else (*TEAL, 255))
        rows.append(row)
    return rows


if __name__ == "__main__":
    for size in (192, 512):
        png(f"app/static/icons/icon-{size}.png", size, icon(size, False))
    png("app/static/icons/maskable-512.png", 512, icon(512, True))

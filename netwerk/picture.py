"""The ecogram: a network map drawn as SVG. Pure: plain data in, an SVG string out, no Django.

Ego sits in the centre, three rings of closeness around it (1 = inner), four sectors by
category group, lines for who knows whom, colour by valence (with a second cue — line style —
so colour is never the only signal), and a star on ties made via the buddy. Two snapshots can
be drawn side by side. Every text comes from the caller, already translated; every alter gets
its own <g class="alter"> with a <title>, so a screen reader (and a test) finds one node per
alter.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

# Sector of each category; sectors are quarters of the circle, clockwise from the top.
GROUPS: tuple[str, ...] = ("family", "friends", "work", "professional")
GROUP_OF: dict[str, str] = {
    "family": "family", "partner": "family",
    "friend": "friends", "neighbour": "friends", "buddy": "friends",
    "colleague": "work",
    "professional": "professional", "organisation": "professional",
}
VALENCE_COLOUR = {"supportive": "#1b7a3a", "mixed": "#a15c00", "strained": "#b3261e"}
VALENCE_FILL = {"supportive": "#dcefe2", "mixed": "#f6e6cf", "strained": "#f7d9d7"}
VALENCE_DASH = {"supportive": "", "mixed": "5 3", "strained": "2 2"}
RING_RADIUS = {1: 62.0, 2: 112.0, 3: 162.0}  # where alters of a ring sit
RING_EDGE = (87.0, 137.0, 187.0)  # the drawn circles, between the rings
PANEL_W, PANEL_H = 420.0, 470.0
CX, CY = 210.0, 225.0
NODE_R = 11.0
LABEL_SIZE = 11.0
# A generous average glyph width (em) of the sans-serif fonts a browser or WeasyPrint picks, so a
# label placed by its estimated width does not run off the panel with a wider font.
CHAR_WIDTH = 0.62
MARGIN = 4.0


@dataclass(frozen=True)
class Node:
    key: str
    label: str
    category: str
    ring: int
    valence: str = "supportive"
    via_buddy: bool = False
    description: str = ""  # spoken in the node's <title>, e.g. "Friend · ring 2 · supportive"


@dataclass(frozen=True)
class Panel:
    nodes: Sequence[Node]
    ties: Iterable[tuple[str, str]]
    heading: str = ""


def _short(label: str, limit: int = 14) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def label_place(x: float, y: float, label: str) -> tuple[float, float, str]:
    """(x, y, text-anchor) of a node's label: beside the node, on the side away from the centre;
    below the node, centred and kept inside the panel, when beside it would run off the panel's
    edge (a long name on the outer ring of a left or right sector: "Voedselbank" lost its "V")."""
    width = len(label) * LABEL_SIZE * CHAR_WIDTH
    if x >= CX and x + NODE_R + 3 + width <= PANEL_W - MARGIN:
        return x + NODE_R + 3, y + 4, "start"
    if x < CX and x - NODE_R - 3 - width >= MARGIN:
        return x - NODE_R - 3, y + 4, "end"
    centre = min(max(x, MARGIN + width / 2), PANEL_W - MARGIN - width / 2)
    return centre, y + NODE_R + LABEL_SIZE + 2, "middle"


def layout(nodes: Sequence[Node]) -> dict[str, tuple[float, float]]:
    """Position of each alter: its sector by category group, its ring by closeness, spread
    evenly within the sector (stable order: as given)."""
    slots: dict[tuple[str, int], list[Node]] = defaultdict(list)
    for node in nodes:
        ring = node.ring if node.ring in RING_RADIUS else 3
        slots[(GROUP_OF.get(node.category, "friends"), ring)].append(node)
    positions: dict[str, tuple[float, float]] = {}
    for (group, ring), members in slots.items():
        sector = GROUPS.index(group)
        start = -math.pi / 2 + sector * math.pi / 2
        count = len(members)
        for i, node in enumerate(members):
            # Stagger the radius a little when a sector's ring is crowded, so labels do not collide.
            radius = RING_RADIUS[ring] + (((i % 2) * 2 - 1) * 9.0 if count > 4 else 0.0)
            angle = start + (i + 0.5) * (math.pi / 2) / count
            positions[node.key] = (CX + radius * math.cos(angle), CY + radius * math.sin(angle))
    return positions


def _panel(panel: Panel, texts: Mapping[str, str], dx: float) -> list[str]:
    out = [f'<g class="panel" transform="translate({dx:.0f},0)">']
    if panel.heading:
        out.append(f'<text x="{CX:.0f}" y="22" class="heading" text-anchor="middle" font-size="17" '
                   f'font-weight="bold" fill="#1d1d1f">{escape(panel.heading)}</text>')
    # Sector lines and labels.
    for i, group in enumerate(GROUPS):
        angle = -math.pi / 2 + i * math.pi / 2
        x2, y2 = CX + RING_EDGE[-1] * math.cos(angle), CY + RING_EDGE[-1] * math.sin(angle)
        out.append(f'<line x1="{CX:.1f}" y1="{CY:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#c8c8cc" '
                   'stroke-width="1"/>')
        # Sector names sit in the panel's corners, outside the circle, so they never cover a node.
        right = i in (0, 1)
        lx = PANEL_W - 8 if right else 8
        ly = 50 if i in (0, 3) else CY + RING_EDGE[-1] + 4
        anchor = "end" if right else "start"
        out.append(f'<text x="{lx:.1f}" y="{ly:.1f}" class="sector" text-anchor="{anchor}" font-size="12" '
                   f'font-weight="bold" fill="#4a4a4f">{escape(texts.get("group_" + group, group))}</text>')
    for radius in RING_EDGE:
        out.append(f'<circle cx="{CX:.1f}" cy="{CY:.1f}" r="{radius:.0f}" fill="none" stroke="#c8c8cc" '
                   'stroke-width="1"/>')
    positions = layout(panel.nodes)
    for a, b in panel.ties:
        if a in positions and b in positions:
            (x1, y1), (x2, y2) = positions[a], positions[b]
            out.append(f'<line class="tie" x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
                       'stroke="#6e6e73" stroke-width="1.5"/>')
    out.append(f'<g class="ego"><circle cx="{CX:.1f}" cy="{CY:.1f}" r="16" fill="#1d1d1f"/>'
               f'<text x="{CX:.1f}" y="{CY + 4:.1f}" text-anchor="middle" font-size="11" fill="#fff">'
               f'{escape(texts.get("ego", "ego"))}</text></g>')
    for node in panel.nodes:
        x, y = positions[node.key]
        colour = VALENCE_COLOUR.get(node.valence, "#6e6e73")
        dash = VALENCE_DASH.get(node.valence, "")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        spoken = node.label + (f" · {node.description}" if node.description else "")
        out.append(f'<g class="alter" data-key={quoteattr(node.key)}><title>{escape(spoken)}</title>')
        fill = VALENCE_FILL.get(node.valence, "#eeeeee")
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{NODE_R:.0f}" fill="{fill}" '
                   f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>')
        if node.via_buddy:
            out.append(f'<text class="via-buddy" x="{x:.1f}" y="{y + 4.5:.1f}" text-anchor="middle" '
                       f'font-size="13" fill="{colour}">★</text>')
        label = _short(node.label)
        tx, ty, anchor = label_place(x, y, label)
        out.append(f'<text x="{tx:.1f}" y="{ty:.1f}" text-anchor="{anchor}" font-size="{LABEL_SIZE:.0f}" '
                   f'fill="#1d1d1f">{escape(label)}</text></g>')
    out.append(_legend(texts))
    out.append("</g>")
    return out


def _legend(texts: Mapping[str, str]) -> str:
    y = PANEL_H - 26
    parts = ['<g class="legend" font-size="11" fill="#1d1d1f">']
    x = 14.0
    for valence in ("supportive", "mixed", "strained"):
        colour, dash = VALENCE_COLOUR[valence], VALENCE_DASH[valence]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(f'<circle cx="{x + 6:.0f}" cy="{y:.0f}" r="6" fill="{VALENCE_FILL[valence]}" '
                     f'stroke="{colour}" stroke-width="2"{dash_attr}/>')
        label = texts.get("valence_" + valence, valence)
        parts.append(f'<text x="{x + 16:.0f}" y="{y + 4:.0f}">{escape(label)}</text>')
        x += 30 + 7.0 * len(label)
    parts.append(f'<text x="{x:.0f}" y="{y + 4:.0f}">★ {escape(texts.get("via_buddy", "via the buddy"))}</text>')
    parts.append(f'<text x="14" y="{y + 20:.0f}">{escape(texts.get("rings", "rings: 1 = closest"))}</text>')
    parts.append("</g>")
    return "".join(parts)


def ecogram(panels: Sequence[Panel], *, title: str, desc: str, texts: Mapping[str, str] | None = None) -> str:
    """One SVG with one panel per snapshot, side by side (one or two in practice).

    `texts` gives the translated words: "ego", "group_family", "group_friends", "group_work",
    "group_professional", "valence_supportive", "valence_mixed", "valence_strained",
    "via_buddy", "rings".
    """
    texts = texts or {}
    width = PANEL_W * max(1, len(panels))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {PANEL_H:.0f}" '
        f'role="img" aria-labelledby="ecogram-title ecogram-desc" font-family="system-ui, sans-serif">',
        f'<title id="ecogram-title">{escape(title)}</title>',
        f'<desc id="ecogram-desc">{escape(desc)}</desc>',
        f'<rect width="{width:.0f}" height="{PANEL_H:.0f}" fill="#ffffff"/>',
    ]
    for i, panel in enumerate(panels):
        out.extend(_panel(panel, texts, i * PANEL_W))
    out.append("</svg>")
    return "\n".join(out)

"""Light formatting of the narrative a coordinator writes: paragraphs, bullet lists and bold.

The text is escaped first, then three plain-text conventions become HTML, so nothing the writer
types can reach the page or the PDF as markup (no raw HTML, no links, no images):
- a blank line separates paragraphs; a single line break stays a line break;
- lines that start with "- ", "* " or "• " form a bullet list;
- **bold** becomes <strong>bold</strong>.
A full Markdown library would accept far more (links, images, raw HTML) than a report needs and
would then need a sanitiser behind it; this subset needs neither.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

BULLET = re.compile(r"^\s*[-*•]\s+")
BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")


def _inline(text: str) -> str:
    return BOLD.sub(r"<strong>\1</strong>", escape(text))


def to_html(text: str) -> SafeString:
    """The safe HTML of a narrative section (empty string for empty text)."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").replace("\r", "\n").strip())
    out: list[str] = []
    for block in blocks:
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        i = 0
        while i < len(lines):
            if BULLET.match(lines[i]):
                items = []
                while i < len(lines) and BULLET.match(lines[i]):
                    items.append(f"<li>{_inline(BULLET.sub('', lines[i]))}</li>")
                    i += 1
                out.append(f"<ul>{''.join(items)}</ul>")
            else:
                para = []
                while i < len(lines) and not BULLET.match(lines[i]):
                    para.append(_inline(lines[i].strip()))
                    i += 1
                out.append(f"<p>{'<br>'.join(para)}</p>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text went through escape() above

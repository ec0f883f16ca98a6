"""Our templates hold no script that the Content-Security-Policy would block.

The policy (settings.CONTENT_SECURITY_POLICY) allows scripts from our own origin and inline
scripts that carry the request's nonce, nothing else. This test reads every template of the
project, so a page that would silently lose its script in the browser fails here, by name:
- <script> without src= needs nonce="{{ request.csp_nonce }}" (or type="application/json",
  e.g. from |json_script, which is data and never runs);
- no inline event handlers (onclick=...) and no javascript: URLs: use addEventListener in a
  static .js file or in a nonced script.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_ROOTS = ["buddynet", "matching", "netwerk", "notifications"]

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)
DATA_TYPES = ("application/json", "application/ld+json", "importmap")


def _templates() -> list[Path]:
    found = []
    for top in TEMPLATE_ROOTS:
        found += [p for p in (ROOT / top).rglob("templates/**/*.html") if ".venv" not in p.parts]
    return sorted(found)


def blocked_scripts(text: str) -> list[str]:
    problems = []
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        if re.search(r"\bsrc\s*=", attrs) or re.search(r"\bnonce\s*=", attrs):
            continue
        kind = re.search(r"""\btype\s*=\s*["']?([^"'\s>]+)""", attrs)
        if kind and kind.group(1).lower() in DATA_TYPES:
            continue
        problems.append(f"inline <script{attrs}> without nonce")
    problems += [f"inline event handler: {m.group(0)[:60]}" for m in EVENT_HANDLER.finditer(text)]
    problems += [f"javascript: URL: {m.group(0)}" for m in JS_URL.finditer(text)]
    return problems


def test_the_scan_sees_templates():
    assert any(p.name == "base.html" for p in _templates())


def test_no_template_holds_a_script_the_policy_blocks():
    problems = {
        str(path.relative_to(ROOT)): found
        for path in _templates()
        if (found := blocked_scripts(path.read_text(encoding="utf-8")))
    }
    assert problems == {}, "see this test's docstring for what the CSP allows"


def test_the_scan_recognises_what_would_be_blocked_and_what_would_not():
    assert blocked_scripts("<script>alert(1)</script>")
    assert blocked_scripts('<button onclick="go()">x</button>')
    assert blocked_scripts('<a href="javascript:go()">x</a>')
    assert not blocked_scripts('<script nonce="{{ request.csp_nonce }}">go()</script>')
    assert not blocked_scripts('<script src="{% static \'web/app.js\' %}" defer></script>')
    assert not blocked_scripts('<script id="data" type="application/json">{"a": 1}</script>')
    assert not blocked_scripts('<form action="/x" method="post"><input name="once"></form>')

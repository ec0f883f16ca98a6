"""Fail when the venv lacks a dependency that pyproject.toml names (the dev extra included).

`make install` installs requirements.lock, then buddynet without resolving anything; a dependency
added to pyproject.toml after the last `make lock` would be missing silently. This says so.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, requires, version

from packaging.requirements import Requirement


def problems(lines: list[str] | None = None) -> list[str]:
    """What is missing or of another version than pyproject.toml asks (as installed buddynet says)."""
    found: list[str] = []
    for line in requires("buddynet") or [] if lines is None else lines:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": "dev"}):
            continue
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            found.append(f"{requirement} is not installed")
            continue
        if not requirement.specifier.contains(installed, prereleases=True):
            found.append(f"{requirement} is required, {installed} is installed")
    return found


if __name__ == "__main__":
    wrong = problems()
    for line in wrong:
        print(f"error: {line}", file=sys.stderr)
    if wrong:
        print("error: requirements.lock is out of date with pyproject.toml: run `make lock`", file=sys.stderr)
    sys.exit(1 if wrong else 0)

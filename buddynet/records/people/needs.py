"""The change in a participant's needs between two measurements (plain data, no Django).

Needs are levels per life domain, 0 (none) to 3 (high); a domain left out is 0. The change of a
domain is later − earlier: negative means fewer needs (the trajectory helped there). The total
is the sum over the ten domains (0 to 30), so its change says how much need was met overall.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class NeedsChange:
    domains: dict[str, tuple[int, int, int]]  # domain → (earlier, later, later − earlier)
    total_before: int
    total_after: int

    @property
    def total_change(self) -> int:
        return self.total_after - self.total_before

    @property
    def domains_less(self) -> int:
        return sum(1 for _a, _b, d in self.domains.values() if d < 0)

    @property
    def domains_more(self) -> int:
        return sum(1 for _a, _b, d in self.domains.values() if d > 0)


def total(needs: Mapping[str, int]) -> int:
    return sum(int(level) for level in needs.values())


def needs_change(before: Mapping[str, int], after: Mapping[str, int], domains: Iterable[str]) -> NeedsChange:
    rows = {d: (int(before.get(d, 0)), int(after.get(d, 0))) for d in domains}
    return NeedsChange(domains={d: (a, b, b - a) for d, (a, b) in rows.items()},
                       total_before=sum(a for a, _b in rows.values()), total_after=sum(b for _a, b in rows.values()))

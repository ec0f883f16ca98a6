"""Measures of one personal network map, and of the change between two: the pure core.

No Django here: a map is a networkx graph with an ego node (``EGO``) tied to every alter, plus
the ties among alters. Each alter node carries plain attributes: ``category``, ``life_domains``,
``support_types``, ``ring``, ``valence``, ``reciprocity``, ``via_buddy``. Node ids are the
alters' stable keys, so two snapshots of the same person can be compared key by key.

Burt's effective size and constraint are computed here from the adjacency directly (one pass
over the alters' neighbourhoods) instead of through ``networkx.constraint`` /
``networkx.effective_size``, which recompute every normalised weight per pair; the tests check
both against networkx's own functions to 1e-9 on random graphs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import networkx as nx

EGO = "ego"
BUDDY = "buddy"
# Informal = everyone who is not paid or mandated to be there.
FORMAL_CATEGORIES = frozenset({"professional", "organisation"})
CATEGORIES: tuple[str, ...] = (
    "family", "partner", "friend", "neighbour", "colleague", "buddy", "professional", "organisation",
)
SUPPORTIVE = "supportive"
STRAINED = "strained"
BOTH = "both"


@dataclass(frozen=True)
class MapMeasures:
    """The measures of one map, either with or without the buddy."""

    size: int
    composition: dict[str, int]
    informal_size: int
    informal_share: float | None
    density: float | None  # among alters, ego removed; None below two alters
    components: int  # ego removed
    isolates: int  # alters who know none of the other alters
    effective_size: float | None  # Burt, of ego; None without alters
    constraint: float | None  # Burt, of ego; None without alters
    domains_covered: frozenset[str]  # life domains with a supportive informal tie
    support_types_covered: frozenset[str]
    reciprocity_share: float | None  # share of alters with recorded reciprocity where it goes both ways
    strained: int
    diversity: float | None  # index of qualitative variation of categories, 0..1

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size, "composition": dict(self.composition), "informal_size": self.informal_size,
            "informal_share": self.informal_share, "density": self.density, "components": self.components,
            "isolates": self.isolates, "effective_size": self.effective_size, "constraint": self.constraint,
            "domains_covered": sorted(self.domains_covered),
            "support_types_covered": sorted(self.support_types_covered),
            "reciprocity_share": self.reciprocity_share, "strained": self.strained, "diversity": self.diversity,
        }


@dataclass(frozen=True)
class Measures:
    with_buddy: MapMeasures
    without_buddy: MapMeasures

    def as_dict(self) -> dict[str, Any]:
        return {"with_buddy": self.with_buddy.as_dict(), "without_buddy": self.without_buddy.as_dict()}


@dataclass(frozen=True)
class Change:
    """From one snapshot to a later one of the same person (alters matched by stable key)."""

    gained: frozenset[str]
    lost: frozenset[str]
    kept: frozenset[str]
    gained_via_buddy: frozenset[str]
    gained_informal: frozenset[str]  # gained, not professional/organisation, not the buddy
    informal_size_change: int  # without the buddy
    domain_coverage_change: int  # without the buddy
    domains_gained: frozenset[str]
    domains_lost: frozenset[str]
    constraint_change: float | None  # without the buddy; None if either map has no alters
    before: Measures = field(repr=False)
    after: Measures = field(repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "gained": sorted(self.gained), "lost": sorted(self.lost), "kept": sorted(self.kept),
            "gained_via_buddy": sorted(self.gained_via_buddy), "gained_informal": sorted(self.gained_informal),
            "informal_size_change": self.informal_size_change,
            "domain_coverage_change": self.domain_coverage_change,
            "domains_gained": sorted(self.domains_gained), "domains_lost": sorted(self.domains_lost),
            "constraint_change": self.constraint_change,
            "before": self.before.as_dict(), "after": self.after.as_dict(),
        }


def is_informal(category: str) -> bool:
    return category not in FORMAL_CATEGORIES


def build_graph(alters: Iterable[Mapping[str, Any]], ties: Iterable[tuple[Any, Any]]) -> nx.Graph:
    """A map as a graph: `alters` are mappings with a ``key`` and the attributes above; `ties`
    are pairs of keys. Ties naming an unknown key are an error, not silently dropped."""
    graph = nx.Graph()
    graph.add_node(EGO)
    for alter in alters:
        key = str(alter["key"])
        attrs = {k: v for k, v in alter.items() if k != "key"}
        graph.add_node(key, **attrs)
        graph.add_edge(EGO, key)
    for a, b in ties:
        a, b = str(a), str(b)
        if a not in graph or b not in graph or EGO in (a, b):
            raise ValueError(f"tie {a!r}–{b!r} names an alter that is not on this map")
        if a != b:
            graph.add_edge(a, b)
    return graph


def burt(graph: nx.Graph, ego: Any = EGO) -> tuple[float | None, float | None]:
    """(effective size, constraint) of `ego` in an undirected, unweighted graph.

    Same definitions as networkx (Burt 1992; Borgatti 1997 for effective size of unweighted
    undirected graphs): with p_ij = 1/deg(i), constraint = Σ_j (p_ej + Σ_q p_eq p_qj)², q over
    ego's neighbours other than j; effective size = n − 2t/n with t ties among the n alters.
    """
    adj = graph._adj  # read-only use of networkx's adjacency dicts: no per-call view objects
    neighbours = adj[ego]
    n = len(neighbours)
    if n == 0:
        return None, None
    inv_n = 1.0 / n
    degree = {v: len(adj[v]) for v in neighbours}
    ties_among = 0
    constraint = 0.0
    for j in neighbours:
        indirect = 0.0
        for q in adj[j]:
            if q in neighbours and q != j:
                ties_among += 1
                # p_eq * p_qj, p_qj = 1/deg(q)
                indirect += 1.0 / degree[q]
        c = inv_n + inv_n * indirect
        constraint += c * c
    ties_among //= 2
    return n - 2.0 * ties_among / n, constraint


def _alters_subgraph_counts(graph: nx.Graph, alters: list[Any], ego: Any) -> tuple[int, int, int]:
    """(ties among alters, components, isolates) of the alters with ego removed."""
    adj = graph._adj
    members = set(alters)
    seen: set[Any] = set()
    components = isolates = ties = 0
    for start in alters:
        neighbours = [v for v in adj[start] if v in members and v != start]
        ties += len(neighbours)
        if not neighbours:
            isolates += 1
        if start in seen:
            continue
        components += 1
        seen.add(start)
        stack = [start]
        while stack:
            node = stack.pop()
            for v in adj[node]:
                if v in members and v not in seen:
                    seen.add(v)
                    stack.append(v)
    return ties // 2, components, isolates


def _iqv(composition: Mapping[str, int], n: int, k: int) -> float | None:
    """Index of qualitative variation: 1 − Σp², rescaled so that an even spread over all k
    categories is 1."""
    if not n:
        return None
    return (k / (k - 1)) * (1.0 - sum((c / n) ** 2 for c in composition.values()))


def measure_one(graph: nx.Graph, *, ego: Any = EGO, without_buddy: bool = False) -> MapMeasures:
    nodes = graph._node
    alters = [v for v in graph._adj[ego] if not (without_buddy and nodes[v].get("category") == BUDDY)]
    if without_buddy and len(alters) != len(graph._adj[ego]):
        graph = graph.subgraph([ego, *alters])
    n = len(alters)
    composition: Counter[str] = Counter()
    informal = strained = recorded_reciprocity = mutual = 0
    domains: set[str] = set()
    supports: set[str] = set()
    for v in alters:
        attrs = nodes[v]
        category = attrs.get("category", "")
        composition[category] += 1
        if attrs.get("valence") == STRAINED:
            strained += 1
        reciprocity = attrs.get("reciprocity") or ""
        if reciprocity:
            recorded_reciprocity += 1
            if reciprocity == BOTH:
                mutual += 1
        supports.update(attrs.get("support_types") or ())
        if category not in FORMAL_CATEGORIES:
            informal += 1
            if attrs.get("valence") == SUPPORTIVE:
                domains.update(attrs.get("life_domains") or ())
    ties, components, isolates = _alters_subgraph_counts(graph, alters, ego)
    effective_size, constraint = burt(graph, ego)
    k = len(CATEGORIES) - (1 if without_buddy else 0)
    diversity = _iqv(composition, n, k)
    return MapMeasures(
        size=n,
        composition=dict(composition),
        informal_size=informal,
        informal_share=informal / n if n else None,
        density=(2.0 * ties / (n * (n - 1))) if n > 1 else None,
        components=components,
        isolates=isolates,
        effective_size=effective_size,
        constraint=constraint,
        domains_covered=frozenset(domains),
        support_types_covered=frozenset(supports),
        reciprocity_share=mutual / recorded_reciprocity if recorded_reciprocity else None,
        strained=strained,
        diversity=diversity,
    )


def measure(graph: nx.Graph, *, ego: Any = EGO) -> Measures:
    with_buddy = measure_one(graph, ego=ego)
    if with_buddy.composition.get(BUDDY):
        without = measure_one(graph, ego=ego, without_buddy=True)
    else:
        # No buddy on the map: the same numbers, computed once; only the diversity index
        # rescales, as it counts one category fewer.
        without = replace(with_buddy, diversity=_iqv(with_buddy.composition, with_buddy.size, len(CATEGORIES) - 1))
    return Measures(with_buddy=with_buddy, without_buddy=without)


def change(before: nx.Graph, after: nx.Graph, *, ego: Any = EGO,
           before_measures: Measures | None = None, after_measures: Measures | None = None) -> Change:
    """What changed from `before` to `after` (two snapshots of one person's map)."""
    m0 = before_measures or measure(before, ego=ego)
    m1 = after_measures or measure(after, ego=ego)
    keys0 = set(before._adj[ego])
    keys1 = set(after._adj[ego])
    gained = keys1 - keys0
    nodes1 = after._node
    via = frozenset(k for k in gained if nodes1[k].get("via_buddy"))
    informal = frozenset(
        k for k in gained if is_informal(nodes1[k].get("category", "")) and nodes1[k].get("category") != BUDDY
    )
    w0, w1 = m0.without_buddy, m1.without_buddy
    constraint_change = None
    if w0.constraint is not None and w1.constraint is not None:
        constraint_change = w1.constraint - w0.constraint
    return Change(
        gained=frozenset(gained),
        lost=frozenset(keys0 - keys1),
        kept=frozenset(keys0 & keys1),
        gained_via_buddy=via,
        gained_informal=informal,
        informal_size_change=w1.informal_size - w0.informal_size,
        domain_coverage_change=len(w1.domains_covered) - len(w0.domains_covered),
        domains_gained=w1.domains_covered - w0.domains_covered,
        domains_lost=w0.domains_covered - w1.domains_covered,
        constraint_change=constraint_change,
        before=m0,
        after=m1,
    )


def median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


CHANGE_BUCKETS: tuple[str, ...] = ("-2 or less", "-1", "0", "+1", "+2", "+3 or more")


def change_bucket(value: int) -> str:
    if value <= -2:
        return CHANGE_BUCKETS[0]
    if value >= 3:
        return CHANGE_BUCKETS[-1]
    return {-1: "-1", 0: "0", 1: "+1", 2: "+2"}[value]



"""netwerk.measures against hand-computed values and against networkx's own functions."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from netwerk import measures as m


def small_map() -> nx.Graph:
    # ego knows A (family), B (friend), C (professional), D (the buddy); A and B know each other.
    return m.build_graph(
        [
            {"key": "A", "category": "family", "valence": "supportive", "life_domains": ["housing"],
             "support_types": ["practical"], "reciprocity": ""},
            {"key": "B", "category": "friend", "valence": "supportive", "life_domains": ["social"],
             "support_types": ["emotional"], "reciprocity": "both"},
            {"key": "C", "category": "professional", "valence": "supportive", "life_domains": ["administration"],
             "support_types": ["informational"], "reciprocity": "gives"},
            {"key": "D", "category": "buddy", "valence": "supportive", "life_domains": ["leisure"],
             "support_types": ["company"], "reciprocity": "both"},
        ],
        [("A", "B")],
    )


def test_it_measures_a_small_map_as_computed_by_hand() -> None:
    result = m.measure(small_map())
    w, wo = result.with_buddy, result.without_buddy

    assert (w.size, w.informal_size, w.informal_share) == (4, 3, 0.75)
    assert w.composition == {"family": 1, "friend": 1, "professional": 1, "buddy": 1}
    assert w.density == pytest.approx(1 / 6)
    assert (w.components, w.isolates) == (3, 2)
    assert w.effective_size == pytest.approx(3.5)
    # A and B: (1/4 + 1/4 · 1/2)² each; C and D: (1/4)² each.
    assert w.constraint == pytest.approx(2 * (3 / 8) ** 2 + 2 / 16)
    assert w.domains_covered == {"housing", "social", "leisure"}
    assert w.support_types_covered == {"practical", "emotional", "informational", "company"}
    assert w.reciprocity_share == pytest.approx(2 / 3)
    assert w.diversity == pytest.approx(8 / 7 * 0.75)

    assert (wo.size, wo.informal_size) == (3, 2)
    assert wo.density == pytest.approx(1 / 3)
    assert (wo.components, wo.isolates) == (2, 1)
    assert wo.effective_size == pytest.approx(3 - 2 / 3)
    assert wo.constraint == pytest.approx(2 * 0.25 + 1 / 9)
    assert wo.domains_covered == {"housing", "social"}
    assert wo.reciprocity_share == pytest.approx(1 / 2)
    assert wo.diversity == pytest.approx(7 / 6 * (2 / 3))


def test_a_strained_or_professional_tie_covers_no_life_domain() -> None:
    graph = m.build_graph([
        {"key": "x", "category": "family", "valence": "strained", "life_domains": ["housing"]},
        {"key": "y", "category": "organisation", "valence": "supportive", "life_domains": ["work"]},
        {"key": "z", "category": "neighbour", "valence": "mixed", "life_domains": ["health"]},
    ], [])
    result = m.measure(graph).with_buddy

    assert result.domains_covered == frozenset()
    assert result.strained == 1
    assert result.informal_size == 2


def test_an_empty_map_has_no_ratios() -> None:
    result = m.measure(m.build_graph([], [])).with_buddy

    assert (result.size, result.density, result.constraint, result.effective_size) == (0, None, None, None)
    assert (result.informal_share, result.diversity, result.reciprocity_share) == (None, None, None)
    assert (result.components, result.isolates) == (0, 0)


def test_a_tie_to_an_alter_not_on_the_map_is_refused() -> None:
    with pytest.raises(ValueError, match="not on this map"):
        m.build_graph([{"key": "A", "category": "friend"}], [("A", "nobody")])


@pytest.mark.parametrize("seed", range(40))
def test_burt_measures_agree_with_networkx_on_random_graphs(seed: int) -> None:
    rng = random.Random(seed)
    graph = nx.gnp_random_graph(rng.randint(2, 40), rng.uniform(0.02, 0.6), seed=seed)
    ego = 0
    if not graph[ego]:
        graph.add_edge(ego, 1)

    effective_size, constraint = m.burt(graph, ego)

    assert effective_size == pytest.approx(nx.effective_size(graph, [ego])[ego], abs=1e-9)
    assert constraint == pytest.approx(nx.constraint(graph, [ego])[ego], abs=1e-9)


@pytest.mark.parametrize("seed", range(20))
def test_measures_on_random_maps_agree_with_networkx(seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 30)
    alters = [{"key": f"a{i}", "category": rng.choice(m.CATEGORIES)} for i in range(n)]
    ties = [(f"a{i}", f"a{j}") for i in range(n) for j in range(i + 1, n) if rng.random() < 0.2]
    graph = m.build_graph(alters, ties)
    result = m.measure(graph)

    for measures, without in ((result.with_buddy, False), (result.without_buddy, True)):
        keep = [v for v in graph if v == m.EGO or not (without and graph.nodes[v]["category"] == m.BUDDY)]
        g = graph.subgraph(keep)
        alters_only = g.subgraph([v for v in keep if v != m.EGO])
        if measures.size:
            assert measures.constraint == pytest.approx(nx.constraint(g, [m.EGO])[m.EGO], abs=1e-9)
            assert measures.effective_size == pytest.approx(nx.effective_size(g, [m.EGO])[m.EGO], abs=1e-9)
        if measures.size > 1:
            assert measures.density == pytest.approx(nx.density(alters_only), abs=1e-12)
        assert measures.components == nx.number_connected_components(alters_only)
        assert measures.isolates == nx.number_of_isolates(alters_only)


def test_change_counts_gained_lost_and_kept_by_key() -> None:
    before = m.build_graph([
        {"key": "A", "category": "family", "valence": "supportive", "life_domains": ["housing"]},
        {"key": "C", "category": "professional", "valence": "supportive", "life_domains": ["income"]},
    ], [])
    after = m.build_graph([
        {"key": "A", "category": "family", "valence": "supportive", "life_domains": ["housing"]},
        {"key": "N", "category": "neighbour", "valence": "supportive", "life_domains": ["social"], "via_buddy": True},
        {"key": "P", "category": "professional", "valence": "supportive", "life_domains": ["health"]},
        {"key": "D", "category": "buddy", "valence": "supportive", "life_domains": ["leisure"]},
    ], [("A", "N")])

    change = m.change(before, after)

    assert change.gained == {"N", "P", "D"}
    assert change.lost == {"C"}
    assert change.kept == {"A"}
    assert change.gained_via_buddy == {"N"}
    assert change.gained_informal == {"N"}
    assert change.informal_size_change == 1  # the buddy does not count
    assert change.domain_coverage_change == 1
    assert change.domains_gained == {"social"}
    assert change.constraint_change == pytest.approx(
        m.measure(after).without_buddy.constraint - m.measure(before).without_buddy.constraint
    )


@pytest.mark.parametrize(("value", "bucket"), [(-5, "-2 or less"), (-2, "-2 or less"), (-1, "-1"), (0, "0"),
                                               (1, "+1"), (2, "+2"), (3, "+3 or more"), (9, "+3 or more")])
def test_change_buckets(value: int, bucket: str) -> None:
    assert m.change_bucket(value) == bucket


def test_median() -> None:
    assert m.median([]) is None
    assert m.median([3.0, 1.0, 2.0]) == 2.0
    assert m.median([4.0, 1.0, 2.0, 3.0]) == 2.5


def test_the_categories_of_the_core_are_those_of_the_models() -> None:
    from netwerk.models import Category

    assert tuple(Category.values) == m.CATEGORIES


def test_without_a_buddy_on_the_map_both_views_agree_but_for_the_diversity_scale() -> None:
    graph = m.build_graph([{"key": "A", "category": "family"}, {"key": "B", "category": "friend"}], [])
    result = m.measure(graph)

    assert result.without_buddy.size == result.with_buddy.size == 2
    assert result.with_buddy.diversity == pytest.approx(8 / 7 * 0.5)
    assert result.without_buddy.diversity == pytest.approx(7 / 6 * 0.5)

"""Reads of network maps, scoped by who asks, and the query functions other apps call.

Only a participant's coordinators (and administrators) see maps. Volunteers and funders see no
map at all: a volunteer may only add a tie they helped make (services.tie_via_buddy_add), and a
funder sees only the aggregates, through the funder report.

The functions other apps call (matching, funding, the check-in page) take ids, not a user:
their callers have already scoped what they pass. Each loads what it needs in a constant number
of queries, whatever the number of participants or maps.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import networkx as nx
from django.db.models import Q, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from buddynet.access import get_from_scope as _get
from buddynet.records.accounts.selectors import participant_data_scope
from buddynet.records.accounts.types import Actor
from buddynet.records.people.models import REPORTING_SCOPES, Volunteer
from buddynet.vocabulary import LEVEL_MAX, LEVEL_MIN, LIFE_DOMAINS
from netwerk import measures as m
from netwerk import picture
from netwerk.models import Alter, Category, NetworkMap, Tie, Valence

# What measures need of an alter, in the order of the values() query below.
_ALTER_VALUES = (
    "id", "map_id", "key", "label", "category", "life_domains", "support_types", "ring", "valence",
    "reciprocity", "via_buddy", "contact_frequency",
)


# --- scoped by the caller -------------------------------------------------------------------
def _project_scope(user: Actor, prefix: str) -> Q:
    """The participant's coordinators; the platform administrator only under a support access
    (accounts.selectors.participant_data_scope)."""
    return participant_data_scope(user=user, project=f"{prefix}project")


def maps_for_user(*, user: Actor) -> QuerySet[NetworkMap]:
    qs = NetworkMap.objects.select_related("participant", "recorded_by")
    return qs.filter(_project_scope(user, "participant__"))


def alters_for_user(*, user: Actor) -> QuerySet[Alter]:
    return Alter.objects.filter(_project_scope(user, "map__participant__"))


def ties_for_user(*, user: Actor) -> QuerySet[Tie]:
    return Tie.objects.filter(_project_scope(user, "map__participant__"))


def map_get_for_user(*, user: Actor, map_id: Any) -> NetworkMap:
    return _get(maps_for_user(user=user), map_id)


def alter_get_for_user(*, user: Actor, alter_id: Any) -> Alter:
    return _get(alters_for_user(user=user), alter_id)


def tie_get_for_user(*, user: Actor, tie_id: Any) -> Tie:
    return _get(ties_for_user(user=user), tie_id)


def maps_of_participant(*, participant_id: int) -> list[NetworkMap]:
    """A participant's maps, oldest first (the caller has checked access to the participant)."""
    return list(
        NetworkMap.objects.filter(participant_id=participant_id).select_related("recorded_by").order_by("date", "id")
    )


def previous_map(*, network_map: NetworkMap) -> NetworkMap | None:
    return (
        NetworkMap.objects.filter(participant_id=network_map.participant_id)
        .exclude(pk=network_map.pk)
        .filter(date__lte=network_map.date)
        .exclude(date=network_map.date, id__gt=network_map.pk)
        .order_by("-date", "-id")
        .first()
    )


# --- graphs and measures ----------------------------------------------------------------------
def graphs_for_maps(map_ids: Iterable[int]) -> dict[int, nx.Graph]:
    """A networkx graph per map (see netwerk.measures), in two queries for any number of maps."""
    ids = list(set(map_ids))
    graphs: dict[int, nx.Graph] = {}
    key_of: dict[int, str] = {}
    for map_id in ids:
        graph = nx.Graph()
        graph.add_node(m.EGO)
        graphs[map_id] = graph
    if not ids:
        return graphs
    for row in Alter.objects.filter(map_id__in=ids).order_by("map_id", "ring", "id").values_list(*_ALTER_VALUES):
        alter_id, map_id, key, label, category, domains, supports, ring, valence, reciprocity, via, freq = row
        node = str(key)
        key_of[alter_id] = node
        graph = graphs[map_id]
        graph.add_node(
            node, id=alter_id, label=label, category=category, life_domains=domains, support_types=supports,
            ring=ring, valence=valence, reciprocity=reciprocity, via_buddy=via, contact_frequency=freq,
        )
        graph.add_edge(m.EGO, node)
    for map_id, a_id, b_id in Tie.objects.filter(map_id__in=ids).values_list("map_id", "a_id", "b_id"):
        graphs[map_id].add_edge(key_of[a_id], key_of[b_id])
    return graphs


def map_graph(*, network_map: NetworkMap) -> nx.Graph:
    return graphs_for_maps([network_map.pk])[network_map.pk]


def map_measures(*, network_map: NetworkMap) -> m.Measures:
    return m.measure(map_graph(network_map=network_map))


def map_change(*, before: NetworkMap, after: NetworkMap) -> m.Change:
    graphs = graphs_for_maps([before.pk, after.pk])
    return m.change(graphs[before.pk], graphs[after.pk])


# --- for other apps -------------------------------------------------------------------------
def _latest_map_ids(participant_ids: Iterable[int], *, until: date | None = None) -> dict[int, int]:
    qs = NetworkMap.objects.filter(participant_id__in=list(participant_ids))
    if until is not None:
        qs = qs.filter(date__lte=until)
    latest: dict[int, int] = {}
    # Ordered oldest first, so the last row seen per participant is their latest map.
    for participant_id, map_id in qs.order_by("date", "id").values_list("participant_id", "id"):
        latest[participant_id] = map_id
    return latest


def uncovered_life_domains(*, participant_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """For each participant with at least one map: the life domains (vocabulary.LIFE_DOMAINS)
    where their latest map has no supportive informal tie (informal: not a professional, not an
    organisation; the buddy does not count). Participants without a map are absent.
    Two queries, whatever the number of participants."""
    latest = _latest_map_ids(participant_ids)
    covered: dict[int, set[str]] = {map_id: set() for map_id in latest.values()}
    rows = Alter.objects.filter(
        map_id__in=list(covered), valence=m.SUPPORTIVE,
    ).exclude(category__in=[*m.FORMAL_CATEGORIES, m.BUDDY]).values_list("map_id", "life_domains")
    for map_id, domains in rows:
        covered[map_id].update(domains or ())
    every = frozenset(LIFE_DOMAINS)
    return {pid: every - covered[map_id] for pid, map_id in latest.items()}


def volunteer_strengths(*, volunteer_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Each volunteer's strength per life domain (0–3) from their intake record, every life
    domain present (0 where nothing was recorded; unknown codes dropped). One query."""
    result: dict[int, dict[str, int]] = {}
    # No ORDER BY (the model's default ordering): the result is keyed by id, and the matcher asks
    # for a whole pool at once.
    rows = Volunteer.objects.filter(pk__in=list(volunteer_ids)).order_by().values_list("id", "strengths")
    for volunteer_id, strengths in rows:
        strengths = strengths if isinstance(strengths, dict) else {}
        row = {}
        for domain in LIFE_DOMAINS:
            try:
                level = int(strengths.get(domain, 0) or 0)
            except (TypeError, ValueError):
                level = 0
            row[domain] = min(max(level, LEVEL_MIN), LEVEL_MAX)
        result[volunteer_id] = row
    return result


@dataclass(frozen=True)
class NetworkAggregates:
    """Change in participants' own networks over a period, for the funder report.

    A participant is *measured* when they have a first map and a later map dated within the
    period (start ≤ date ≤ end); change runs from their first map to their latest map up to the
    period end. Sizes and coverage are counted without the buddy: the buddy is the means, the
    participant's own network is what must grow.
    """

    participants_measured: int
    median_informal_change: float | None
    informal_change_distribution: dict[str, int]
    share_more_informal: float | None
    share_new_non_professional: float | None
    ties_via_buddy: int  # ties gained via the buddy, over the measured participants
    median_constraint_change: float | None
    median_domain_coverage_change: float | None


def network_change_aggregates(*, project_ids: Iterable[int], start: date, end: date) -> NetworkAggregates:
    """Aggregates over the participants of `project_ids` whose consent covers reporting (the
    caller has checked access).
    Three queries, whatever the number of maps."""
    pairs = _change_pairs(project_ids=project_ids, start=start, end=end)
    flat = [pair for project_pairs in pairs.values() for pair in project_pairs]
    graphs = graphs_for_maps([map_id for pair in flat for map_id in pair])
    return _aggregate(flat, graphs)


def network_change_aggregates_by_project(*, project_ids: Iterable[int], start: date, end: date
                                         ) -> dict[int, NetworkAggregates]:
    """network_change_aggregates for each of `project_ids` on its own (the portfolio's rows).
    Three queries for all the projects together, not three per project (issue 20)."""
    ids = list(project_ids)
    pairs = _change_pairs(project_ids=ids, start=start, end=end)
    graphs = graphs_for_maps([map_id for project_pairs in pairs.values() for pair in project_pairs
                              for map_id in pair])
    return {project_id: _aggregate(pairs.get(project_id, []), graphs) for project_id in ids}


def _change_pairs(*, project_ids: Iterable[int], start: date, end: date) -> dict[int, list[tuple[int, int]]]:
    """Per project: (first map, latest map up to `end`) of each participant measured in the period."""
    by_participant: dict[tuple[int, int], list[tuple[date, int]]] = defaultdict(list)
    # Only participants whose consent covers anonymous reporting (issue 16), as every funder figure.
    rows = NetworkMap.objects.filter(participant__project_id__in=list(project_ids), date__lte=end,
                                     participant__consent_scope__in=REPORTING_SCOPES).values_list(
        "participant__project_id", "participant_id", "date", "id",
    )
    for project_id, participant_id, day, map_id in rows:
        by_participant[(project_id, participant_id)].append((day, map_id))
    pairs: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (project_id, _participant_id), maps in by_participant.items():
        maps.sort()
        if len(maps) >= 2 and maps[-1][0] >= start:
            pairs[project_id].append((maps[0][1], maps[-1][1]))
    return pairs


def _aggregate(pairs: list[tuple[int, int]], graphs: dict[int, nx.Graph]) -> NetworkAggregates:
    informal: list[int] = []
    constraint: list[float] = []
    coverage: list[int] = []
    new_non_professional = via_buddy = 0
    distribution = dict.fromkeys(m.CHANGE_BUCKETS, 0)
    for first, last in pairs:
        c = m.change(graphs[first], graphs[last])
        informal.append(c.informal_size_change)
        distribution[m.change_bucket(c.informal_size_change)] += 1
        coverage.append(c.domain_coverage_change)
        if c.constraint_change is not None:
            constraint.append(c.constraint_change)
        new_non_professional += bool(c.gained_informal)
        via_buddy += len(c.gained_via_buddy)
    n = len(pairs)
    return NetworkAggregates(
        participants_measured=n,
        median_informal_change=m.median([float(v) for v in informal]),
        informal_change_distribution=distribution,
        share_more_informal=(sum(1 for v in informal if v > 0) / n) if n else None,
        share_new_non_professional=(new_non_professional / n) if n else None,
        ties_via_buddy=via_buddy,
        median_constraint_change=m.median(constraint),
        median_domain_coverage_change=m.median([float(v) for v in coverage]),
    )


# --- the picture ----------------------------------------------------------------------------
def _picture_texts() -> dict[str, str]:
    return {
        "ego": str(_("me")),
        "group_family": str(_("Family")),
        "group_friends": str(_("Friends and neighbours")),
        "group_work": str(_("Work and school")),
        "group_professional": str(_("Professional help")),
        "valence_supportive": str(Valence.SUPPORTIVE.label),
        "valence_mixed": str(Valence.MIXED.label),
        "valence_strained": str(Valence.STRAINED.label),
        "via_buddy": str(_("made via the buddy")),
        "rings": str(_("Rings: 1 = closest, 3 = further away")),
    }


def _panel_of(network_map: NetworkMap, graph: nx.Graph, codes: dict[str, str] | None = None) -> picture.Panel:
    categories = dict(Category.choices)
    valences = dict(Valence.choices)
    nodes = []
    for key, attrs in graph.nodes(data=True):
        if key == m.EGO:
            continue
        label = codes[key] if codes is not None else attrs["label"]
        parts = [str(categories.get(attrs["category"], attrs["category"])), str(_("ring %(ring)s") % {
            "ring": attrs["ring"]}), str(valences.get(attrs["valence"], attrs["valence"]))]
        if attrs.get("via_buddy"):
            parts.append(str(_("made via the buddy")))
        nodes.append(picture.Node(key=key, label=label, category=attrs["category"], ring=attrs["ring"],
                                  valence=attrs["valence"], via_buddy=bool(attrs.get("via_buddy")),
                                  description=" · ".join(parts)))
    ties = [(a, b) for a, b in graph.edges() if m.EGO not in (a, b)]
    heading = f"{network_map.get_occasion_display()} · {date_format(network_map.date, 'SHORT_DATE_FORMAT')}"
    return picture.Panel(nodes=nodes, ties=ties, heading=heading)


def _describe(network_map: NetworkMap, graph: nx.Graph) -> str:
    measured = m.measure(graph).without_buddy
    return str(_(
        "%(occasion)s of %(date)s: %(size)s people, of whom %(informal)s informal (without the buddy); "
        "%(ties)s ties among them; %(domains)s life domains with informal support."
    ) % {
        "occasion": network_map.get_occasion_display(), "date": date_format(network_map.date),
        "size": measured.size, "informal": measured.informal_size,
        "ties": graph.number_of_edges() - graph.degree(m.EGO), "domains": len(measured.domains_covered),
    })


def map_picture_svg(*, network_map: NetworkMap, compare_to: NetworkMap | None = None,
                    pseudonymised: bool = False) -> str:
    """The ecogram of a map as SVG text (for <img>, pages and the PDF report), with the earlier
    map `compare_to` drawn to its left. Labels are the pseudonyms recorded on the map (with
    `pseudonymised`, codes P1, P2, … that stay the same for the same person in both maps); no
    participant name appears. The caller has checked access to both maps."""
    maps = [compare_to, network_map] if compare_to is not None else [network_map]
    graphs = graphs_for_maps([mp.pk for mp in maps])
    codes: dict[str, str] | None = None
    if pseudonymised:
        keys = dict.fromkeys(k for mp in maps for k in graphs[mp.pk] if k != m.EGO)
        codes = {k: f"P{i}" for i, k in enumerate(keys, 1)}
    panels = [_panel_of(mp, graphs[mp.pk], codes) for mp in maps]
    if compare_to is not None:
        title = str(_("Network map: %(before)s and %(after)s side by side") % {
            "before": panels[0].heading, "after": panels[1].heading})
    else:
        title = str(_("Network map: %(map)s") % {"map": panels[0].heading})
    desc = " ".join(_describe(mp, graphs[mp.pk]) for mp in maps)
    return picture.ecogram(panels, title=title, desc=desc, texts=_picture_texts())

"""GraphML and CSV (nodes, edges) of one map or many, readable by networkx, Gephi and igraph.

GraphML attributes must be scalars, so lists (life domains, support types) are written as
codes joined by ";" — `read_graphml` below turns them back into lists. Node ids are
"<map id>:<stable key>" (and "<map id>:ego"), so maps of a whole project fit in one graph and
the same person can be followed across a participant's maps. With `pseudonymised`, labels are
replaced by codes (P1, P2, ... per map order) and no participant name or free text leaves.
The CSV files go through buddynet/spreadsheet.py (comma-separated for Gephi, R and pandas): a
label typed as "=HYPERLINK(…)" arrives as text, never as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import networkx as nx

from buddynet import spreadsheet
from netwerk import measures as m
from netwerk.models import NetworkMap
from netwerk.selectors import graphs_for_maps

LIST_ATTRS = ("life_domains", "support_types")
NODE_COLUMNS = (
    "id", "map", "participant", "occasion", "date", "is_ego", "key", "label", "category", "ring",
    "contact_frequency", "valence", "reciprocity", "via_buddy", "life_domains", "support_types",
)
EDGE_COLUMNS = ("map", "source", "target", "kind")


def export_graph(maps: Sequence[NetworkMap], *, pseudonymised: bool) -> nx.Graph:
    """All `maps` as one graph of disjoint ego networks (one component family per map)."""
    graphs = graphs_for_maps([mp.pk for mp in maps])
    participant_code = {pid: f"D{i}" for i, pid in enumerate(dict.fromkeys(mp.participant_id for mp in maps), 1)}
    out = nx.Graph()
    for mp in maps:
        graph = graphs[mp.pk]
        prefix = f"{mp.pk}:"
        participant = participant_code[mp.participant_id] if pseudonymised else str(mp.participant_id)
        common = {"map": mp.pk, "participant": participant, "occasion": mp.occasion, "date": mp.date.isoformat()}
        out.add_node(prefix + m.EGO, **common, is_ego=True, key=m.EGO, label=m.EGO, category="", ring=0,
                     contact_frequency="", valence="", reciprocity="", via_buddy=False,
                     life_domains="", support_types="")
        for i, (node, attrs) in enumerate(((n, a) for n, a in graph.nodes(data=True) if n != m.EGO), 1):
            out.add_node(
                prefix + node, **common, is_ego=False, key=node,
                label=f"P{i}" if pseudonymised else attrs["label"],
                category=attrs["category"], ring=int(attrs["ring"]),
                contact_frequency=attrs.get("contact_frequency") or "", valence=attrs["valence"],
                reciprocity=attrs.get("reciprocity") or "", via_buddy=bool(attrs.get("via_buddy")),
                **{name: ";".join(attrs.get(name) or ()) for name in LIST_ATTRS},
            )
        for a, b in graph.edges():
            kind = "ego" if m.EGO in (a, b) else "tie"
            out.add_edge(prefix + a, prefix + b, map=mp.pk, kind=kind)
    return out


def to_graphml(maps: Sequence[NetworkMap], *, pseudonymised: bool) -> bytes:
    buffer = io.BytesIO()
    nx.write_graphml(export_graph(maps, pseudonymised=pseudonymised), buffer, encoding="utf-8")
    return buffer.getvalue()


def nodes_csv(maps: Sequence[NetworkMap], *, pseudonymised: bool) -> str:
    graph = export_graph(maps, pseudonymised=pseudonymised)
    return spreadsheet.csv_text(NODE_COLUMNS, ([node, *(attrs[c] for c in NODE_COLUMNS[1:])]
                                               for node, attrs in graph.nodes(data=True)), dialect=spreadsheet.PLAIN)


def edges_csv(maps: Sequence[NetworkMap], *, pseudonymised: bool) -> str:
    graph = export_graph(maps, pseudonymised=pseudonymised)
    return spreadsheet.csv_text(EDGE_COLUMNS, ([attrs["map"], a, b, attrs["kind"]]
                                               for a, b, attrs in graph.edges(data=True)), dialect=spreadsheet.PLAIN)


def read_graphml(source: Any) -> dict[int, nx.Graph]:
    """An exported GraphML file back into one measures-ready graph per map (ego node "ego",
    alters by stable key, lists restored)."""
    raw = nx.read_graphml(source)
    graphs: dict[int, nx.Graph] = {}
    for _node, attrs in raw.nodes(data=True):
        map_id = int(attrs["map"])
        graph = graphs.setdefault(map_id, nx.Graph())
        key = attrs["key"]
        data = {k: v for k, v in attrs.items() if k not in ("map", "key", "is_ego")}
        for name in LIST_ATTRS:
            data[name] = [code for code in str(data.get(name) or "").split(";") if code]
        graph.add_node(key, **data)
    for a, b in raw.edges():
        map_id = int(raw.nodes[a]["map"])
        graphs[map_id].add_edge(raw.nodes[a]["key"], raw.nodes[b]["key"])
    return graphs

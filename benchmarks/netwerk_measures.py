"""All network-map measures for many maps, against the bare networkx calls they rest on.

    .venv/bin/python benchmarks/netwerk_measures.py [--maps 10000] [--quick] [--repeat 3]

Builds N random maps (25 alters, ~40 ties among them, categories drawn from the real list, a
buddy on half of them), then times in the same run:
- reference: networkx's own density (alters only), constraint and effective size of ego;
- measures: netwerk.measures.measure(graph) — every measure of the issue, with and without the
  buddy (size, composition, informal share, density, components, isolates, Burt's effective
  size and constraint, life-domain and support coverage, reciprocity, strained ties, diversity).
Prints maps/second and the ratio of seconds per map, measures/reference, checks that both agree
on density, constraint and effective size, and ends with one JSON line. Target: ratio <= 1.5.
No database: the pure core only.

networkx's own `constraint` recomputes every normalised tie weight per pair (tens of ms for one
25-alter map here), so the reference is timed once on an evenly spread sample of the same maps
(--reference-maps, default 500); the measures are timed on all maps, best of --repeat runs.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import networkx as nx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from netwerk import measures as m  # noqa: E402

TARGET = 1.5
DOMAINS = ("housing", "work", "income", "health", "mobility", "childcare", "education", "leisure",
           "administration", "social")
SUPPORT = ("emotional", "practical", "informational", "company")


def random_map(rng: random.Random, alters: int, ties: int, with_buddy: bool) -> nx.Graph:
    rows = []
    for i in range(alters):
        category = "buddy" if with_buddy and i == 0 else rng.choice([c for c in m.CATEGORIES if c != "buddy"])
        rows.append({
            "key": f"k{i}", "category": category, "ring": rng.randint(1, 3),
            "valence": rng.choice(("supportive", "supportive", "mixed", "strained")),
            "reciprocity": rng.choice(("both", "gives", "receives", "")),
            "life_domains": rng.sample(DOMAINS, rng.randint(0, 3)),
            "support_types": rng.sample(SUPPORT, rng.randint(0, 2)),
            "via_buddy": rng.random() < 0.1,
        })
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < ties:
        a, b = rng.sample(range(alters), 2)
        pairs.add((min(a, b), max(a, b)))
    return m.build_graph(rows, [(f"k{a}", f"k{b}") for a, b in sorted(pairs)])


def reference(graphs: list[nx.Graph]) -> list[tuple[float, float, float]]:
    out = []
    for g in graphs:
        alters = g.subgraph([v for v in g if v != m.EGO])
        out.append((nx.density(alters), nx.constraint(g, [m.EGO])[m.EGO], nx.effective_size(g, [m.EGO])[m.EGO]))
    return out


def ours(graphs: list[nx.Graph]) -> list[m.Measures]:
    return [m.measure(g) for g in graphs]


def best_time(fn, graphs: list[nx.Graph], repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn(graphs)
        best = min(best, time.perf_counter() - started)
    return best, result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--maps", type=int, default=10_000)
    parser.add_argument("--alters", type=int, default=25)
    parser.add_argument("--ties", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-maps", type=int, default=500,
                        help="how many of the maps (evenly spread) the networkx reference is timed on")
    parser.add_argument("--quick", action="store_true", help="1,000 maps, 200 for the reference, one run each")
    args = parser.parse_args()
    if args.quick:
        args.maps, args.repeat, args.reference_maps = 1_000, 1, 200
    rng = random.Random(2026)
    graphs = [random_map(rng, args.alters, args.ties, with_buddy=i % 2 == 0) for i in range(args.maps)]

    step = max(1, args.maps // max(1, args.reference_maps))
    sample = graphs[::step]
    ref_s, ref = best_time(reference, sample, 1)
    our_s, result = best_time(ours, graphs, args.repeat)
    assert isinstance(ref, list) and isinstance(result, list)
    worst = 0.0
    for (density, constraint, effective), measured in zip(ref, result[::step], strict=True):
        w = measured.with_buddy
        assert w.density is not None and w.constraint is not None and w.effective_size is not None
        worst = max(worst, abs(w.density - density), abs(w.constraint - constraint),
                    abs(w.effective_size - effective))
    ref_per_map, our_per_map = ref_s / len(sample), our_s / args.maps
    ratio = our_per_map / ref_per_map
    print(f"{args.maps} maps of {args.alters} alters and {args.ties} ties")
    print(f"  networkx density + constraint + effective size ({len(sample)} maps, once): {ref_s:8.3f} s"
          f"  {1 / ref_per_map:10.1f} maps/s")
    print(f"  all measures, with and without the buddy ({args.maps} maps, best of {args.repeat}): {our_s:8.3f} s"
          f"  {1 / our_per_map:10.1f} maps/s")
    print(f"  ratio measures / networkx: {ratio:.3f} (target <= {TARGET}); largest difference {worst:.2e}")
    figures = {
        "benchmark": "netwerk_measures", "maps": args.maps, "alters": args.alters, "ties": args.ties,
        "repeat": args.repeat, "reference_maps": len(sample), "reference_seconds": round(ref_s, 4),
        "measures_seconds": round(our_s, 4), "maps_per_second": round(1 / our_per_map, 1),
        "reference_maps_per_second": round(1 / ref_per_map, 1),
        "ratio": round(ratio, 4), "max_abs_difference": worst, "target": TARGET,
        "target_met": bool(ratio <= TARGET and worst <= 1e-9),
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The exact solver: OR-tools min-cost flow on the sparse feasible pairs.

source → participant (capacity 1) → volunteer (capacity 1, cost −score) → sink (capacity =
the volunteer's room left). `solve_max_flow_with_min_cost` first maximises the flow — the
number of participants matched — and among all maximum flows takes the cheapest, i.e. the
highest total score. Integer costs make that optimum exact; the arc order is fixed by the
caller, so the same input always gives the same assignment.
"""

from __future__ import annotations

import numpy as np
from ortools.graph.python import min_cost_flow

SOLVER = "ortools-min-cost-flow"


class SolverError(RuntimeError):
    pass


def solve(n_participants: int, n_volunteers: int, p: np.ndarray, v: np.ndarray, score: np.ndarray,
          capacity: np.ndarray) -> tuple[np.ndarray, str]:
    """Indices of the chosen arcs, and the solver's status name."""
    if len(p) == 0:
        return np.empty(0, dtype=np.int64), "OPTIMAL"
    flow = min_cost_flow.SimpleMinCostFlow()
    source = n_participants + n_volunteers
    sink = source + 1
    n_arcs = len(p)
    flow.add_arcs_with_capacity_and_unit_cost(
        p.astype(np.int32), (v.astype(np.int64) + n_participants).astype(np.int32),
        np.ones(n_arcs, dtype=np.int64), -score.astype(np.int64),
    )
    used_p = np.unique(p).astype(np.int32)
    used_v = np.unique(v).astype(np.int32)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(len(used_p), source, dtype=np.int32), used_p,
        np.ones(len(used_p), dtype=np.int64), np.zeros(len(used_p), dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        used_v + n_participants, np.full(len(used_v), sink, dtype=np.int32),
        capacity[used_v].astype(np.int64), np.zeros(len(used_v), dtype=np.int64),
    )
    flow.set_node_supply(source, len(used_p))
    flow.set_node_supply(sink, -len(used_p))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    flows = flow.flows(np.arange(n_arcs, dtype=np.int32))
    return np.flatnonzero(flows > 0), "OPTIMAL"

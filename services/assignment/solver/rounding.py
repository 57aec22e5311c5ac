"""Dependent rounding of a fractional assignment on its flow network (Jecmen et al. 2020).

The LP solution is read as a circulation on the network
    z -> case c -> [(c, employer) group] -> expert r -> z
where z merges source and sink. The group node exists for a (case, employer) pair when two
or more of its experts carry fractional mass; its in-edge carries at most 1.

Every node touching a fractional edge touches at least two (conservation with integral
panel sizes), so fractional edges always contain a cycle. We find one, and push flow around
it by +alpha with probability beta/(alpha+beta) or by -beta otherwise, where alpha and beta
are the largest pushes that keep every cycle edge within [floor, ceil] of its value. The
expected change is zero, so every edge's final 0/1 value has the LP value as its
probability (the marginal), and at least one edge becomes integral per step.

What this guarantees on EVERY sample, not just in expectation: each panel has exactly its
size (z -> c is integral), each expert's load is floor or ceil of its fractional load and so
within the cap, no pair outside the eligible support is used, and no (case, employer) group
gets more than one seat (its edge stays within [0, 1]). The specialist minimum crosses the
employer groups; it is an edge (hence exact) for every case whose fractional employer
groups do not mix specialists and others. ``draw`` uses this sampler only when no case
mixes them (``mixed_cases``); otherwise it draws from the exact lottery (``lottery``).

Determinism: adjacency is built from sorted arrays and walked in index order; the only
randomness is ``rng.random()`` once per cycle, so a seed fixes the result.
"""

from __future__ import annotations

import math

import numpy as np

from .instance import FloatArray, Instance, IntArray

_EPS = 1e-9


def dependent_round(
    inst: Instance,
    pairs: IntArray,
    values: FloatArray,
    rng: np.random.Generator,
    integrality_tol: float,
) -> IntArray:
    """Sample a 0/1 assignment (pair indices, sorted) whose marginals are ``values``."""
    vals = values.astype(np.float64).copy()
    near = np.abs(vals - np.round(vals)) <= integrality_tol
    vals[near] = np.round(vals[near])
    fixed = pairs[vals >= 1.0]
    frac_mask = (vals > 0.0) & (vals < 1.0)
    fp, fv = pairs[frac_mask], vals[frac_mask]
    if fp.size == 0:
        return np.sort(fixed)
    tails, heads, flow = _network(inst, fp, fv)
    final = _round_cycles(tails, heads, flow, rng)
    chosen = fp[np.asarray(final[: fp.size]) >= 0.5]
    return np.sort(np.concatenate([fixed, chosen]))


def mixed_cases(inst: Instance, pairs: IntArray, values: FloatArray, integrality_tol: float) -> IntArray:
    """Cases with a specialist minimum whose fractional employer groups mix specialists and
    others: there no flow network carries both rules, and the draw uses the exact lottery."""
    vals = values.astype(np.float64)
    frac = (np.abs(vals - np.round(vals)) > integrality_tol) & (vals > 0) & (vals < 1)
    fp = pairs[frac]
    if fp.size == 0:
        return np.zeros(0, dtype=np.int64)
    keys = inst.group_key(fp)
    uniq, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
    n_spec = np.bincount(inv, weights=inst.specialist[fp], minlength=uniq.size)
    mixed_group = (n_spec > 0) & (n_spec < counts) & (counts >= 2)
    cases = np.unique(uniq[mixed_group] // _key_base(inst))
    return cases[inst.specialist_min[cases] > 0].astype(np.int64)


def _network(inst: Instance, fp: IntArray, fv: FloatArray) -> tuple[list[int], list[int], list[float]]:
    """Edges of the fractional network; the first len(fp) edges are the pair edges.

    A case with a specialist minimum whose fractional employer groups are each all
    specialists or all non-specialists gets a tier: case -> {specialists, others} ->
    groups -> experts. Then the specialist edge rounds to floor/ceil of a mass >= the
    minimum and both rules hold exactly. Only a case with a mixed group (an employer
    offering both a specialist and another expert, both with fractional mass) goes
    without the tier and may need ``repair``.
    """
    n, m = inst.n_cases, inst.n_experts
    pc, pe = inst.pair_case[fp], inst.pair_expert[fp]
    spec = inst.specialist[fp]
    keys = inst.group_key(fp)
    uniq, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
    n_spec_in_group = np.bincount(inv, weights=spec, minlength=uniq.size)
    mixed_group = (n_spec_in_group > 0) & (n_spec_in_group < counts)
    group_case = uniq // _key_base(inst)
    mixed_case = np.zeros(n, dtype=bool)
    mixed_case[group_case[mixed_group & (counts >= 2)]] = True
    tiered_case = (inst.specialist_min > 0) & ~mixed_case
    multi = counts >= 2
    n_multi = int(multi.sum())
    group_node = 1 + n + m + (np.cumsum(multi) - 1)
    tier_base = 1 + n + m + n_multi
    tier_ix = np.cumsum(tiered_case) - 1
    # node that feeds a pair (or its group): the case, or the case's spec / other tier
    feed = np.where(tiered_case[pc], tier_base + 2 * tier_ix[pc] + (~spec), 1 + pc)
    expert_node = 1 + n + pe
    pair_tail = np.where(multi[inv], group_node[inv], feed)
    gsum = np.bincount(inv, weights=fv, minlength=uniq.size)
    g_ix = np.flatnonzero(multi)
    first_pair_of_group = np.zeros(uniq.size, dtype=np.int64)
    first_pair_of_group[inv[::-1]] = np.arange(inv.size)[::-1]
    g_feed = feed[first_pair_of_group[g_ix]]
    # tier edges: case -> spec tier, case -> other tier
    t_cases = np.flatnonzero(tiered_case)
    spec_mass = np.bincount(pc, weights=fv * spec, minlength=n)
    other_mass = np.bincount(pc, weights=fv * ~spec, minlength=n)
    t_tails = np.repeat(1 + t_cases, 2)
    t_heads = tier_base + 2 * np.repeat(np.arange(t_cases.size), 2) + np.tile([0, 1], t_cases.size)
    t_flow = np.column_stack([spec_mass[t_cases], other_mass[t_cases]]).ravel()
    load = np.bincount(pe, weights=fv, minlength=m)
    r_ix = np.flatnonzero(load > 0)
    tails = np.concatenate([pair_tail, g_feed, t_tails, 1 + n + r_ix])
    heads = np.concatenate([expert_node, group_node[g_ix], t_heads, np.zeros(r_ix.size, dtype=np.int64)])
    flow = np.concatenate([fv, gsum[g_ix], t_flow, load[r_ix]])
    return tails.tolist(), heads.tolist(), flow.tolist()


def _key_base(inst: Instance) -> int:
    return int(inst.employer.max(initial=0)) + 1 + inst.n_experts


def _round_cycles(
    tails: list[int], heads: list[int], flow: list[float], rng: np.random.Generator
) -> list[float]:
    n_nodes = max(max(tails), max(heads)) + 1
    n_edges = len(flow)
    settled = [False] * n_edges
    adj: list[list[int]] = [[] for _ in range(n_nodes)]
    for e in range(n_edges):
        f = flow[e]
        if abs(f - round(f)) <= _EPS:
            flow[e] = float(round(f))
            settled[e] = True
        else:
            adj[tails[e]].append(e)
            adj[heads[e]].append(e)
    ptr = [0] * n_nodes
    on_path = [-1] * n_nodes

    def next_edge(u: int, exclude: int) -> int:
        lst = adj[u]
        i = ptr[u]
        while i < len(lst) and settled[lst[i]]:
            i += 1
        ptr[u] = i
        while i < len(lst):
            e = lst[i]
            if not settled[e] and e != exclude:
                return e
            i += 1
        return -1

    def settle(e: int) -> None:
        flow[e] = float(round(flow[e]))
        settled[e] = True

    for start in range(n_nodes):
        if next_edge(start, -1) == -1:
            continue
        nodes = [start]
        edges: list[int] = []
        on_path[start] = 0
        while nodes:
            u = nodes[-1]
            prev = edges[-1] if edges else -1
            e = next_edge(u, prev)
            if e == -1:
                if prev == -1:
                    break
                settle(prev)  # numerical residue only: conservation forbids a dead end
                on_path[u] = -1
                nodes.pop()
                edges.pop()
                continue
            v = heads[e] if tails[e] == u else tails[e]
            i = on_path[v]
            if i < 0:
                on_path[v] = len(nodes)
                nodes.append(v)
                edges.append(e)
                continue
            cycle = [*edges[i:], e]
            cnodes = nodes[i:]
            _push(cycle, cnodes, tails, flow, settled, rng)
            for w in nodes[i + 1 :]:
                on_path[w] = -1
            del nodes[i + 1 :]
            del edges[i:]
        for w in nodes:
            on_path[w] = -1
    return flow


def _push(
    cycle: list[int],
    cnodes: list[int],
    tails: list[int],
    flow: list[float],
    settled: list[bool],
    rng: np.random.Generator,
) -> None:
    """Move flow around one cycle by +alpha or -beta, unbiased, settling integral edges."""
    alpha = math.inf
    beta = math.inf
    signs: list[int] = []
    for e, u in zip(cycle, cnodes, strict=True):
        f = flow[e]
        up = math.ceil(f) - f
        down = f - math.floor(f)
        if tails[e] == u:
            signs.append(1)
            alpha = min(alpha, up)
            beta = min(beta, down)
        else:
            signs.append(-1)
            alpha = min(alpha, down)
            beta = min(beta, up)
    delta = alpha if rng.random() * (alpha + beta) < beta else -beta
    for e, s in zip(cycle, signs, strict=True):
        f = flow[e] + s * delta
        r = round(f)
        if abs(f - r) <= _EPS:
            flow[e] = float(r)
            settled[e] = True
        else:
            flow[e] = f

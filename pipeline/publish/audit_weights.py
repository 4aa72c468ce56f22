"""The intruder check, for reports that publish members' estimates beside the respondents' figures.

An intruder who reads a weighted report knows more than the respondents' tables: the roster's members per
segment (``roster_n`` of the response-rate table) are the weights of each segment in a weighted total, and
the respondents per segment its weights in the unweighted total. Checks, each a function of its own:

- :func:`two_totals`: a table that publishes a total both ways (``mean`` and ``w_mean``) gives two equations
  in the hidden cells' values, Σ n_s·x_s and Σ N_s·x_s. Two hidden cells whose respondents and members are not
  in proportion are solved exactly: a cell of fewer than k companies among them is revealed.
- :func:`weighted_pooled`: the weighted total less the published weighted cells gives the hidden cells'
  pooled members' value; exactly 0 or 1 reveals every one of them (as for the respondents' tables).
- :func:`single_respondent`: a published members' estimate of a segment one respondent stands behind is that
  respondent's answer, whatever its weight (weights are never made from one respondent; this checks it).
- :func:`shares_beneath`: a node whose members' total is not published while its items' members' shares are:
  averaged over the node's items (the public item map's weights) they give the total back to within their
  rounding and the items not applicable, and with it the hidden segments beside the published ones.

``facts`` is the audit's map (cell key, statistic) → [(table, visible, value, count)], built once by
:func:`pipeline.publish.audit.intruder_check`.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

SEGMENT = "segment"


def _members(facts: dict) -> dict[tuple, float]:
    """(sector, year, segment) → members on the roster, from any published ``roster_n``."""
    out = {}
    for (key, stat), seen in facts.items():
        if stat != "roster_n":
            continue
        d = dict(key)
        value = next((x for _, v, x, _ in seen if v and np.isfinite(x)), None)
        if value is not None and SEGMENT in d:
            out[(d.get("sector"), d.get("year"), d[SEGMENT])] = float(value)
    return out


def _groups(facts: dict, stat: str) -> dict[tuple, dict[str, tuple[bool, float, float]]]:
    """Cells of one statistic grouped by everything but the segment: segment → (visible, count, value)."""
    groups: dict[tuple, dict[str, tuple[bool, float, float]]] = defaultdict(dict)
    for (key, s), seen in facts.items():
        d = dict(key)
        if s != stat or SEGMENT not in d:
            continue
        rest = tuple(kv for kv in key if kv[0] != SEGMENT)
        visible = any(v for _, v, _, _ in seen)
        count = max((c for _, _, _, c in seen if not np.isnan(c)), default=np.nan)
        value = next((x for _, v, x, _ in seen if v), np.nan)
        groups[rest][d[SEGMENT]] = (visible, count, value)
    return groups


def _where(rest: tuple) -> str:
    return "; ".join(f"{k}={v}" for k, v in rest)


def two_totals(facts: dict, k: int, total: str) -> list[tuple[str, str, str]]:
    """(cell, statistic, detail) for each pair of hidden cells that the two published totals solve."""
    members = _members(facts)
    weighted = _groups(facts, "w_mean")
    out = []
    for rest, cells in _groups(facts, "mean").items():
        w_cells = weighted.get(rest, {})
        if not (cells.get(total, (False,))[0] and w_cells.get(total, (False,))[0]):
            continue
        hidden = [(s, c) for s, (v, c, _) in cells.items() if s != total and not v]
        if len(hidden) != 2:
            continue  # one is the respondents' differencing; three or more leave a free direction
        d = dict(rest)
        big = [members.get((d.get("sector"), d.get("year"), s)) for s, _ in hidden]
        if any(b is None for b in big) or any(np.isnan(c) for _, c in hidden):
            continue
        (s1, n1), (s2, n2) = hidden
        if abs(n1 * big[1] - n2 * big[0]) > 1e-9 and min(n1, n2) < k:
            out.append((_where(rest), "mean/w_mean",
                        f"the respondents' and the members' totals solve the 2 hidden cells ({s1}, {s2}) holding "
                        f"{int(n1)} and {int(n2)} companies (k={k})"))
    return out


def weighted_pooled(facts: dict, total: str) -> list[tuple[str, str, str]]:
    """(cell, statistic, detail) where the weighted total and published weighted cells give the hidden
    cells a pooled members' value of exactly 0 or 1 (segments' members must add up to the total's)."""
    members = _members(facts)
    out = []
    for stat in ("w_mean", "w_share_reached"):
        for rest, cells in _groups(facts, stat).items():
            d = dict(rest)
            if total not in cells or not cells[total][0]:
                continue
            hidden = [s for s, (v, _, _) in cells.items() if s != total and not v]
            shown = [(s, x) for s, (v, _, x) in cells.items() if s != total and v]
            big = {s: members.get((d.get("sector"), d.get("year"), s)) for s in cells}
            if not hidden or any(b is None for b in big.values()):
                continue
            n_hidden = sum(big[s] for s in hidden)
            if abs(sum(big[s] for s, _ in shown) + n_hidden - big[total]) > 1e-9 or n_hidden <= 0:
                continue  # a segmentation that does not add up to the total gives nothing exact
            pooled = (cells[total][2] * big[total] - sum(big[s] * x for s, x in shown)) / n_hidden
            if abs(pooled) < 1e-9 or abs(pooled - 1) < 1e-9:
                out.append((_where(rest), stat, f"the members' total and published cells give the {len(hidden)} "
                                                f"hidden cell(s) ({', '.join(hidden)}) a pooled value of exactly "
                                                f"{pooled:.0%}"))
    return out


def single_respondent(facts: dict) -> list[tuple[str, str, str]]:
    """(cell, statistic, detail) for each published members' estimate with one respondent behind it."""
    out = []
    for (key, stat), seen in facts.items():
        if not stat.startswith("w_"):
            continue
        for _, visible, _, count in seen:
            if visible and count == 1:
                out.append((_where(key), stat, "a members' estimate resting on one respondent is its answer"))
    return out


def _items_under(relations: list) -> dict[tuple[str, str], set[str]]:
    """(framework, node) → the item ids beneath it, through the 'mean' relations (a function's categories' items,
    also where an item in two categories leaves the function without a relation of its own)."""
    direct: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for r in relations:
        if r.kind == "mean":
            direct.setdefault(tuple(r.parent), set()).update(r.children)

    def expand(node: tuple[str, str], seen: frozenset = frozenset()) -> set[str]:
        out: set[str] = set()
        for child in direct.get(node, ()):
            if child[0] == "item":
                out.add(str(child[1]))
            elif child not in seen:
                out |= expand(child, seen | {node})
        return out

    out = {node: expand(node) for node in direct}
    # a function whose categories share an item has no 'mean' relation: its items are still its categories'
    for (fw, node) in {(f, n.split(".")[0]) for f, n in direct if f != "item" and "." in n}:
        if (fw, node) not in out:
            out[(fw, node)] = set().union(*(its for (f, n), its in list(out.items())
                                            if f == fw and n.split(".")[0] == node and "." in n))
    return out


def shares_beneath(facts: dict, relations: list, total: str) -> list[tuple[str, str, str]]:
    """(cell, statistic, detail) for each node total whose members' mean is not published (withheld, hidden, or its
    table shows the respondents only) in a year whose items publish their members' shares beneath it
    (``relations``: the public item map's)."""
    shown_items = {(dict(key).get("sector"), dict(key).get("year"), dict(key)["item_id"])
                   for (key, stat), seen in facts.items()
                   if stat == "w_share_implemented" and "item_id" in dict(key) and any(v for _, v, _, _ in seen)}
    if not shown_items:
        return []
    under = _items_under(relations)
    members_shown = {key for (key, stat), seen in facts.items() if stat == "w_mean" and any(v for _, v, _, _ in seen)}
    out = []
    for (key, stat) in facts:
        d = dict(key)
        if stat != "mean" or d.get(SEGMENT) != total:
            continue
        items = under.get((d.get("framework"), d.get("node_id")), set())
        shown = sorted(i for i in items if (d.get("sector"), d.get("year"), i) in shown_items)
        if shown and key not in members_shown:
            out.append((_where(key), "w_mean", f"the members' total is not published, but {len(shown)} of its "
                                               f"{len(items)} items publish their members' shares, whose "
                                               "item-weighted mean gives it back"))
    return out


def weighted_findings(facts: dict, k: int, totals: set[str], relations: list | None = None
                      ) -> list[tuple[str, str, str, str]]:
    """Every weighted-report finding as (check, cell, statistic, detail), for the audit's findings list."""
    out = []
    for total in totals:
        out += [("weights-two-totals", *f) for f in two_totals(facts, k, total)]
        out += [("weights-differencing", *f) for f in weighted_pooled(facts, total)]
        out += [("weights-items", *f) for f in shares_beneath(facts, relations or [], total)]
    out += [("weights-single", *f) for f in single_respondent(facts)]
    return out

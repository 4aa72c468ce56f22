"""The intruder's best bounds on every hidden cell: one linear programme over everything a report publishes.

An intruder holding the published tables knows many exact linear relations between cells:

- **segment ⊂ total**: where a segmentation adds up (each company in one segment), the total's mean is the
  count-weighted mean of its segments' means (and the same for every share); where it is multi-valued (a company
  in several segments), it adds up but for the D companies counted twice (:func:`_overlap_rows`);
- **item ⊂ category ⊂ function ⊂ overall**: where the public item → node map splits a node's items among
  its children and no item is not applicable (``na_share`` 0), a node's mean is the item-count-weighted
  mean of its children's (e.g. RC = (1·RC.RP + 3·RC.CO) / 4), and a category's is the mean of its items'
  ``mean_points``;
- **mean ↔ share reached** in one cell: with s of the companies at or above the threshold θ and the rest
  below it, θ·s ≤ mean ≤ s + (1 − s)·θ, and on the score grid of a node of I items (steps of 1/(2I), every
  item applicable) u·s ≤ mean ≤ s + (1 − s)·d with u, d the steps either side of θ;
- **parent reached ⇒ child reached** on the grid (a 4-item function in eighths reaching 0.9 scores 1.0, so
  each of its categories is 1.0 for those companies);
- **SDs**: a published mean and SD give the mean of squared scores, which adds up over segments; a hidden
  cell's lies between mean² (tangent cuts) and mean;
- **the headline score** against each function of the same companies (its shortfall, and its quantiles);
- **members' estimates** adding up by the roster's members per segment; rounded values within their half-step;
- every statistic lies in [0, 1] (a change in [−1, 1]).

Counts are taken as known to the intruder even where they are not published (the hidden-cell log holds
the true ones): the intruder is assumed stronger than the tables make it, so the bounds are safe. Each
hidden statistic is then minimised and maximised over the relations (scipy's HiGHS, one small programme
per connected group of hidden cells). A hidden cell protected for its own sake (primary, split, uniform)
fails when the interval left is narrower than :data:`MIN_WIDTH` on the 0–1 scale; a hidden share is a
count (share × n companies) and fails when fewer than k counts stay possible (width < (k − 1) / n, at
most the whole range). A cell hidden only to protect others is held to the same widths: recovered, it
would give the protected cell back through the same relations.

Tables are read generically from their :class:`~pipeline.publish.model.TableSpec` (keys, segment, total,
the count behind each statistic), so any table passed through the Publisher — weighted estimates
included — is covered; hierarchy relations come from :func:`hierarchy` (the public item map).
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from collections.abc import Callable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.publish.cells import cell_key, cell_text, hidden_cells
from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.publish.programmes import ERROR, INFEASIBLE, LIMIT, OPTIMAL, Outcome, Programme
from pipeline.scoring.disclosure import BAND_COLUMN, BANDS, MEMBERS_BEHIND, MIN_WIDTH, QUANTILE_LEVELS
from pipeline.scoring.disclosure_rounding import BASE_ROUNDED, ROUNDED, ROUNDED_STATS, STEP
from pipeline.scoring.segments import NA_BEHIND

# Statistics that are means over the companies behind a cell (count-weighted across segments) and may be
# related linearly; the value is their range.
LINEAR_STATS: dict[str, tuple[float, float]] = {
    "mean": (0.0, 1.0), "share_reached": (0.0, 1.0), "share_implemented": (0.0, 1.0), "mean_points": (0.0, 1.0),
    "response_rate": (0.0, 1.0), "share_improved": (0.0, 1.0), "share_worsened": (0.0, 1.0),
    "share_band": (0.0, 1.0), "mean_change": (-1.0, 1.0),
    # the members' estimates (pipeline/scoring/weighted.py): segments add up weighted by their members
    "w_mean": (0.0, 1.0), "w_share_reached": (0.0, 1.0), "w_share_implemented": (0.0, 1.0),
    # the mean of squared scores, from a published SD and mean (an intruder's variable, never reported)
    "m2": (0.0, 1.0),
    # ★ readiness (pipeline/report/star_tables.py): companies not meeting a requirement, in a distance band
    "share_unmet": (0.0, 1.0), "share_distance": (0.0, 1.0)}
SHARES = {"share_reached", "share_implemented", "response_rate", "share_improved", "share_worsened", "share_band",
          "w_share_reached", "w_share_implemented", "share_unmet", "share_distance"}
WEIGHTS = {"response_rate": "roster_n"}  # a share whose total weights segments by another count than its n
WEIGHTED = {"w_mean", "w_share_reached", "w_share_implemented"}  # weighted across segments by their members
INTERNAL = {"m2"}  # solved for, never reported: its statistic (the SD) is hidden with the cell's mean
# tangent points of m2 ≥ mean² (the convex bound, as cuts: the relaxation is at most 0.005² = 2.5e-5 short of it)
TANGENTS = np.linspace(0.0, 1.0, 101)
TOLERANCE = 1e-7  # published floats are exact to ~1e-16; equations are met within this
WIDTH_TOLERANCE = 1e-5  # an interval this much short of its width is the solver's rounding, not a finding
ONE = ((), ("", ""), "one")  # a fact always known, = 1: the constant in Σ parts = 1


@dataclass(frozen=True)
class Interval:
    """The tightest interval an intruder reaches for one hidden statistic of one cell."""

    table: str
    cell: str
    statistic: str
    reason: str
    n: float  # the companies behind the statistic (its denominator)
    low: float
    high: float
    required: float  # the narrowest interval the method allows for it
    fact: tuple = field(default=(), compare=False, repr=False)  # what it describes, for :func:`complete`
    unit: str = "scale"  # 'scale': the statistic's own 0–1 (−1–1) scale; 'companies': a withheld count (a base)

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def fails(self) -> bool:
        # short by more than the solver's own tolerance (HiGHS meets a row within 1e-6; a whole count within 1e-6·n):
        # the stress store's FY2023 ★4:3 of 5 companies came back [0, 0.799999] in one programme and [0, 0.8000001]
        # in another, the same 4 companies of width. One company is at least 1/n ≥ 1e-4 of a share, so no real
        # narrowing hides under it
        return self.width < self.required - WIDTH_TOLERANCE


@dataclass
class Relation:
    """A relation the public item map gives between two levels of one node hierarchy.

    ``kind`` 'mean': parent = Σ weight · child (weights sum to 1: items per child / items of parent);
    ``parent`` and the children are (framework, node_id); a child ``("item", item_id)`` is an item's
    ``mean_points``. ``kind`` 'shortfall': the parent is the instrument's overall score over all ``items`` of
    the form and each child a function holding weight × items of them; a company's shortfall from the top in
    the function (in item points) is part of its overall shortfall, so mean_f ≥ 1 − (1 − mean) / weight and
    mean_f ≤ mean / weight wherever no item of the function is not applicable. ``items``: the parent's items
    (0 when unknown), which also gives every node its score grid (steps of 1 / (2 · items)). ``item_ids``: the
    parent's items by id (a 'mean' relation), whose published not-applicable counts bound how far the
    relation may miss where some item is not applicable (:func:`_na_rows`)."""

    parent: tuple[str, str]
    children: dict[tuple[str, str], float]
    sector: str = ""  # the sector whose item map gives it ('' : any)
    items: int = 0
    kind: str = "mean"
    item_ids: tuple[str, ...] = field(default=(), compare=False)  # relations of two form versions stay equal

    def to_json(self) -> dict:
        return {"parent": list(self.parent), "children": [[f, n, w] for (f, n), w in self.children.items()],
                "sector": self.sector, "items": self.items, "kind": self.kind, "item_ids": list(self.item_ids)}

    @classmethod
    def from_json(cls, data: dict) -> Relation:
        return cls(tuple(data["parent"]), {(f, n): float(w) for f, n, w in data["children"]},
                   data.get("sector", ""), int(data.get("items", 0) or 0), data.get("kind", "mean"),
                   tuple(data.get("item_ids", ())))


def hierarchy(links: pd.DataFrame, level_of: dict[tuple[str, str], str], sector: str = "") -> list[Relation]:
    """The exact weighted relations the public item map allows: for each function its categories and for
    each category its items, wherever the children split the parent's items (every item in one child).

    ``links`` has framework, node_id, item_id; ``level_of`` maps (framework, node_id) to 'function' or
    'category'. A category's children are its items (weights 1/items); a function's are its categories
    (weights items of the category / items of the function)."""
    links = links[["framework", "node_id", "item_id"]].drop_duplicates()
    items = {key: set(g["item_id"]) for key, g in links.groupby(["framework", "node_id"])}
    out: list[Relation] = []
    for (fw, node), its in items.items():
        level = level_of.get((fw, node))
        if level == "category" and its:
            out.append(Relation((fw, node), {("item", i): 1 / len(its) for i in sorted(its)}, sector, len(its),
                                item_ids=tuple(sorted(its))))
        elif level == "function" and its:
            cats = [(c, items[(fw, c)]) for (f, c), lv in level_of.items()
                    if f == fw and lv == "category" and c.split(".")[0] == node and (fw, c) in items]
            covered = [i for _, s in cats for i in s]
            if sorted(covered) == sorted(its):  # a partition: each item in exactly one category
                out.append(Relation((fw, node), {(fw, c): len(s) / len(its) for c, s in cats}, sector, len(its),
                                    item_ids=tuple(sorted(its))))
    return out


OVERALL = ("instrument", "overall")  # the headline score's framework and node (pipeline.report.tables.OVERALL)


def shortfalls(links: pd.DataFrame, level_of: dict[tuple[str, str], str], form_items: int,
               sector: str = "") -> list[Relation]:
    """The headline score against each function of the same companies (kind 'shortfall'): a function of
    I_f of the form's ``form_items`` items has weight I_f / form_items (see :class:`Relation`)."""
    links = links[["framework", "node_id", "item_id"]].drop_duplicates()
    out = []
    for (fw, node), g in links.groupby(["framework", "node_id"]):
        if level_of.get((fw, node)) == "function" and form_items > 0:
            i_f = g["item_id"].nunique()
            out.append(Relation(OVERALL, {(fw, node): i_f / form_items}, sector, form_items, "shortfall"))
    return out


class _Facts:
    """Every published or hidden linear statistic, keyed by what it describes (cells with the same key in
    two tables are one fact)."""

    def __init__(self) -> None:
        self.value: dict[tuple, float] = {}  # known (published somewhere)
        self.hidden: dict[tuple, tuple[str, str, str]] = {}  # fact → (table, cell, reason) where hidden
        self.weight: dict[tuple, float] = {}  # the count behind the fact
        self.na: dict[tuple, float] = {}  # published not-applicable share of the cell
        # (sector, year, item) → the item's published not-applicable count; NaN where rounded (then 0 … k − 1)
        self.item_na: dict[tuple, float] = {}
        self.na_count: dict[tuple, float] = {}  # a node's mean → its true not-applicable answers (working column)
        self.threshold: dict[tuple, float] = {}
        self.rows: dict[tuple, list[tuple[str, object]]] = defaultdict(list)  # fact → (table, row index) holding it
        self.quantiles: dict[tuple, dict[float, tuple[float, float]]] = defaultdict(dict)  # (where, node) → q → (v, n)
        self.total = "*"  # the total row's segment label
        self.slack: dict[tuple, float] = {}  # a published value rounded: within this of the true one
        self.members: dict[tuple, float] = {}  # a members' estimate → its segment's members (working column)
        self.on_roster: dict[tuple, float] = {}  # a segment (where) → its respondents found on the roster
        self.band: dict[tuple, tuple[float, float]] = {}  # a hidden mean published as a band → the band
        self.parts: list[list[tuple]] = []  # shares of cells that split one row's companies: they add up to 1
        self.twins: list[list[tuple]] = []  # cells of one place their table's ``equal_by`` column makes equal
        self.subsets: list[tuple[tuple, tuple]] = []  # (a, b): a's ``equal_by`` items a strict subset of b's
        self.whole: dict[tuple, float] = {}  # a published row whose base is withheld → its respondents (n)
        self.with_a_share: set[tuple] | None = None  # :func:`_cells_with_a_share`, once the facts are collected
        self.value[ONE] = 1.0  # the constant of a relation with one (Σ parts = 1)

    def add(self, fact: tuple, value: float, hidden: tuple[str, str, str] | None, weight: float) -> None:
        if hidden is None:
            if not np.isnan(value):
                self.value[fact] = value
        else:
            self.hidden.setdefault(fact, hidden)
        if not np.isnan(weight):
            self.weight[fact] = weight

    def unknown(self) -> list[tuple]:
        return [f for f in self.hidden if f not in self.value]


def collect(tables: list[PublishedTable], hidden: pd.DataFrame) -> tuple[_Facts, list[tuple[tuple, list, bool]]]:
    """The facts of every table, and the segment groups (total fact, [segment facts], multi-valued) that add up
    (a multi-valued one but for the companies it counts twice)."""
    facts = _Facts()
    total = next((t.spec.total for t in tables if t.spec and t.spec.total), "*")
    facts.total = total
    true = {(r.table, r.cell): r for r in hidden.itertuples()}
    groups: dict[tuple, dict] = defaultdict(lambda: {"total": None, "parts": [], "multi": False})
    splits: dict[tuple, set] = defaultdict(set)  # (table, other keys, statistic, column, group) → its facts
    twins: dict[tuple, set] = defaultdict(set)  # (table, place, framework, statistic, equal_by value) → its facts
    cited: dict[tuple, dict[frozenset, tuple]] = defaultdict(dict)  # (table, place, framework, stat) → items → fact
    for t in tables:
        spec = t.spec
        if spec is None or "suppressed" not in t.frame:
            continue
        frame = t.frame
        seg = spec.segment if spec.segment and spec.segment in frame else None
        cols = spec.keys + ([seg] if seg else [])
        if any(c not in frame for c in cols):
            continue
        stats = [s for s in spec.counts if s in LINEAR_STATS and s in frame]
        second = "sd" in spec.counts and "sd" in frame and "mean" in frame  # a published SD gives Σ score²
        if second:
            stats.append("m2")
        quantiles = [q for q in QUANTILE_LEVELS if q in spec.counts and q in frame]
        if not stats and not quantiles:
            continue
        is_hidden = frame["suppressed"].fillna("").astype(str).ne("")
        equal_by = spec.equal_by if spec.equal_by and spec.equal_by in frame else None
        # rows as dicts (values as pandas boxes them, read by name like a row Series): iterrows built a Series per
        # row, each table once per completion round and once more in the audit — most of collect's time
        for i, r, row_hidden in zip(frame.index, frame.to_dict("records"), is_hidden.to_numpy(), strict=True):
            key = cell_key(r, cols)
            cell = cell_text(key)
            log = true.get((t.name, cell)) if row_hidden else None
            counts = _true_counts(log) if log is not None else {}
            base = dict(key)
            if not seg:  # a table without segments describes the whole sector: the total's cell
                base["segment"] = total
            node = (base.get("framework", "item" if "item_id" in base else ""),
                    base.get("node_id", base.get("item_id", "")))
            where = tuple(sorted((c, v) for c, v in base.items() if c not in ("framework", "node_id", "item_id")))
            if node[0] == "item" and "n_not_applicable" in frame and not row_hidden:
                rounded = str(r.get(ROUNDED, "")).lower() in ("true", "1", "1.0")
                count = np.nan if rounded else _num(r["n_not_applicable"])
                if rounded or count == count:
                    facts.item_na[(str(base.get("sector", "")), str(base.get("year", "")), node[1])] = count
            for q in quantiles:
                value, count = _num(r[q]), _num(r.get(_first(spec.counts[q])))
                if not row_hidden and value == value and count == count:
                    facts.quantiles[(where, node)][QUANTILE_LEVELS[q]] = (value, count)
            for stat in stats:
                fact = (where, node, stat)
                if stat in WEIGHTED and MEMBERS_BEHIND in frame and _num(r[MEMBERS_BEHIND]) > 0:
                    facts.members[fact] = _num(r[MEMBERS_BEHIND])
                wcol = WEIGHTS.get(stat, _first(spec.counts["sd" if stat == "m2" else stat]))
                value = _second_moment(r, wcol) if stat == "m2" else _num(r[stat])
                facts.rows[fact].append((t.name, i))
                same = str(r[equal_by]).strip() if equal_by and pd.notna(r[equal_by]) else ""
                if same:
                    twins[(t.name, where, node[0], stat, same)].add(fact)
                    if stat == FAILING_SHARE:
                        cited[(t.name, where, node[0], stat)][frozenset(same.split())] = fact
                if stat == "response_rate" and "n_on_roster" in frame:  # the weight per respondent's denominator
                    on = counts.get("n_on_roster", np.nan) if row_hidden else _num(r["n_on_roster"])
                    if on == on:
                        facts.on_roster[where] = on
                if row_hidden:
                    weight = counts.get(wcol, np.nan)
                    if np.isnan(weight) and wcol == _first(spec.counts[stat]):  # a log without ``counts``
                        weight = _num(getattr(log, "count", np.nan))
                    facts.add(fact, value, (t.name, cell, str(getattr(log, "reason", "") or "complementary")), weight)
                    band = str(r.get(BAND_COLUMN, "") or "") if stat == "mean" else ""
                    if band in BANDS:  # published coarsened: the intruder holds the interval
                        facts.band[fact] = BANDS[band]
                elif np.isnan(value):
                    continue  # not assessed
                else:
                    facts.add(fact, value, None, _num(r.get(wcol)))
                    rounded = str(r.get(ROUNDED, "")).lower() in ("true", "1", "1.0")
                    if rounded and stat in (*ROUNDED_STATS, *BASE_ROUNDED):
                        facts.slack[fact] = STEP / 2
                    if np.isnan(_num(r.get(wcol))) and "n" in frame:
                        facts.whole[fact] = _num(r["n"])  # the base withheld: it lies in n − (k − 1) … n
                if "na_share" in frame and not row_hidden:
                    facts.na[fact] = _num(r["na_share"])
                if stat == "mean" and NA_BEHIND in frame and _num(r[NA_BEHIND]) == _num(r[NA_BEHIND]):
                    facts.na_count[fact] = _num(r[NA_BEHIND])
                if "threshold" in frame:
                    facts.threshold[fact] = _num(r["threshold"])
                for col, parts in spec.parts.items():
                    if stat in SHARES and col in base:
                        for g, group in enumerate(parts):
                            if base[col] in group:
                                splits[(t.name, tuple(kv for kv in key if kv[0] != col), stat, col, g)].add(fact)
                if seg and spec.total:
                    gkey = (t.name, tuple(kv for kv in key if kv[0] != seg), stat)
                    g = groups[gkey]
                    if str(r[seg]) == spec.total:
                        g["total"] = fact
                    else:
                        g["parts"].append(fact)
                    if "multi_counted" in frame and str(r["multi_counted"]).lower() == "true":
                        g["multi"] = True
    adds_up = [(g["total"], g["parts"], g["multi"]) for g in groups.values() if g["total"] is not None]
    by_name = {t.name: t.spec for t in tables if t.spec is not None}
    facts.parts = [sorted(found, key=str) for (name, _, _, col, g), found in splits.items()
                   if len(found) == len(by_name[name].parts[col][g])]  # every part assessed: they add up to 1
    facts.twins = [sorted(found, key=str) for found in twins.values() if len(found) > 1]
    facts.subsets = [(a, b) for place in cited.values() for items, a in place.items()
                     for more, b in place.items() if items < more]
    return facts, adds_up


def _second_moment(row: Mapping[str, object], n_col: str) -> float:
    """The mean of the squared scores a published mean and SD (n − 1 in its denominator) give:
    mean² + sd² · (n − 1) / n (NaN where any is not published)."""
    mean, sd, n = _num(row.get("mean")), _num(row.get("sd")), _num(row.get(n_col))
    if n == n and n == 1 and mean == mean:
        return mean * mean
    return mean * mean + sd * sd * (n - 1) / n if n > 1 else np.nan


def _first(c: str | list[str]) -> str:
    return c if isinstance(c, str) else c[0]


def _num(x: object) -> float:
    if isinstance(x, (int, float, np.integer, np.floating)):  # the usual cell: no Series per value (hot path)
        return float(x)
    v = pd.to_numeric(pd.Series([x]), errors="coerce").iloc[0]
    return float(v) if pd.notna(v) else np.nan


def _true_counts(log: object) -> dict[str, float]:
    """The true counts of a hidden cell, from the hidden-cell log (``counts``: JSON; ``count``: its n)."""
    import json

    text = getattr(log, "counts", None)
    out = {k: float(v) for k, v in (json.loads(text) if isinstance(text, str) and text else {}).items()
           if v is not None}
    return out


# Σ coef · fact ≤ bound (bound None: = 0), and how firm it is: 0 always holds, 1 holds where the item map and the
# score grid describe the cells, 2 where the members' weights add up to the roster's members per segment
Row = tuple[dict, float | None, int]
FIRM, MAP, MEMBERS = 0, 1, 2


def equations(facts: _Facts, adds_up: list, relations: list[Relation], k: int, unmet: bool = True
              ) -> list[Row]:
    """The linear system an intruder holds, as rows (coefficients, bound, soft).

    Hard rows always hold: segments add up to their total (count-weighted), mean ↔ share reached, the
    second moment between the mean and its square. Soft rows hold where the public item map and the score
    grid describe the cells (every item applicable, one form): a node as the item-weighted mean of its
    children, the grid's threshold (a 4-item node in eighths reaching 0.9 scores 1), "parent reached ⇒
    child reached", the headline score's shortfall against each function and its quantiles, and the members'
    estimates adding up by members per segment. Where the published values contradict a soft row, the
    solver drops the soft rows of that group (:func:`solve`)."""
    rows: list[Row] = []
    members = {f[0]: w for f, w in facts.weight.items() if f[2] == "response_rate" and f[1] == ("", "")}
    for total, parts, multi in adds_up:
        weighted = total[2] in WEIGHTED
        if weighted and multi:
            continue  # members' weights per segment mean nothing where a company is in several segments
        weight = ((lambda f: facts.members.get(f, members.get(f[0], np.nan))) if weighted
                  else (lambda f: facts.weight.get(f, np.nan)))
        w_total, ws = weight(total), [weight(p) for p in parts]
        if np.isnan(w_total) or any(np.isnan(w) for w in ws):
            continue  # counts unknown
        if sum(ws) - w_total > 1e-9 and not weighted:
            rows += _overlap_rows(total, parts, w_total, ws)  # a multi-valued segmentation: it adds up but for D
            continue
        if abs(sum(ws) - w_total) > 1e-9:
            continue  # the segments do not add up
        if weighted:
            ws = _members_weights(facts, parts, ws)
            w_total = sum(ws)
        eq = defaultdict(float)
        eq[total] += w_total
        for p, w in zip(parts, ws, strict=True):
            eq[p] -= w
        rows.append((dict(eq), None, MEMBERS if weighted else FIRM))
    rows += _cell_estimates(facts)
    for found in facts.parts:  # the bands of one star split the segment's companies: Σ shares = 1
        rows.append(({**{f: 1.0 for f in found}, ONE: -1.0}, None, FIRM))
    rows += _twin_rows(facts)
    rows += _subset_rows(facts)
    rows += _answer_rows(facts)
    if unmet:  # the ★ bottleneck rows against the distance bands, every hidden row a variable
        rows += _unmet_rows(facts, k)
    every = [*facts.value, *facts.hidden]
    by_place: dict[tuple, dict[tuple[str, str], tuple]] = defaultdict(dict)
    for fact in every:
        where, node, stat = fact
        if stat in ("mean", "mean_points"):
            by_place[where][node] = fact
    items = _items_of(relations)
    grid = _Grid(facts, items, relations)
    for where, nodes in by_place.items():
        sector = dict(where).get("sector", "")
        for rel in relations:
            if rel.sector and sector != rel.sector:
                continue
            if rel.kind == "shortfall":
                rows += _shortfall_rows(facts, grid, where, nodes, rel)
                continue
            members_ = [rel.parent, *rel.children]
            if not all(m in nodes for m in members_):
                continue
            known_na = [facts.na.get(nodes[m]) for m in members_ if nodes[m] in facts.na]
            if any(v is None or np.isnan(v) or v > 0 for v in known_na) or not known_na:
                rows += _na_rows(facts, where, nodes, rel, k)  # some item may not apply: within a range
                continue
            eq = defaultdict(float)
            eq[nodes[rel.parent]] += 1.0
            for child, w in rel.children.items():
                eq[nodes[child]] -= w
            rows.append((dict(eq), None, MAP))
            rows += _reached_rows(facts, grid, where, rel)
    for fact in every:
        where, node, stat = fact
        if stat != "mean":
            continue
        share = (where, node, "share_reached")
        theta = facts.threshold.get(fact, np.nan)
        if not np.isnan(theta) and (share in facts.value or share in facts.hidden):
            rows.append(({share: theta, fact: -1.0}, 0.0, FIRM))  # θ·s ≤ mean
            rows.append(({fact: 1.0, share: -(1 - theta)}, theta, FIRM))  # mean ≤ s + (1 − s)·θ
            up, down = grid.steps(fact, theta)
            if up is not None:  # on the grid: the reached score at least the step at or above θ
                rows.append(({share: up, fact: -1.0}, 0.0, MAP))
                rows.append(({fact: 1.0, share: -(1 - down)}, down, MAP))
        m2 = (where, node, "m2")
        if m2 in facts.value or m2 in facts.hidden:
            rows.append(({m2: 1.0, fact: -1.0}, 0.0, FIRM))  # scores in [0, 1]: score² ≤ score
            for a in TANGENTS:  # score² ≥ 2a·score − a², averaged: m2 ≥ 2a·mean − a²
                rows.append(({fact: 2 * a, m2: -1.0}, a * a, FIRM))
    return rows


def _na_rows(facts: _Facts, where: tuple, nodes: dict, rel: Relation, k: int) -> list[Row]:
    """A node against its item-weighted children where some of its items may not apply: the relation misses by at
    most δ = M / (n · I) either way, M the not-applicable answers on its I items, n its companies scored.

    Why: a company with m of the I items not applicable weighs each child by its applicable items, not by
    the map's; the two weightings differ by at most m / I in total variation, and each child's score lies in
    [0, 1], so its own score misses the weighted children by at most m / I (a child with no applicable item
    counts at the child's mean, with no weight in the company's score). Averaged over the n companies: M / (n · I).
    M is the cell's true count where the table still carries it (the report's own check: an intruder who tells a
    segment with no item not applicable, say by landing a hidden category on its one-item grid, has δ = 0), else
    what the item table publishes for the whole sector: each item's count, k − 1 where it is rounded; an item
    hidden (or not published) leaves M unbounded and the relation out. docs/method.md §5.4."""
    parent = nodes[rel.parent]
    n = facts.weight.get(parent, np.nan)
    place = dict(where)
    counts = [facts.item_na.get((str(place.get("sector", "")), str(place.get("year", "")), i), np.inf)
              for i in rel.item_ids]
    most = min(sum(k - 1 if c != c else c for c in counts), facts.na_count.get(parent, np.inf))
    if not rel.item_ids or not n > 0 or not np.isfinite(most):
        return []
    delta = most / (n * len(rel.item_ids))
    if delta >= 1:
        return []
    eq = defaultdict(float)
    eq[parent] += 1.0
    for child, w in rel.children.items():
        eq[nodes[child]] -= w
    return [(dict(eq), delta, MAP), ({f: -c for f, c in eq.items()}, delta, MAP)]


def _answer_rows(facts: _Facts) -> list[Row]:
    """An item's mean points against its share implemented (the three-way answer split, one row of the item table):
    implemented answers score 1, partial 0.5 and the rest 0, so share ≤ mean points ≤ (1 + share) / 2. Where no
    published item row of the sector has a partial answer (mean points = share everywhere: a form without the
    answer, as automotive's), a hidden row has none either: its mean points are its share (held as the item map
    is, dropped first where the published values contradict it)."""
    pairs = [(f, (f[0], f[1], "share_implemented")) for f in [*facts.value, *facts.hidden]
             if f[2] == "mean_points" and f[1][0] == "item"]
    pairs = [(m, s) for m, s in pairs if s in facts.value or s in facts.hidden]
    graded: dict[str, bool] = {}
    for m, s in pairs:
        if m in facts.value and s in facts.value:
            sector = dict(m[0]).get("sector", "")
            graded[sector] = graded.get(sector, False) or abs(facts.value[m] - facts.value[s]) > 1e-9
    rows: list[Row] = []
    for m, s in pairs:
        rows.append(({s: 1.0, m: -1.0}, 0.0, FIRM))  # share ≤ mean points
        rows.append(({m: 2.0, s: -1.0}, 1.0, FIRM))  # 2 · mean points − share ≤ 1
        if graded.get(dict(m[0]).get("sector", ""), True) is False:
            rows.append(({m: 1.0, s: -1.0}, None, MAP))
    return rows


def _overlap_rows(total: tuple, parts: list[tuple], w_total: float, ws: list[float]) -> list[Row]:
    """A multi-valued segmentation (a power company holding several licences is in each of their segments) against
    its total: the segments' count-weighted sum counts the D = Σ n_s − n_total companies of a second, third …
    segment again, so Σ n_s·x_s − n_total·x_total = Σ_c (m_c − 1)·y_c lies in [lo·D, hi·D] over the statistic's
    range [lo, hi] (every company is in at least one segment: a missing value is the segment 不明). With D large
    beside the hidden segments this says little; with D small it is nearly "segments add up" (docs/method.md §5.3)."""
    lo, hi = LINEAR_STATS.get(total[2], (0.0, 1.0))
    extra = sum(ws) - w_total
    eq: dict[tuple, float] = defaultdict(float)
    for p, w in zip(parts, ws, strict=True):
        eq[p] += w
    eq[total] -= w_total
    return [(dict(eq), hi * extra, FIRM), ({f: -c for f, c in eq.items()}, -lo * extra, FIRM)]


def _twin_rows(facts: _Facts) -> list[Row]:
    """Twins are equal: two cells of one place whose table's ``equal_by`` column holds the same value (★3 and ★4 rows
    of requirement 4-1-1 cite items No.113, No.117, No.118 alike, and not met is read from the cited items alone: the
    same companies fail both). A pair whose counts are both known and differ is no twin (not the same companies)."""
    rows: list[Row] = []
    for group in facts.twins:
        for a, b in zip(group, group[1:], strict=False):
            wa, wb = facts.weight.get(a, np.nan), facts.weight.get(b, np.nan)
            if wa == wa and wb == wb and abs(wa - wb) > 1e-9:
                continue
            # in companies (n·a = n·b), as the other count relations: an equality of shares met within 1e-7 sits below
            # the mixed-integer solver's own tolerance beside the whole counts n·x = c, which HiGHS then declared
            # infeasible (FY2022 〜100人, 4-1-1 at ★3 and ★4: the demo's twins came out "contradicting")
            n = wa if wa == wa else (wb if wb == wb else 1.0)
            rows.append(({a: n, b: -n}, None, FIRM))
    return rows


# the share of companies failing a row of an ``equal_by`` table (★ bottlenecks: not met, read from the cited items)
FAILING_SHARE = "share_unmet"


def _subset_rows(facts: _Facts) -> list[Row]:
    """A row whose cited items are a strict subset of another's fails no more companies than it: not met is one cited
    item neither achieved nor not applicable, so a company failing ★3 2-1-1 (No.77 No.78) fails ★4 2-1-1 (No.70 No.77
    No.78) too. In companies, per place (segment and year): n_a·a ≤ n_b·b (a count unknown: the other's, as twins)."""
    rows: list[Row] = []
    for a, b in facts.subsets:
        wa, wb = facts.weight.get(a, np.nan), facts.weight.get(b, np.nan)
        wa, wb = (wa if wa == wa else wb), (wb if wb == wb else wa)
        if wa != wa:
            wa = wb = 1.0
        rows.append(({a: wa, b: -wb}, 0.0, FIRM))
    return rows


# a members' estimate and the respondents' statistic it weights
PAIRS = {"w_mean": "mean", "w_share_reached": "share_reached", "w_share_implemented": "share_implemented"}


def _cell_estimates(facts: _Facts) -> list[Row]:
    """A segment that is one weighting cell (every respondent in it weighs the same) has its members' estimate
    equal to its respondents' value: w_mean = mean, w_share_reached = share_reached. Read from the tables as an
    intruder reads them: in a sector-year where every published pair of a segment is equal and none differs in
    any segment, every segment is taken as a cell (the safe side), and each hidden pair is tied as equal (so a
    hidden share keeps its whole count in the members' total too)."""
    equal: dict[tuple, bool] = {}
    for (where, node, stat), value in facts.value.items():
        plain = PAIRS.get(stat)
        other = facts.value.get((where, node, plain)) if plain else None
        if other is None:
            continue
        d = dict(where)
        if "segment" not in d or d["segment"] == facts.total:
            continue
        key = (d.get("sector"), d.get("year"))
        equal[key] = equal.get(key, True) and abs(value - other) < 1e-12
    rows: list[Row] = []
    for fact in [*facts.hidden, *facts.value]:
        where, node, stat = fact
        plain = PAIRS.get(stat)
        d = dict(where)
        if plain is None or d.get("segment") == facts.total or not equal.get((d.get("sector"), d.get("year"))):
            continue
        other = (where, node, plain)
        if (fact in facts.hidden or other in facts.hidden) and (other in facts.value or other in facts.hidden):
            rows.append(({fact: 1.0, other: -1.0}, None, MEMBERS))
    return rows


def _members_weights(facts: _Facts, parts: list[tuple], members: list[float]) -> list[float]:
    """Each segment's weight in a members' total, where the segments are weighting cells: its respondents behind
    the statistic (n) each stand for members ÷ respondents (the response table's ``n_on_roster``, which counts
    every respondent: one off the roster is a member who answered), so the segment weighs n · members /
    n_on_roster. An intruder who knows or recovers the ratio reads the total this way (docs/method.md §12). Where
    a segment's respondents or its n are not known, the members are kept (exact where everyone answering is
    scored)."""
    out = []
    for p, m in zip(parts, members, strict=True):
        on, n = facts.on_roster.get(p[0], np.nan), facts.weight.get(p, np.nan)
        if not (on == on and on > 0 and n == n):
            return members
        out.append(m * n / on)
    return out


# the ★ tables (pipeline/report/star_tables.py): companies not meeting a requirement, and companies by distance band
UNMET_NODE, DISTANCE_NODE = "star_unmet", "star_distance"


def _unmet_rows(facts: _Facts, k: int, ranges: dict[tuple, tuple[float, float]] | None = None) -> list[Row]:
    """The ★ bottleneck rows against the distance bands of the same segment, year and star.

    A company's distance is the number of its judged requirements it does not meet, so the companies not meeting
    each requirement, summed over the requirements (Σ_r n_r · share_unmet_r), are the companies' distances summed
    (D); a band [lo, hi] of N · share companies (N judged) holds between lo and hi of it each: Σ_b N·lo_b·y_b ≤ D ≤
    Σ_b N·hi_b·y_b. The open band 6+ reaches up to the requirements with a row in the segment (no company is
    short of more than it is judged on). A published requirement row whose base is withheld adds its possible
    counts (base n − (k − 1) … n, the share within its half-step) to the bounds; a segment whose band base is
    withheld (its bands rounded) is left out: the band counts are then not linear in the published shares.

    ``ranges``, when given, holds a hidden requirement row's interval (from the solver's first pass): the row
    then adds n · [low, high] to the bounds instead of being a variable (:func:`solve`). Without ``ranges`` a
    hidden row is a variable of the programme (what completion reads to find the cells that share a relation)."""
    from pipeline.scoring.readiness import DISTANCE_BANDS

    limits = {b: (float(b.split("–")[0].rstrip("+")), float(b.split("–")[-1]) if not b.endswith("+") else None)
              for b in DISTANCE_BANDS}
    unmet: dict[tuple, list[tuple]] = defaultdict(list)
    bands: dict[tuple, list[tuple]] = defaultdict(list)
    for fact in [*facts.value, *facts.hidden]:
        where, (framework, node), stat = fact
        if framework == UNMET_NODE and stat == "share_unmet":
            unmet[(where, node.split(":")[0])].append(fact)
        elif framework == DISTANCE_NODE and stat == "share_distance":
            star, band = node.lstrip("★").split(":")
            if band in limits:
                bands[(where, star)].append((fact, band))
    out: list[Row] = []
    for place, members in bands.items():
        reqs = unmet.get(place, [])
        weights = {facts.weight.get(f, np.nan) for f, _ in members}
        if not reqs or len(weights) != 1 or np.isnan(n_bands := weights.pop()):
            continue
        lower, upper, fixed_low, fixed_high = defaultdict(float), defaultdict(float), 0.0, 0.0
        for f in reqs:
            w = facts.weight.get(f, np.nan)
            if ranges is not None and f in ranges and not np.isnan(w):  # hidden, its interval from the first pass
                low, high = ranges[f]
                if np.isnan(low):
                    break
                fixed_low += w * low
                fixed_high += w * high
            elif ranges is not None and f in facts.hidden and f not in facts.value:
                break  # a hidden row the first pass did not bound
            elif not np.isnan(w):
                lower[f] -= w
                upper[f] += w
            elif f in facts.value and f in facts.whole:  # a rounded row with its base withheld: a range of counts
                v, slack, n = facts.value[f], facts.slack.get(f, 0.0), facts.whole[f]
                fixed_low += max(0.0, n - (k - 1)) * max(0.0, v - slack)
                fixed_high += n * min(1.0, v + slack)
            else:
                break  # a count nobody can bound: the relation is not used
        else:
            for f, band in members:
                lo, hi = limits[band]
                lower[f] += n_bands * lo
                upper[f] -= n_bands * (len(reqs) if hi is None else hi)
            out.append((dict(lower), fixed_high, FIRM))  # Σ N·lo·y − Σ n·x ≤ the withheld rows' most
            out.append((dict(upper), -fixed_low, FIRM))  # Σ n·x − Σ N·hi·y ≤ −(the withheld rows' least)
    return out


STAR_NODE, WITHIN_NODE = "star", "star_within"


def _star_rows(facts: _Facts, k: int) -> list[Row]:
    """The ★ table's ready share against the ★ tables beside it, per segment, year and star N (every hidden cell a
    variable; :func:`_propagate` solves them across groups):

    - the ready share (★N+, its mean and its share reached) is band 0 of the distances: the same companies over
      the same base (the companies judged), so they are equal; "ready after fixing at most j" is bands 0…j summed;
    - a company failing a requirement is not ready: n_r · share_unmet_r + N · ready ≤ N for each requirement r (N
      the companies judged, n_r those judged on r);
    - a company not ready fails at least one requirement: N · (1 − ready) ≤ Σ_r n_r · share_unmet_r, where every
      requirement row of the segment has a count (exact, or a range of counts where the base is withheld).

    Seven companies, five ready and two failing only R: ready ≤ 1 − 2/7 once R's two are known, and R's failing ≤ 2
    once the five ready are (docs/method.md §5.3b)."""
    from pipeline.scoring.readiness import DISTANCE_BANDS

    places: dict[tuple, dict] = defaultdict(lambda: {"ready": [], "bands": {}, "within": {}, "unmet": []})
    for fact in [*facts.value, *facts.hidden]:
        where, (framework, node), stat = fact
        if framework == STAR_NODE and node.startswith("★") and node.endswith("+") and stat in ("mean",
                                                                                                "share_reached"):
            places[(where, node[1:-1])]["ready"].append(fact)
        elif framework == DISTANCE_NODE and stat == "share_distance":
            star, band = node.lstrip("★").split(":")
            places[(where, star)]["bands"][band] = fact
        elif framework == WITHIN_NODE and stat == "share_reached":
            star, most = node.lstrip("★").split("≤")
            places[(where, star)]["within"][most] = fact
        elif framework == UNMET_NODE and stat == "share_unmet":
            places[(where, node.split(":")[0])]["unmet"].append(fact)
    out: list[Row] = []
    for place in places.values():
        ready = sorted(set(place["ready"]), key=str)
        band0 = place["bands"].get("0")
        if band0 is not None:
            ready.append(band0)
        for a, b in zip(ready, ready[1:], strict=False):  # one share under two or three names
            out.append(({a: 1.0, b: -1.0}, None, FIRM))
        for most, fact in place["within"].items():
            summed = [place["bands"].get(b) for b in DISTANCE_BANDS[: int(most) + 1]]
            if all(f is not None for f in summed):
                out.append(({fact: 1.0, **{f: -1.0 for f in summed}}, None, FIRM))
        bases = {facts.weight.get(f, np.nan) for f in ready}
        bases = {n for n in bases if n == n}
        if not ready or len(bases) != 1 or not place["unmet"]:
            continue
        n_ready = bases.pop()
        least, most, usable = {}, {}, True
        for f in place["unmet"]:
            n = facts.weight.get(f, np.nan)
            if n == n:
                least[f], most[f] = n, n
            elif f in facts.value and f in facts.whole:  # a rounded share, its base withheld: a range of counts
                v, slack, whole = facts.value[f], facts.slack.get(f, 0.0), facts.whole[f]
                least[f] = (max(0.0, whole - (k - 1)) * max(0.0, v - slack), None)
                most[f] = (whole * min(1.0, v + slack), None)
            else:
                usable = False
        for y in ready:  # each name of the ready share, so that no group waits for another to learn it
            for f, n in least.items():  # failing r ⇒ not ready
                if isinstance(n, tuple):
                    out.append(({y: n_ready}, n_ready - n[0], FIRM))
                else:
                    out.append(({f: n, y: n_ready}, n_ready, FIRM))
            if usable:  # not ready ⇒ failing some r
                coefs: dict[tuple, float] = {y: -n_ready}
                fixed = 0.0
                for f, n in most.items():
                    if isinstance(n, tuple):
                        fixed += n[0]
                    else:
                        coefs[f] = coefs.get(f, 0.0) - n
                out.append((coefs, fixed - n_ready, FIRM))
    return out


def _propagate(facts: _Facts, rows: list[Row], cross: list[Row], unknown: list[tuple], found: dict, k: int,
               whole: set, stats: SolverStats, cache: dict | None, passes: int = 4) -> dict:
    """``found`` narrowed by the ``cross`` rows, which tie cells of different groups (the ★ tables: a segment's ready
    share and each of its requirement rows). Merging the groups would make one mixed-integer programme of every split
    reason of a year's ★ tables; instead each group is solved again with the other groups' cells in a cross row
    entering by their current intervals, until no interval narrows (at most ``passes`` rounds). Each bound is one
    an intruder reaches; an intruder solving the merged programme may reach a little more (docs/method.md §5.3b)."""
    tied = {f for coefs, _, _ in cross for f in coefs if f in facts.hidden and f not in facts.value}
    groups = [(local, touching) for local, touching in _groups(rows, unknown) if tied & set(local)]
    # each group reads only the cross rows holding one of its cells (any other row gives it nothing: :func:`_bounded`),
    # in their order: every group scanning every row was most of a year's report (groups × rows, each pass)
    owner = {f: g for g, (local, _) in enumerate(groups) for f in local}
    rows_of: dict[int, list[Row]] = defaultdict(list)
    for row in cross:
        for g in sorted({owner[f] for f in row[0] if f in owner}):
            rows_of[g].append(row)
    # a group's programme is its own rows and the intervals of the other groups' cells in its cross rows: where none
    # of those moved since the group was last solved, the same programme would give the same extremes, and its own
    # cells' intervals (which only its solves change) already hold them, so it is not solved again; its solver
    # errors are counted again, as when a programme is read back from the cache
    crossing: dict[int, list[Crossing]] = {}  # a group's cross rows split once into its side and the others' cells
    outside: dict[int, set[tuple]] = {}
    moved: dict[tuple, int] = {}  # a cell → the step at which its interval last changed
    read_at: dict[int, tuple[int, int]] = {}  # a group → (the step it was last read at, its solver errors then)
    step = 0
    for _ in range(passes):
        narrowed = False
        for g, (local, touching) in enumerate(groups):
            step += 1
            if g in read_at and all(moved.get(f, 0) < read_at[g][0] for f in outside[g]):
                stats.errors += read_at[g][1]
                continue
            if g not in crossing:
                crossing[g] = [c for row in rows_of[g] if (c := _crossing(row, local, facts)) is not None]
                outside[g] = {f for c in crossing[g] for f, _ in c.others}
            errors = stats.errors
            extra = [r for c in crossing[g] for r in _bounded(c, found)]
            if not extra:
                read_at[g] = (step, 0)
                continue
            got = _solve_group(local, touching + extra, facts, k, whole, stats, cache)
            read_at[g] = (step, stats.errors - errors)
            for f, (low, high) in got.items():
                old = found.get(f, (np.nan, np.nan))
                if np.isnan(low) or np.isnan(old[0]):
                    continue  # a contradiction (or no bound before): the group's own interval stands
                new = (max(old[0], low), min(old[1], high))
                if new[0] > old[0] + 1e-9 or new[1] < old[1] - 1e-9:
                    narrowed = True
                if new != old:
                    moved[f] = step
                found[f] = new
        if not narrowed:
            break
    return found


@dataclass(frozen=True)
class Crossing:
    """A cross row as one group reads it: its cells of the group and published values (``inside``, coefficients in
    the row's order), the other groups' cells with their coefficients (``others``), its bound and firmness."""

    inside: dict
    others: list[tuple[tuple, float]]
    bound: float | None
    firm: int


def _crossing(row: Row, local: dict[tuple, int], facts: _Facts) -> Crossing | None:
    """One cross row split for one group (None where it holds no cell of the group)."""
    coefs, bound, firm = row
    inside, others = {}, []
    for f, c in coefs.items():
        if f in local or f in facts.value:
            inside[f] = c
        else:
            others.append((f, c))
    if not any(f in local for f in inside):
        return None
    return Crossing(inside, others, bound, firm)


def _bounded(row: Crossing, found: dict) -> list[Row]:
    """A cross row for one group: its cells of other groups replaced by their intervals (moved to the bound), as
    inequalities; none where a cell of another group has no interval."""
    low, high = 0.0, 0.0
    missing = (np.nan, np.nan)
    for f, c in row.others:  # min and max written out as the builtins decide (the third pass calls this ~10⁵ times)
        lo, hi = found.get(f, missing)
        if lo != lo:
            return []
        a, b = c * lo, c * hi
        low += b if b < a else a
        high += b if b > a else a
    inside, firm = row.inside, row.firm
    if row.bound is None:  # inside + outside = 0, outside in [low, high]
        return [(inside, -low, firm), ({f: -c for f, c in inside.items()}, high, firm)]
    return [(inside, row.bound - low, firm)]


def _items_of(relations: list[Relation]) -> dict[tuple[str, tuple[str, str]], int]:
    """(sector, node) → its items in the public map (a category's from its own relation or its share of its
    function's)."""
    out: dict[tuple[str, tuple[str, str]], int] = {}
    for rel in relations:
        if rel.kind != "mean" or not rel.items:
            continue
        out[(rel.sector, rel.parent)] = rel.items
        for child, w in rel.children.items():
            if child[0] != "item":
                out.setdefault((rel.sector, child), int(round(w * rel.items)))
    return out


class _Grid:
    """Each node's score grid: a node of I items, none of them not applicable in the cell (its published
    not-applicable share 0, or, for a hidden cell, its total's), scores in steps of 1 / (2 · I) (points 0, 0.5, 1);
    where some item may not apply (the share withheld or above 0), a company's score lies on the grid of its own
    count of applicable items, any of 1 … I."""

    def __init__(self, facts: _Facts, items: dict, relations: list[Relation] | None = None) -> None:
        self.facts, self.items = facts, items
        self.parents: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
        for rel in relations or []:
            if rel.kind == "mean":
                for child in rel.children:
                    self.parents[child].append(rel.parent)

    def items_of(self, fact: tuple) -> int | None:
        """The node's items where every one of them applies to every company of the cell, else None."""
        i = self.mapped(fact)
        return i if i and self.applicable(fact) else None

    def mapped(self, fact: tuple) -> int | None:
        """The node's items in the public map, whether or not each applies (None where the map does not say)."""
        where, node, _ = fact
        d = dict(where)
        return self.items.get((d.get("sector", ""), node)) or self.items.get(("", node)) or None

    def applicable(self, fact: tuple) -> bool:
        """Whether no item of the node is not applicable in the cell: its published not-applicable share is 0,
        or, for a hidden cell, the total's (then none in any segment) or a parent's over the same companies
        (its items include this node's)."""
        where, node, _ = fact
        na = self.facts.na.get(fact)
        if na is None and fact in self.facts.hidden:
            total = tuple(sorted({**dict(where), "segment": self.facts.total}.items()))
            known = [self.facts.na.get((total, node, fact[2])),
                     *[self.facts.na.get((where, parent, fact[2])) for parent in self.parents.get(node, [])]]
            return any(v == 0 for v in known if v is not None)
        return na is not None and na == 0

    def steps(self, fact: tuple, theta: float) -> tuple[float | None, float | None]:
        """The lowest score at or above θ and the highest below it that a company of the cell can have (None where
        the map does not give the node's items). Every item applicable: the steps of the I-item grid either side of
        θ. Some may not apply (its not-applicable share withheld or above 0): a company with a applicable items
        scores on the grid of a, any a of 1 … I, so the lowest of the steps at or above θ and the highest below it
        over them. A 3-item node reaching 0.9 scores 1.0 whatever its applicable items (at most 5/6 below 1), a
        5-item node may score 0.9 on 5 of 5."""
        i = self.mapped(fact)
        if i is None:
            return None, None
        counts = [i] if self.applicable(fact) else range(1, i + 1)
        ups = [np.ceil(theta * 2 * a - 1e-9) / (2 * a) for a in counts]
        return min(ups), max(up - 1 / (2 * a) for up, a in zip(ups, counts, strict=True))


def _reached_rows(facts: _Facts, grid: _Grid, where: tuple, rel: Relation) -> list[Row]:
    """"Parent reached ⇒ child reached": a company reaching θ in a parent of I_p items scores at least the
    grid's step u_p at or above θ, so it lacks at most (1 − u_p) · I_p item points, and a child of I_c items
    keeps at least L = 1 − (1 − u_p) · I_p / I_c: where L reaches the child's own step, every company
    reaching the parent reaches the child (s_child ≥ s_parent), and the child's mean is at least L · s_parent.
    A function of 4 items in eighths reaching 0.9 scores 1.0: each of its categories is 1.0 for it."""
    if not rel.items or any(c[0] == "item" for c in rel.children):
        return []
    parent_mean = (where, rel.parent, "mean")
    parent_share = (where, rel.parent, "share_reached")
    theta = facts.threshold.get(parent_mean, np.nan)
    known = set(facts.value) | set(facts.hidden)
    if np.isnan(theta) or parent_share not in known:
        return []
    if grid.items_of(parent_mean) is None:  # the shortfall below counts the parent's items: every one applicable
        return []
    up_p, _ = grid.steps(parent_mean, theta)
    out: list[Row] = []
    for child, w in rel.children.items():
        i_c = w * rel.items
        floor = 1 - (1 - up_p) * rel.items / i_c
        c_mean, c_share = (where, child, "mean"), (where, child, "share_reached")
        if floor > 0 and c_mean in known:
            out.append(({parent_share: floor, c_mean: -1.0}, 0.0, MAP))
        up_c, _ = grid.steps(c_mean, facts.threshold.get(c_mean, theta))
        if c_share in known and up_c is not None and floor >= up_c - 1e-12:
            out.append(({parent_share: 1.0, c_share: -1.0}, 0.0, MAP))
    return out


def _shortfall_rows(facts: _Facts, grid: _Grid, where: tuple, nodes: dict, rel: Relation) -> list[Row]:
    """The headline score (and its published quantiles) against a function of the same companies: a
    company's shortfall in the function's I_f items is part of its shortfall over the form's items, so with
    w = I_f / items, mean_f ≥ 1 − (1 − mean) / w and mean_f ≤ mean / w; a quantile v with c of the n
    companies at or above it gives mean_f ≥ (c / n) · (1 − (1 − v) / w), and one with c' at or below it
    mean_f ≤ (c' / n) · min(1, v / w) + 1 − c' / n. Only where the function has no item not applicable."""
    out: list[Row] = []
    overall = nodes.get(rel.parent)
    for child, w in rel.children.items():
        f = nodes.get(child)
        if f is None or not grid.applicable(f) or w <= 0:
            continue
        if overall is not None:
            out.append(({f: -1.0, overall: 1 / w}, 1 / w - 1, MAP))
            out.append(({f: 1.0, overall: -1 / w}, 0.0, MAP))
        for q, (v, n) in facts.quantiles.get((where, rel.parent), {}).items():
            j = int(np.floor(q * (n - 1)))  # linear interpolation: p_q lies between the j-th and (j+1)-th scores
            above, below = (n - 1 - j) / n, (j + 1) / n
            out.append(({f: -1.0}, -above * max(0.0, 1 - (1 - v) / w), MAP))
            out.append(({f: 1.0}, below * min(1.0, v / w) + 1 - below, MAP))
    return out


def solve(tables: list[PublishedTable], hidden: pd.DataFrame, k: int, relations: list[Relation] | None = None,
          min_width: float = MIN_WIDTH, stats: SolverStats | None = None, reuse: bool | None = None
          ) -> list[Interval]:
    """For each hidden linear statistic, the tightest interval the published tables allow (see the module).
    ``stats``, when given, counts the programmes solved (for the benchmark and the report's log). ``reuse``: read
    a programme completion solved already from the cache (default: only without ``stats``, so that a benchmark's
    counts are of programmes all solved; the audit passes True, and its solver errors are counted all the same).

    Two passes: every group first; then the groups of the ★ distance bands again with the bottleneck rows of
    their segment (:func:`_unmet_rows`), a hidden bottleneck row entering with its interval from the first pass,
    so that the bands' groups do not merge with every bottleneck row of the year (a mixed-integer programme of
    hundreds of reasons)."""
    facts, adds_up = collect(tables, hidden)
    # counted programmes (the benchmark's) are all solved; otherwise a programme completion solved is reused
    reuse = stats is None if reuse is None else reuse
    return _solve(facts, equations(facts, adds_up, relations or [], k, unmet=False), k, min_width, stats,
                  cache=_SOLVED if reuse else None)


def _solve(facts: _Facts, rows: list[Row], k: int, min_width: float, stats: SolverStats | None = None,
           cache: dict | None = None) -> list[Interval]:
    """:func:`solve` on facts and relations already gathered (``rows`` without the bottleneck↔band relation,
    which the second pass adds). ``cache``, when given, holds each group's programme (its matrices, bounds,
    reasons and counts, exactly) → extremes across calls: completion solves again after hiding a few cells, and
    the groups those cells do not touch give the same programme."""
    unknown = facts.unknown()
    stats = stats if stats is not None else SolverStats()
    binary, whole = _binary_nodes(facts), _binary_nodes(facts, strict=True)
    found: dict[tuple, tuple[float, float]] = {}
    for local, touching in _groups(rows, unknown):
        found.update(_solve_group(local, touching, facts, k, whole, stats, cache))
    ranges = {f: found[f] for f in unknown if f[1][0] == UNMET_NODE and f in found}
    again = _unmet_rows(facts, k, ranges)
    if again:
        tied = {f for coefs, _, _ in again for f in coefs if f in facts.hidden}
        for local, touching in _groups(rows + again, unknown):
            if tied & set(local):
                found.update(_solve_group(local, touching, facts, k, whole, stats, cache))
    cross = _star_rows(facts, k)  # the ★ table's ready share against the bands and requirement rows: third pass
    if cross:
        found = _propagate(facts, rows + again, cross, unknown, found, k, whole, stats, cache)
    out: list[Interval] = []
    for fact in unknown:
        if fact[2] in INTERNAL:
            continue
        low, high = found[fact]
        table, cell, reason = facts.hidden[fact]
        n = facts.weight.get(fact, np.nan)
        required = min_width
        # the mean of 0/1 scores is a share, and so is its members' estimate (w_mean of ★ ready equals its
        # w_share_reached, and its mean where the segment is one weighting cell): one width for one number
        counted = fact[2] in SHARES or fact[2] in ("mean", "w_mean") and (dict(fact[0]).get("sector", ""),
                                                                         fact[1]) in binary
        if n == n and n >= k and (reason == "split" or counted):
            required = min(1.0, (k - 1) / n)  # a count: at least k of its values stay possible
        required = min(required, LINEAR_STATS[fact[2]][1] - LINEAR_STATS[fact[2]][0])
        if fact in facts.band:  # a band: the intruder must learn nothing inside it
            required = facts.band[fact][1] - facts.band[fact][0]
        out.append(Interval(table, cell, fact[2], reason, n, low, high, required, fact))
    return out


def _groups(rows: list[Row], unknown: list[tuple]) -> list[tuple[dict[tuple, int], list[Row]]]:
    """The connected groups of unknowns (a programme per group stays small): each as its facts → their index in
    the group, with the rows touching it."""
    index = {f: i for i, f in enumerate(unknown)}
    parent = list(range(len(unknown)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    firsts = []  # each row's first unknown (or -1), read once for the unions and for the rows' groups
    for coefs, _, _ in rows:
        ids = [index[f] for f in coefs if f in index]
        firsts.append(ids[0] if ids else -1)
        for a in ids[1:]:
            parent[find(a)] = find(ids[0])
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(unknown)):
        members[find(i)].append(i)
    touching: dict[int, list[Row]] = defaultdict(list)
    for row, first in zip(rows, firsts, strict=True):
        if first >= 0:
            touching[find(first)].append(row)
    return [({unknown[i]: j for j, i in enumerate(ids)}, touching.get(root, [])) for root, ids in members.items()]


def _solve_group(local: dict[tuple, int], touching: list[Row], facts: _Facts, k: int, whole: set,
                 stats: SolverStats, cache: dict | None = None) -> dict[tuple, tuple[float, float]]:
    """One group's extremes, every reason and whole count taken together (:func:`_joint`); the loosest kind of
    relation is dropped first where the published values contradict the group's rows."""
    bounds = [facts.band.get(f, LINEAR_STATS[f[2]]) for f in local]
    reasons, counts = _branches(facts, local, k), _integers(facts, local, whole)
    for firmness in (MEMBERS, MAP, FIRM):  # a relation the published values break does not describe these cells
        a, b = _system(touching, local, facts, firmness)
        lows, highs = _joint_cached(a, b, bounds, reasons, counts, stats, cache)
        if not np.isnan(lows).any():
            break
    return {fact: (lows[j], highs[j]) for fact, j in local.items()}


class _Solved(dict):
    """Programme → extremes (and its solver errors), shared by every completion round and the audit of one report
    process (the audit solves the published tables once more: the programmes completion's last round solved).
    Emptied when it holds more than :data:`_SOLVED_BYTES` of matrices."""

    size = 0

    def __setitem__(self, key: tuple, value: tuple[np.ndarray, np.ndarray, int]) -> None:
        weight = len(key[0][1]) if key[0] is not None else 0
        if self.size + weight > _SOLVED_BYTES:
            self.clear()
            self.size = 0
        self.size += weight
        super().__setitem__(key, value)


_SOLVED_BYTES = 64 * 2**20
_SOLVED = _Solved()


def _joint_cached(a_ub, b_ub, bounds: list[tuple[float, float]], reasons: list[tuple[int, float]],
                  counts: list[tuple[int, float]], stats: SolverStats, cache: dict | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_joint`, looked up in ``cache`` by the programme's exact numbers (a copy: callers keep theirs)."""
    if cache is None:
        return _joint(a_ub, b_ub, bounds, reasons, counts, stats)
    key = (None if a_ub is None else (a_ub.shape, a_ub.tobytes(), b_ub.tobytes()), tuple(bounds), tuple(reasons),
           tuple(counts))
    if key not in cache:
        before = stats.errors
        cache[key] = (*_joint(a_ub, b_ub, bounds, reasons, counts, stats), stats.errors - before)
    else:
        stats.errors += cache[key][2]  # the programme's solver errors, counted wherever its extremes are read
    lows, highs = cache[key][:2]
    return lows.copy(), highs.copy()


def _system(rows: list[Row], local: dict[tuple, int], facts: _Facts, firmness: int = MEMBERS
            ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The rows touching one group as A·x ≤ b (an equality as two rows, met within the tolerance), those
    at most as loose as ``firmness``."""
    a_ub, b_ub = [], []
    for coefs, bound, loose in rows:
        if loose > firmness:
            continue
        row = np.zeros(len(local))
        const = slack = 0.0
        for f, c in coefs.items():
            if f in local:
                row[local[f]] += c
            elif f in facts.value:
                const += c * facts.value[f]
                slack += abs(c) * facts.slack.get(f, 0.0)
            else:
                break  # a fact neither published nor hidden here: the relation cannot be used
        else:
            tol = TOLERANCE * max(1.0, float(np.abs(row).max())) + slack  # a rounded value adds its half-step
            if bound is None:  # row·x + const = 0
                a_ub += [row, -row]
                b_ub += [-const + tol, const + tol]
            else:
                a_ub.append(row)
                b_ub.append(bound - const + tol)
    return (np.array(a_ub), np.array(b_ub)) if a_ub else (None, None)


def _binary_nodes(facts: _Facts, strict: bool = False) -> set[tuple[str, tuple[str, str]]]:
    """A sector's nodes scored 0/1 (★ ready, LvN+, a one-item node answered yes/no): wherever published,
    their mean equals their share reached, so the mean is that share (a count) and is held to a count's
    width. ``strict``: only where some published cell has them equal strictly between 0 and 1 (a node seen
    only at 1.0 and 1.0 may be graded): the solver then takes the mean as a whole count too."""
    same: dict[tuple[str, tuple[str, str]], bool] = {}
    inside: set[tuple[str, tuple[str, str]]] = set()
    for (where, node, stat), value in facts.value.items():
        if stat == "mean" and (where, node, "share_reached") in facts.value:
            equal = abs(value - facts.value[(where, node, "share_reached")]) < 1e-12
            key = (dict(where).get("sector", ""), node)
            same[key] = same.get(key, True) and equal
            if equal and 1e-9 < value < 1 - 1e-9:
                inside.add(key)
    return {key for key, eq in same.items() if eq and (key in inside or not strict)}


@dataclass
class SolverStats:
    """What the solver did: programmes solved, and the mixed-integer ones among them (and any that hit the cap).

    ``errors``: programmes HiGHS failed on even when solved again without presolve (:func:`_solved`). A failed
    linear extreme leaves its cell at its bound (wider than the intruder's interval: a recoverable cell may pass); a
    failed mixed-integer extreme at the best point seen (narrower: the safe side, but resting on a programme nobody
    solved). The audit and the report's check print their count.
    Counted again where a programme's extremes are reused from the cache, so the report's check and a replay of
    its audit count the same."""

    lp: int = 0
    milp: int = 0
    capped: int = 0
    errors: int = 0  # solve errors that a retry without presolve did not clear (read as no point found)
    groups: int = 0
    joint_groups: int = 0


# One mixed-integer programme (per hidden statistic and direction) stops after this many branch-and-bound nodes
# and keeps the best solution found: for a minimum that is at or above the true one, so the interval reported is
# at most as wide as the intruder's (the safe side); a component whose programme found no solution within the
# cap is reported as unknown. A count of nodes, not seconds: a cap in seconds makes what a report hides depend
# on how busy the machine is (the same store gave a complete report on an idle machine and a refused one under
# load), and a report must be the same for the same store. The demo's programmes need at most about 700 nodes.
MILP_NODES = 5000


# the share a split divides, in the order a cell holding several is read: the split reason belongs to it
SPLIT_SHARES = ("share_reached", "share_implemented", "response_rate", "share_improved", "share_worsened",
                "share_band", "share_unmet", "share_distance")


def _cells_with_a_share(facts: _Facts) -> set[tuple]:
    """(where, node) of every hidden cell holding one of :data:`SPLIT_SHARES`, over all groups (read by every
    group's programme: gathered once per set of facts)."""
    if facts.with_a_share is None:
        facts.with_a_share = {(f[0], f[1]) for f in facts.hidden if f[2] in SPLIT_SHARES}
    return facts.with_a_share


def _branches(facts: _Facts, local: dict[tuple, int], k: int) -> list[tuple[int, float]]:
    """What the reason for hiding tells (the intruder is assumed to know each cell's reason, the safe side):
    a cell hidden for a split has its share within e = (k − 1)/n of 0 or of 1 (fewer than k companies on one
    side); a cell hidden as uniform has its mean (or share) at exactly 0 or 1 (e = 0). One (variable, e) per
    such cell: a disjunction, x ∈ [0, e] ∪ [1 − e, 1], which :func:`_joint` takes together with every other."""
    cells: dict[tuple, list[tuple]] = defaultdict(list)
    for fact in local:
        cells[(fact[0], fact[1])].append(fact)
    out = []
    shared = _cells_with_a_share(facts)
    for where, members in cells.items():
        reason = facts.hidden[members[0]][2]
        if reason not in ("split", "uniform"):
            continue
        stats = {f[2]: f for f in members}
        target = next((stats[s] for s in SPLIT_SHARES if s in stats), None)
        # a mean takes the reason where the cell has no share (the headline score), or where it is uniform (the
        # mean itself is 0 or 1); a split cell's share in another group keeps its split there, off this mean (a ★
        # row hidden for its ready share, its split put on its mean, could read [0.97, 1] for a mean of 0.35)
        if target is None and (reason == "uniform" or where not in shared):
            target = stats.get("mean")
        n = facts.weight.get(target, np.nan) if target is not None else np.nan
        if target is None or reason == "split" and not n > 0:
            continue
        out.append((local[target], min(1.0, (k - 1) / n) if reason == "split" else 0.0))
    return out


def _integers(facts: _Facts, local: dict[tuple, int], binary: set) -> list[tuple[int, float]]:
    """Hidden statistics that are counts over a known whole: a share of n companies (a response rate of its
    roster) is c / n with c whole, and so is the mean of 0/1 scores. One (variable, n) per such statistic: an
    intruder with integer programming gains up to one company from it."""
    out = []
    for fact, j in local.items():
        n = facts.weight.get(fact, np.nan)
        if not (n == n and n >= 1 and float(n).is_integer()) or fact[2] in WEIGHTED:
            continue
        if fact[2] in SHARES or fact[2] == "mean" and (dict(fact[0]).get("sector", ""), fact[1]) in binary:
            out.append((j, float(n)))
    return out


def _joint(a_ub, b_ub, bounds: list[tuple[float, float]], reasons: list[tuple[int, float]],
           counts: list[tuple[int, float]], stats: SolverStats) -> tuple[np.ndarray, np.ndarray]:
    """The extremes of every variable with all reasons and whole counts of the group taken together, as an
    intruder with a mixed-integer programme takes them: a binary z per reason (x ≤ e + (1 − e)·z and
    x ≥ (1 − e)·z: z = 0 puts x in [0, e], z = 1 in [1 − e, 1]) and an integer c per count (n·x = c).

    The linear relaxation is solved first (its extremes bound the integer ones from outside); a variable's
    extreme is taken from it where some solution found so far that meets every reason and count reaches it,
    and is otherwise solved as a mixed-integer programme (HiGHS, :data:`MILP_NODES` nodes each). Each programme
    is one HiGHS model solved again per objective (:class:`~pipeline.publish.programmes.Programme`)."""
    stats.groups += 1
    size = len(bounds)
    with _quiet_solver():
        relaxation = None if a_ub is None else _relaxation(a_ub, b_ub, bounds)
        if not reasons and not counts:
            stats.lp += 2 * size
            return _extremes(relaxation, bounds, stats)
        stats.joint_groups += 1
        lows, highs = _extremes(relaxation, bounds, stats, keep := [])
        stats.lp += 2 * size
        if np.isnan(lows).any():
            return lows, highs
        # a reason no branch of which the published tables allow was another side of the split (respondents off
        # the member list beside a response rate): it says nothing of this share, and is dropped (as is every
        # reason, should the rest still contradict each other: the counts and relations alone remain)
        for attempt in (reasons, _possible(relaxation, bounds, reasons, stats), []):
            found = _integer_programme(a_ub, b_ub, bounds, attempt, counts, lows, highs, keep, stats)
            if found is not None:
                return found
    return np.full(size, np.nan), np.full(size, np.nan)


def _relaxation(a_ub: np.ndarray, b_ub: np.ndarray, bounds: list[tuple[float, float]]) -> Programme:
    """The group's relations as one linear programme (every extreme and feasibility check solves it again)."""
    return Programme(a_ub, b_ub, np.array([b[0] for b in bounds], dtype=float),
                     np.array([b[1] for b in bounds], dtype=float))


def _possible(relaxation: Programme | None, bounds: list[tuple[float, float]], reasons: list[tuple[int, float]],
              stats: SolverStats) -> list[tuple[int, float]]:
    """The reasons one of whose branches the relations allow, each taken alone."""
    out = []
    zero = np.zeros(len(bounds))
    for j, e in reasons:
        for lo, hi in ((0.0, e), (1.0 - e, 1.0)):
            low, high = max(lo, bounds[j][0]), min(hi, bounds[j][1])
            stats.lp += 1
            if low > high + 1e-12:
                continue
            if relaxation is None:
                out.append((j, e))
                break
            relaxation.bounds(j, low, high)
            status = _solved(relaxation, zero, stats).status
            relaxation.bounds(j, *bounds[j])
            if status != INFEASIBLE:
                out.append((j, e))
                break
    return out


def _integer_programme(a_ub, b_ub, bounds: list[tuple[float, float]], reasons: list[tuple[int, float]],
                       counts: list[tuple[int, float]], lows: np.ndarray, highs: np.ndarray, keep: list,
                       stats: SolverStats) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`_joint` with these reasons: the extremes, or None where the reasons and counts cannot all hold."""
    size = len(bounds)
    nz, nc = len(reasons), len(counts)
    width = size + nz + nc
    rows, rhs = [], []
    if a_ub is not None:
        rows.append(np.hstack([a_ub, np.zeros((a_ub.shape[0], nz + nc))]))
        rhs.append(b_ub)
    for i, (j, e) in enumerate(reasons):
        up, down = np.zeros(width), np.zeros(width)
        up[j], up[size + i] = 1.0, -(1 - e)  # x − (1 − e)·z ≤ e
        down[j], down[size + i] = -1.0, 1 - e  # (1 − e)·z − x ≤ 0
        rows += [up[None, :], down[None, :]]
        rhs.append(np.array([e + TOLERANCE, TOLERANCE]))
    for i, (j, n) in enumerate(counts):
        row = np.zeros(width)
        row[j], row[size + nz + i] = n, -1.0  # n·x − c = 0, within the published values' tolerance
        rows += [row[None, :], -row[None, :]]
        rhs.append(np.full(2, 1e-6 * max(1.0, n)))
    a = np.vstack(rows)
    b = np.concatenate(rhs)
    lo = [b_[0] for b_ in bounds] + [0.0] * nz + [np.floor(n * bounds[j][0] - 1e-6) for j, n in counts]
    hi = [b_[1] for b_ in bounds] + [1.0] * nz + [np.ceil(n * bounds[j][1] + 1e-6) for j, n in counts]
    integrality = np.r_[np.zeros(size), np.ones(nz + nc)]

    def meets(x: np.ndarray) -> bool:  # a point of the relaxation that is also a point of the integer programme
        return (all(x[j] <= e + 1e-7 or x[j] >= 1 - e - 1e-7 for j, e in reasons)
                and all(abs(n * x[j] - round(n * x[j])) <= 1e-6 * max(1.0, n) for j, n in counts))

    reached_low, reached_high = np.full(size, np.inf), np.full(size, -np.inf)

    def note(x: np.ndarray) -> None:
        np.minimum(reached_low, x[:size], out=reached_low)
        np.maximum(reached_high, x[:size], out=reached_high)

    for x in keep:
        if meets(x):
            note(x)
    programme = Programme(a, b, np.array(lo, dtype=float), np.array(hi, dtype=float), integrality,
                          {"mip_max_nodes": MILP_NODES})
    if not np.isfinite(reached_low).all():  # no point of the relaxation meets every reason and count yet
        first = _solved(programme, np.zeros(width), stats)
        stats.milp += 1
        if first.status == INFEASIBLE:
            return None
        if first.x is not None:
            note(first.x)
    programme.highs.setOptionValue("mip_rel_gap", 1e-9)
    found = _integer_extremes(programme, lows, highs, reached_low, reached_high, note, width, stats)
    return None if np.isnan(found[0]).any() else found


def _solved(programme: Programme, c: np.ndarray, stats: SolverStats) -> Outcome:
    """One programme, solved again without presolve where HiGHS reports a solve error (scipy's status 4 with no
    point). Such an error says nothing of the programme, and whether HiGHS hits one depends on the order of the
    variables (the ★ tables' rows in another order): read as "no solution within the cap", its best point seen would
    make a cell's interval narrower than the intruder's in one row order and not in another. A mixed-integer
    programme still failing is solved once more with a tighter MIP feasibility tolerance (HiGHS refused its own
    optimum a hair outside its tolerance: :meth:`~pipeline.publish.programmes.Programme.tightened`). An error that
    survives the tries is counted (``stats.errors``); the caller reads it as before (no point found)."""
    res = programme.minimise(c)
    if res.x is None and res.status == SOLVE_ERROR:
        res = programme.without_presolve(c)
    if res.x is None and res.status == SOLVE_ERROR and programme.mip:
        res = programme.tightened(c)
    if res.x is None and res.status == SOLVE_ERROR:
        stats.errors += 1
    return res


# scipy's status for HiGHS failing inside its own presolve/postsolve (no solution, no verdict on the programme)
SOLVE_ERROR = ERROR


def _integer_extremes(programme: Programme, lows: np.ndarray, highs: np.ndarray, reached_low: np.ndarray,
                      reached_high: np.ndarray, note, width: int, stats: SolverStats
                      ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_joint`'s mixed-integer programmes, one per variable and direction not already settled."""
    size = len(lows)
    out_low, out_high = lows.copy(), highs.copy()
    for j in range(size):
        for sign in (1.0, -1.0):
            relaxed = lows[j] if sign > 0 else highs[j]
            reached = reached_low[j] if sign > 0 else reached_high[j]
            if abs(reached - relaxed) <= 1e-9:
                continue  # the relaxation's extreme is met by a point of the integer programme: it is the extreme
            c = np.zeros(width)
            c[j] = sign
            res = _solved(programme, c, stats)
            stats.milp += 1
            if res.status == LIMIT:
                stats.capped += 1
            if res.x is None:
                if res.status == INFEASIBLE:  # the reasons cannot all hold with these relations
                    return np.full(size, np.nan), np.full(size, np.nan)
                if np.isfinite(reached):  # capped without a solution: the best point seen (narrower, the safe side)
                    (out_low if sign > 0 else out_high)[j] = reached
                    continue
                return np.full(size, np.nan), np.full(size, np.nan)
            note(res.x)
            (out_low if sign > 0 else out_high)[j] = res.x[j]
    return out_low, out_high


def _extremes(relaxation: Programme | None, bounds: list[tuple[float, float]], stats: SolverStats,
              keep: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Minimise and maximise every variable; with no constraint each lies anywhere in its bounds. ``keep``,
    when given, receives every solution (points of the relaxation :func:`_joint` may reuse)."""
    size = len(bounds)
    lows = np.array([b[0] for b in bounds], dtype=float)
    highs = np.array([b[1] for b in bounds], dtype=float)
    if relaxation is None:
        return lows, highs
    for j in range(size):
        for sign, store in ((1.0, lows), (-1.0, highs)):
            c = np.zeros(size)
            c[j] = sign
            res = _solved(relaxation, c, stats)
            if res.status == OPTIMAL:
                store[j] = res.x[j]
                if keep is not None:
                    keep.append(res.x)
            elif res.status == INFEASIBLE:  # a relation assumed here does not hold for these tables
                return np.full(size, np.nan), np.full(size, np.nan)
    return lows, highs


def complete(frames: list[tuple[str, pd.DataFrame, TableSpec]], k: int, relations: list[Relation] | None = None,
             min_width: float = MIN_WIDTH, rounds: int = 60,
             keep: Callable[[str, pd.Series], int] | None = None) -> list[pd.DataFrame]:
    """Hide more cells until the solver leaves every hidden cell at least ``min_width``: the suppression of
    tables tied by public relations (a function and its categories, a category and its items, a total and
    its segments across tables), done together and before anything is drawn.

    ``frames`` are protected tables (with ``suppressed`` and the working count column) with their specs
    and names. For each cell still too narrow, the published cell that shares a relation with it and rests
    on the fewest companies is hidden ('complementary') — a segment before a total, a finer node before a
    coarser one — and the solver runs again. ``keep(name, row)``, when given, ranks rows completion should spare:
    0 free, 1 chosen only where no free cell shares a relation with the narrow one (a cell whose status another
    table settles), 2 read but never chosen (a table protected already, passed as context: the ★ bottleneck rows
    beside the distance bands). Returns the frames in the same order."""
    work = {name: (frame.copy(), spec) for name, frame, spec in frames}
    failing: list[Interval] = []
    cache = _SOLVED  # a group no cell hidden this round touches is the same programme: solved once
    for _ in range(rounds):
        tables = [PublishedTable(name, name, f, list(f.columns), spec=spec) for name, (f, spec) in work.items()]
        hidden = hidden_cells(tables)
        facts, adds_up = collect(tables, hidden)
        # one cell in several tables (breakdowns of a sector share their totals): hidden in one, hidden in all
        # (each row's status read once per round, not looked up per fact)
        shut = {name: dict(zip(f.index, map(_is_hidden, f["suppressed"].to_numpy()), strict=True))
                for name, (f, _) in work.items() if "suppressed" in f}
        mixed = [f for f, rows in facts.rows.items() if len({shut[name][index] for name, index in rows}) > 1]
        # twins (equal by their table's ``equal_by``: :func:`_twin_rows`) are one number: hidden in one, hidden in all
        mixed += [f for group in facts.twins
                  if len({shut[name][index] for g in group for name, index in facts.rows[g]}) > 1 for f in group]
        if mixed:
            for fact in mixed:
                for name, index in facts.rows[fact]:
                    frame, spec = work[name]
                    if not _is_hidden(frame.at[index, "suppressed"]):
                        work[name] = (hide_row(frame, index, spec), spec)
            continue
        rows = equations(facts, adds_up, relations or [], k, unmet=False)
        # the cells sharing a relation: the bottleneck↔band relation with every hidden row a variable
        eqs = ([coefs for coefs, _, _ in rows] + [coefs for coefs, _, _ in _unmet_rows(facts, k)]
               + [coefs for coefs, _, _ in _star_rows(facts, k)])
        failing = [iv for iv in _solve(facts, rows, k, min_width, cache=cache) if iv.fails or np.isnan(iv.low)]
        total = _total_of(tables)
        if not failing:
            break
        # a band is published only if it narrows nothing: any band tied to a failing cell goes back to hidden first
        banded = {f for iv in failing for eq in eqs if iv.fact in eq for f in eq if f in facts.band}
        banded |= {iv.fact for iv in failing if iv.fact in facts.band}
        if banded:
            for fact in banded:
                for name, index in facts.rows[fact]:
                    frame, spec = work[name]
                    frame = frame.copy()
                    frame.loc[index, BAND_COLUMN] = ""
                    work[name] = (frame, spec)
            continue
        chosen: set[tuple] = set()
        for iv in failing:
            near = [eq for eq in eqs if iv.fact in eq]
            if any(f in chosen for eq in near for f in eq):
                continue  # a cell hidden this round already loosens a relation of this one: solve again first
            # the published cells sharing a relation with it, else any published cell of its connected group
            options = (_free({f for eq in near for f in eq if f in facts.value and f != ONE}, facts, work, keep)
                       or _free(_reachable(iv.fact, eqs, facts), facts, work, keep)
                       or _free({f for eq in near for f in eq if f in facts.value and f != ONE}, facts, work, keep, 2))
            if not options:
                raise IncompleteProtection(_stuck(iv, "no published cell shares a relation with it"))
            pick = min(options, key=lambda f: (dict(f[0]).get("segment") == total,
                                               facts.weight.get(f, np.inf), -len(f[1][1]), str(f)))
            chosen.add(pick)
        for fact in chosen:
            for name, index in facts.rows[fact]:
                frame, spec = work[name]
                work[name] = (hide_row(frame, index, spec), spec)
    else:
        if failing:
            raise IncompleteProtection(_stuck(failing[0], f"it is still too narrow after {rounds} rounds"))
        raise IncompleteProtection(f"disclosure completion did not settle in {rounds} rounds (tables "
                                   f"{', '.join(work)}); no table is published (docs/method.md §5.3)")
    return [work[name][0] for name, _, _ in frames]


@contextmanager
def _quiet_solver():
    """HiGHS's mixed-integer code can print a line of its own debugging straight to the process's standard
    output (not through Python), which would land in a report notebook's output: it goes to the null device
    while the programmes run."""
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):  # no file descriptor 1 to guard
        yield
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(null)


class IncompleteProtection(RuntimeError):
    """Completion cannot give a hidden cell its width: the report must not be published as it stands."""


def _stuck(iv: Interval, why: str) -> str:
    """The message a report refuses with: the table and cell, what an intruder reaches, and why nothing more
    was hidden."""
    bounds = "unknown bounds" if np.isnan(iv.low) else f"[{iv.low:.4f}, {iv.high:.4f}]"
    return (f"disclosure completion failed: {iv.table} [{iv.cell}] {iv.statistic} ({iv.reason}) is bounded to "
            f"{bounds} where {iv.required:.4f} must stay, and {why}; no table is published "
            "(docs/method.md §5.3)")


def _free(found: set[tuple], facts: _Facts, work: dict, keep: Callable[[str, pd.Series], int] | None,
          below: int = 1) -> set[tuple]:
    """The cells of ``found`` completion may hide: those with some row ``keep`` ranks below ``below`` (0: free, 1: only
    where nothing else shares a relation with the narrow cell, 2: never)."""
    if keep is None:
        return found
    return {f for f in found if any(keep(name, work[name][0].loc[index]) < below for name, index in facts.rows[f])}


def _reachable(fact: tuple, eqs: list[dict], facts: _Facts) -> set[tuple]:
    """The published cells of the relations that reach ``fact`` through hidden cells (its connected group)."""
    holding: dict[tuple, list[int]] = defaultdict(list)  # each cell → the relations it is in
    for i, eq in enumerate(eqs):
        for f in eq:
            holding[f].append(i)
    unknown, options, seen = {fact}, set(), set()
    todo = [fact]
    while todo:  # each hidden cell reached is followed once through every relation it is in
        for i in holding.get(todo.pop(), ()):
            if i in seen:
                continue
            seen.add(i)
            for f in eqs[i]:
                if f in facts.value:
                    options.add(f)
                elif f not in unknown:
                    unknown.add(f)
                    todo.append(f)
    options.discard(ONE)
    return options


def _is_hidden(reason: object) -> bool:
    return isinstance(reason, str) and reason != ""


def _total_of(tables: list[PublishedTable]) -> str:
    return next((t.spec.total for t in tables if t.spec and t.spec.total), "*")


def hide_row(frame: pd.DataFrame, index: object | list, spec: TableSpec) -> pd.DataFrame:
    """Hide one row (or a list of rows, at once) as complementary suppression does, and every change that reads
    its value."""
    from pipeline.scoring.disclosure import STAT_COLUMNS

    out = frame.copy()
    rows = list(index) if isinstance(index, list | pd.Index | np.ndarray) else [index]
    if not rows:
        return out
    counts = {c for v in spec.counts.values() for c in ([v] if isinstance(v, str) else v)}
    stats = [c for c in [*STAT_COLUMNS, *spec.counts] if c in out.columns and c not in counts]
    out.loc[rows, list(dict.fromkeys(stats))] = np.nan
    # the open counts (respondents) keep their value: their own rule has hidden them where needed
    out.loc[rows, [c for c in counts if c in out.columns and c not in spec.open_counts]] = np.nan
    out.loc[rows, "suppressed"] = "complementary"
    if BAND_COLUMN in out.columns:  # a cell hidden to protect others is never published as a band
        out.loc[rows, BAND_COLUMN] = ""
    for change, (_, previous) in spec.changes.items():
        if change not in out or previous not in out:
            continue
        out.loc[rows, change] = np.nan
        # each key column read as text, and the previous years as numbers, once for all rows (only ``change`` is
        # written below, and it is never a key: a row's next year is the one whose previous year is its year)
        keys = [c for c in [*spec.keys, *([spec.segment] if spec.segment else [])] if c != "year" and c in out]
        text = {c: out[c].astype(str) for c in keys}
        previous_year = pd.to_numeric(out[previous], errors="coerce")
        later = pd.Series(False, index=out.index)
        for row in rows:
            same = previous_year.eq(pd.to_numeric(out.at[row, "year"]))
            for c in keys:
                same &= text[c].eq(str(out.at[row, c]))
            later |= same
        out.loc[later, change] = np.nan
    return out

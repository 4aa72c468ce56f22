"""The intruder's best bounds on every hidden cell: one linear programme over everything a report publishes.

An intruder holding the published tables knows many exact linear relations between cells:

- **segment ⊂ total**: where a segmentation adds up (each company in one segment), the total's mean is the
  count-weighted mean of its segments' means (and the same for every share);
- **item ⊂ category ⊂ function ⊂ overall**: where the public item → node map splits a node's items among
  its children and no item is not applicable (``na_share`` 0), a node's mean is the item-count-weighted
  mean of its children's (e.g. RC = (1·RC.RP + 3·RC.CO) / 4), and a category's is the mean of its items'
  ``mean_points``;
- **mean ↔ share reached** in one cell: with s of the companies at or above the threshold θ and the rest
  below it, θ·s ≤ mean ≤ s + (1 − s)·θ;
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

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.publish.model import PublishedTable, TableSpec
from pipeline.scoring.disclosure import MIN_WIDTH

# Statistics that are means over the companies behind a cell (count-weighted across segments) and may be
# related linearly; the value is their range.
LINEAR_STATS: dict[str, tuple[float, float]] = {
    "mean": (0.0, 1.0), "share_reached": (0.0, 1.0), "share_implemented": (0.0, 1.0), "mean_points": (0.0, 1.0),
    "response_rate": (0.0, 1.0), "share_improved": (0.0, 1.0), "share_worsened": (0.0, 1.0),
    "share_band": (0.0, 1.0), "mean_change": (-1.0, 1.0), "share_unmet": (0.0, 1.0), "share_distance": (0.0, 1.0)}
SHARES = {"share_reached", "share_implemented", "response_rate", "share_improved", "share_worsened", "share_band",
          "share_unmet", "share_distance"}
WEIGHTS = {"response_rate": "roster_n"}  # a share whose total weights segments by another count than its n
TOLERANCE = 1e-7  # published floats are exact to ~1e-16; equations are met within this


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

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def fails(self) -> bool:
        return self.width < self.required - 1e-9


@dataclass
class Relation:
    """parent = Σ weight · child over one node hierarchy (weights sum to 1: items per child / items of parent).

    ``parent`` and the children are (framework, node_id); a child ``("item", item_id)`` is an item's
    ``mean_points``."""

    parent: tuple[str, str]
    children: dict[tuple[str, str], float]
    sector: str = ""  # the sector whose item map gives it ('' : any)

    def to_json(self) -> dict:
        return {"parent": list(self.parent), "children": [[f, n, w] for (f, n), w in self.children.items()],
                "sector": self.sector}

    @classmethod
    def from_json(cls, data: dict) -> Relation:
        return cls(tuple(data["parent"]), {(f, n): float(w) for f, n, w in data["children"]},
                   data.get("sector", ""))


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
            out.append(Relation((fw, node), {("item", i): 1 / len(its) for i in sorted(its)}, sector))
        elif level == "function" and its:
            cats = [(c, items[(fw, c)]) for (f, c), lv in level_of.items()
                    if f == fw and lv == "category" and c.split(".")[0] == node and (fw, c) in items]
            covered = [i for _, s in cats for i in s]
            if sorted(covered) == sorted(its):  # a partition: each item in exactly one category
                out.append(Relation((fw, node), {(fw, c): len(s) / len(its) for c, s in cats}, sector))
    return out


class _Facts:
    """Every published or hidden linear statistic, keyed by what it describes (cells with the same key in
    two tables are one fact)."""

    def __init__(self) -> None:
        self.value: dict[tuple, float] = {}  # known (published somewhere)
        self.hidden: dict[tuple, tuple[str, str, str]] = {}  # fact → (table, cell, reason) where hidden
        self.weight: dict[tuple, float] = {}  # the count behind the fact
        self.na: dict[tuple, float] = {}  # published not-applicable share of the cell
        self.threshold: dict[tuple, float] = {}
        self.rows: dict[tuple, list[tuple[str, object]]] = defaultdict(list)  # fact → (table, row index) holding it

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


def _cell_key(row: pd.Series, cols: list[str]) -> tuple[tuple[str, str], ...]:
    from pipeline.publish.audit import _key

    return _key(row, cols)


def collect(tables: list[PublishedTable], hidden: pd.DataFrame) -> tuple[_Facts, list[tuple[str, str, list]]]:
    """The facts of every table, and the segment groups (total fact, [segment facts]) that add up."""
    from pipeline.publish.audit import _cell_text

    facts = _Facts()
    total = next((t.spec.total for t in tables if t.spec and t.spec.total), "*")
    true = {(r.table, r.cell): r for r in hidden.itertuples()}
    groups: dict[tuple, dict] = defaultdict(lambda: {"total": None, "parts": [], "multi": False})
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
        if not stats:
            continue
        is_hidden = frame["suppressed"].fillna("").astype(str).ne("")
        for i, r in frame.iterrows():
            key = _cell_key(r, cols)
            cell = _cell_text(key)
            log = true.get((t.name, cell)) if is_hidden.loc[i] else None
            counts = _true_counts(log) if log is not None else {}
            base = dict(key)
            if not seg:  # a table without segments describes the whole sector: the total's cell
                base["segment"] = total
            node = (base.get("framework", "item" if "item_id" in base else ""),
                    base.get("node_id", base.get("item_id", "")))
            where = tuple(sorted((c, v) for c, v in base.items() if c not in ("framework", "node_id", "item_id")))
            for stat in stats:
                fact = (where, node, stat)
                wcol = WEIGHTS.get(stat, _first(spec.counts[stat]))
                value = _num(r[stat])
                facts.rows[fact].append((t.name, i))
                if is_hidden.loc[i]:
                    weight = counts.get(wcol, np.nan)
                    if np.isnan(weight) and wcol == _first(spec.counts[stat]):  # a log without ``counts``
                        weight = _num(getattr(log, "count", np.nan))
                    facts.add(fact, value, (t.name, cell, str(getattr(log, "reason", "") or "complementary")), weight)
                elif np.isnan(value):
                    continue  # not assessed
                else:
                    facts.add(fact, value, None, _num(r.get(wcol)))
                if "na_share" in frame and not is_hidden.loc[i]:
                    facts.na[fact] = _num(r["na_share"])
                if "threshold" in frame:
                    facts.threshold[fact] = _num(r["threshold"])
                if seg and spec.total:
                    gkey = (t.name, tuple(kv for kv in key if kv[0] != seg), stat)
                    g = groups[gkey]
                    if str(r[seg]) == spec.total:
                        g["total"] = fact
                    else:
                        g["parts"].append(fact)
                    if "multi_counted" in frame and str(r["multi_counted"]).lower() == "true":
                        g["multi"] = True
    adds_up = [(g["total"], g["parts"]) for g in groups.values() if g["total"] is not None and not g["multi"]]
    return facts, adds_up


def _first(c: str | list[str]) -> str:
    return c if isinstance(c, str) else c[0]


def _num(x: object) -> float:
    v = pd.to_numeric(pd.Series([x]), errors="coerce").iloc[0]
    return float(v) if pd.notna(v) else np.nan


def _true_counts(log: object) -> dict[str, float]:
    """The true counts of a hidden cell, from the hidden-cell log (``counts``: JSON; ``count``: its n)."""
    import json

    text = getattr(log, "counts", None)
    out = {k: float(v) for k, v in (json.loads(text) if isinstance(text, str) and text else {}).items()
           if v is not None}
    return out


def equations(facts: _Facts, adds_up: list, relations: list[Relation]
              ) -> tuple[list[dict], list[tuple[dict, float]], list[dict]]:
    """The linear system: equalities {fact: coefficient} = 0 (segments and totals; then those of the item
    map, apart: they are dropped where the published values show they do not hold) and inequalities
    ({fact: coef}, bound) meaning Σ coef · fact ≤ bound."""
    eqs: list[dict] = []
    for total, parts in adds_up:
        w_total = facts.weight.get(total, np.nan)
        ws = [facts.weight.get(p, np.nan) for p in parts]
        if np.isnan(w_total) or any(np.isnan(w) for w in ws) or abs(sum(ws) - w_total) > 1e-9:
            continue  # counts unknown or the segments do not add up (a multi-valued segmentation)
        eq = defaultdict(float)
        eq[total] += w_total
        for p, w in zip(parts, ws, strict=True):
            eq[p] -= w
        eqs.append(dict(eq))
    tree: list[dict] = []
    by_place: dict[tuple, dict[tuple[str, str], tuple]] = defaultdict(dict)
    for fact in [*facts.value, *facts.hidden]:
        where, node, stat = fact
        if stat in ("mean", "mean_points"):
            by_place[where][node] = fact
    for where, nodes in by_place.items():
        for rel in relations:
            if rel.sector and dict(where).get("sector", rel.sector) != rel.sector:
                continue
            members = [rel.parent, *rel.children]
            if not all(m in nodes for m in members):
                continue
            known_na = [facts.na.get(nodes[m]) for m in members if nodes[m] in facts.na]
            if any(v is None or np.isnan(v) or v > 0 for v in known_na) or not known_na:
                continue  # some item is not applicable: the weights are not the item counts
            eq = defaultdict(float)
            eq[nodes[rel.parent]] += 1.0
            for child, w in rel.children.items():
                eq[nodes[child]] -= w
            tree.append(dict(eq))
    ineqs: list[tuple[dict, float]] = []
    for fact in [*facts.value, *facts.hidden]:
        where, node, stat = fact
        if stat != "mean":
            continue
        share = (where, node, "share_reached")
        theta = facts.threshold.get(fact, np.nan)
        if np.isnan(theta) or share not in facts.value and share not in facts.hidden:
            continue
        ineqs.append(({share: theta, fact: -1.0}, 0.0))  # θ·s ≤ mean
        ineqs.append(({fact: 1.0, share: -(1 - theta)}, theta))  # mean ≤ s + (1 − s)·θ
    return eqs, ineqs, tree


def solve(tables: list[PublishedTable], hidden: pd.DataFrame, k: int, relations: list[Relation] | None = None,
          min_width: float = MIN_WIDTH) -> list[Interval]:
    """For each hidden linear statistic, the tightest interval the published tables allow (see the module)."""
    from scipy.optimize import linprog

    facts, adds_up = collect(tables, hidden)
    eqs, ineqs, tree = equations(facts, adds_up, relations or [])
    unknown = facts.unknown()
    index = {f: i for i, f in enumerate(unknown)}
    # connected groups of unknowns: a programme per group stays small
    parent = list(range(len(unknown)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows = [(e, None) for e in eqs] + [(e, "tree") for e in tree] + [(c, b) for c, b in ineqs]
    for coefs, _ in rows:
        ids = [index[f] for f in coefs if f in index]
        for a in ids[1:]:
            parent[find(a)] = find(ids[0])
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(unknown)):
        members[find(i)].append(i)
    touching: dict[int, list[tuple[dict, float | None]]] = defaultdict(list)
    for coefs, bound in rows:
        ids = [index[f] for f in coefs if f in index]
        if ids:
            touching[find(ids[0])].append((coefs, bound))
    out: list[Interval] = []
    binary = _binary_nodes(facts)
    for root, ids in members.items():
        local = {unknown[i]: j for j, i in enumerate(ids)}
        bounds = [LINEAR_STATS[f[2]] for f in local]
        for tree_too in (True, False):  # an item-map relation the published values break is not one
            a, b = _system(touching.get(root, []), local, facts, tree_too)
            settled = _settle(linprog, a, b, bounds, _branches(facts, local, k))
            lows, highs = _extremes(linprog, a, b, settled)
            if not np.isnan(lows).any():
                break
        for fact, j in local.items():
            table, cell, reason = facts.hidden[fact]
            n = facts.weight.get(fact, np.nan)
            required = min_width
            counted = fact[2] in SHARES or fact[2] == "mean" and (dict(fact[0]).get("sector", ""), fact[1]) in binary
            if n == n and n >= k and (reason == "split" or counted):
                required = min(1.0, (k - 1) / n)  # a count: at least k of its values stay possible
            required = min(required, LINEAR_STATS[fact[2]][1] - LINEAR_STATS[fact[2]][0])
            out.append(Interval(table, cell, fact[2], reason, n, lows[j], highs[j], required, fact))
    return out


def _system(rows: list[tuple[dict, object]], local: dict[tuple, int], facts: _Facts, tree: bool
            ) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The rows touching one group as A·x ≤ b (an equality as two rows, met within the tolerance)."""
    a_ub, b_ub = [], []
    for coefs, bound in rows:
        if bound == "tree" and not tree:
            continue
        row = np.zeros(len(local))
        const = 0.0
        for f, c in coefs.items():
            if f in local:
                row[local[f]] += c
            elif f in facts.value:
                const += c * facts.value[f]
            else:
                break  # a fact neither published nor hidden here: the relation cannot be used
        else:
            scale = max(1.0, float(np.abs(row).max()))
            if bound is None or bound == "tree":  # row·x + const = 0
                a_ub += [row, -row]
                b_ub += [-const + TOLERANCE * scale, const + TOLERANCE * scale]
            else:
                a_ub.append(row)
                b_ub.append(bound - const)
    return (np.array(a_ub), np.array(b_ub)) if a_ub else (None, None)


def _binary_nodes(facts: _Facts) -> set[tuple[str, tuple[str, str]]]:
    """A sector's nodes scored 0/1 (★ ready, LvN+, a one-item node answered yes/no): wherever published,
    their mean equals their share reached, so the mean is that share (a count) and is held to a count's
    width."""
    same: dict[tuple[str, tuple[str, str]], bool] = {}
    for (where, node, stat), value in facts.value.items():
        if stat == "mean" and (where, node, "share_reached") in facts.value:
            equal = abs(value - facts.value[(where, node, "share_reached")]) < 1e-12
            key = (dict(where).get("sector", ""), node)
            same[key] = same.get(key, True) and equal
    return {key for key, eq in same.items() if eq}


def _branches(facts: _Facts, local: dict[tuple, int], k: int) -> list[tuple[int, list[tuple[float, float]]]]:
    """What the reason for hiding tells (the intruder is assumed to know each cell's reason, the safe side):
    a cell hidden for a split has its share within (k − 1)/n of 0 or of 1; a cell hidden as uniform has
    its mean (or share) at exactly 0 or 1. One (variable, [two ranges]) per such cell."""
    cells: dict[tuple, list[tuple]] = defaultdict(list)
    for fact in local:
        cells[(fact[0], fact[1])].append(fact)
    out = []
    for members in cells.values():
        reason = facts.hidden[members[0]][2]
        if reason not in ("split", "uniform"):
            continue
        stats = {f[2]: f for f in members}
        target = next((stats[s] for s in ("share_reached", "share_implemented", "response_rate", "share_improved",
                                          "share_worsened", "share_band", "share_unmet", "share_distance")
                       if s in stats), stats.get("mean"))
        n = facts.weight.get(target, np.nan) if target is not None else np.nan
        if target is None or reason == "split" and not n > 0:
            continue
        edge = min(1.0, (k - 1) / n) if reason == "split" else 0.0
        out.append((local[target], [(0.0, edge), (1.0 - edge, 1.0)]))
    return out


def _settle(linprog, a_ub, b_ub, bounds: list[tuple[float, float]],
            branches: list[tuple[int, list[tuple[float, float]]]]) -> list[tuple[float, float]]:
    """Narrow the bounds by every reason that has one explanation left: a cell whose other branch the
    published tables rule out is known to lie in the one that remains (repeated until nothing changes).
    A cell with both branches open keeps its plain bounds (the intruder cannot tell which side)."""
    bounds = list(bounds)
    changed = True
    while changed:
        changed = False
        for j, ranges in branches:
            open_ = []
            for lo, hi in ranges:
                cut = (max(lo, bounds[j][0]), min(hi, bounds[j][1]))
                if cut[0] > cut[1] + 1e-12:
                    continue
                trial = list(bounds)
                trial[j] = cut
                if a_ub is None or linprog(np.zeros(len(bounds)), A_ub=a_ub, b_ub=b_ub, bounds=trial,
                                           method="highs").status != 2:
                    open_.append(cut)
            if len(open_) == 1 and open_[0] != bounds[j]:
                bounds[j] = open_[0]
                changed = True
    return bounds


def _extremes(linprog, a_ub, b_ub, bounds: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Minimise and maximise every variable; with no constraint each lies anywhere in its bounds."""
    size = len(bounds)
    lows = np.array([b[0] for b in bounds], dtype=float)
    highs = np.array([b[1] for b in bounds], dtype=float)
    if a_ub is None:
        return lows, highs
    for j in range(size):
        for sign, store in ((1.0, lows), (-1.0, highs)):
            c = np.zeros(size)
            c[j] = sign
            res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
            if res.status == 0:
                store[j] = res.x[j]
            elif res.status == 2:  # infeasible: a relation assumed here does not hold for these tables
                return np.full(size, np.nan), np.full(size, np.nan)
    return lows, highs


def complete(frames: list[tuple[str, pd.DataFrame, TableSpec]], k: int, relations: list[Relation] | None = None,
             min_width: float = MIN_WIDTH, rounds: int = 25) -> list[pd.DataFrame]:
    """Hide more cells until the solver leaves every hidden cell at least ``min_width``: the suppression of
    tables tied by public relations (a function and its categories, a category and its items, a total and
    its segments across tables), done together and before anything is drawn.

    ``frames`` are protected tables (with ``suppressed`` and the working count column) with their specs
    and names. For each cell still too narrow, the published cell that shares a relation with it and rests
    on the fewest companies is hidden ('complementary') — a segment before a total, a finer node before a
    coarser one — and the solver runs again. Returns the frames in the same order."""
    from pipeline.publish.audit import hidden_cells

    work = {name: (frame.copy(), spec) for name, frame, spec in frames}
    for _ in range(rounds):
        tables = [PublishedTable(name, name, f, list(f.columns), spec=spec) for name, (f, spec) in work.items()]
        hidden = hidden_cells(tables)
        facts, adds_up = collect(tables, hidden)
        # one cell in several tables (breakdowns of a sector share their totals): hidden in one, hidden in all
        mixed = [f for f, rows in facts.rows.items()
                 if len({_is_hidden(work[name][0].at[index, "suppressed"]) for name, index in rows}) > 1]
        if mixed:
            for fact in mixed:
                for name, index in facts.rows[fact]:
                    frame, spec = work[name]
                    if not _is_hidden(frame.at[index, "suppressed"]):
                        work[name] = (_hide(frame, index, spec), spec)
            continue
        eqs, _, tree = equations(facts, adds_up, relations or [])
        eqs = eqs + tree
        failing = [iv for iv in solve(tables, hidden, k, relations, min_width) if iv.fails or np.isnan(iv.low)]
        total = _total_of(tables)
        if not failing:
            break
        chosen: set[tuple] = set()
        for iv in failing:
            options = {f for eq in eqs if iv.fact in eq for f in eq if f in facts.value and f not in chosen}
            if not options:
                continue
            pick = min(options, key=lambda f: (dict(f[0]).get("segment") == total,
                                               facts.weight.get(f, np.inf), -len(f[1][1]), str(f)))
            chosen.add(pick)
        if not chosen:
            break
        for fact in chosen:
            for name, index in facts.rows[fact]:
                frame, spec = work[name]
                work[name] = (_hide(frame, index, spec), spec)
    return [work[name][0] for name, _, _ in frames]


def _is_hidden(reason: object) -> bool:
    return isinstance(reason, str) and reason != ""


def _total_of(tables: list[PublishedTable]) -> str:
    return next((t.spec.total for t in tables if t.spec and t.spec.total), "*")


def _hide(frame: pd.DataFrame, index: object, spec: TableSpec) -> pd.DataFrame:
    """Hide one row as complementary suppression does, and every change that reads its value."""
    from pipeline.scoring.disclosure import STAT_COLUMNS

    out = frame.copy()
    counts = {c for v in spec.counts.values() for c in ([v] if isinstance(v, str) else v)}
    stats = [c for c in [*STAT_COLUMNS, *spec.counts] if c in out.columns and c not in counts]
    out.loc[index, list(dict.fromkeys(stats))] = np.nan
    out.loc[index, [c for c in counts if c in out.columns]] = np.nan
    out.loc[index, "suppressed"] = "complementary"
    for change, (_, previous) in spec.changes.items():
        if change not in out or previous not in out:
            continue
        out.loc[index, change] = np.nan
        same = pd.Series(True, index=out.index)
        for c in [*spec.keys, *([spec.segment] if spec.segment else [])]:
            if c != "year" and c in out:
                same &= out[c].astype(str).eq(str(out.at[index, c]))
        later = same & pd.to_numeric(out[previous], errors="coerce").eq(pd.to_numeric(out.at[index, "year"]))
        out.loc[later, change] = np.nan
    return out

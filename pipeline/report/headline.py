"""The headline summary at the top of a report, written from the published tables only.

No number is typed or recomputed here: each sentence reads cells of tables the report publishes
(after protection), names them, and says nothing when a cell is hidden or missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.publish.audit import AUDIT_FILE
from pipeline.publish.formats import format_value, hidden_text, rounded_mask
from pipeline.publish.model import PublishedTable
from pipeline.scoring.disclosure_order import as_printed, printed_order
from pipeline.scoring.disclosure_rounding import ROUNDED


@dataclass
class Sentence:
    text: str
    cells: list[str] = field(default_factory=list)  # "table: column @ year, segment" — where each number is


def _row(tables: dict[str, PublishedTable], name: str, column: str, where: dict[str, object]) -> pd.DataFrame | None:
    """The one row of table ``name`` matching ``where`` that has ``column``, or None (no such table, column or
    single row)."""
    t = tables.get(name)
    if t is None or column not in t.frame:
        return None
    f = t.frame
    for c, v in where.items():
        if c not in f:
            return None
        f = f[f[c].eq(v)]
    return f if len(f) == 1 else None


def _cell(tables: dict[str, PublishedTable], name: str, column: str, **where: object) -> float | None:
    """One published value, or None when the table, the row or the value is absent or hidden."""
    f = _row(tables, name, column, where)
    if f is None or str(f["suppressed"].iloc[0] if "suppressed" in f else "") != "":
        return None
    value = f[column].iloc[0]
    return None if pd.isna(value) else float(value)


def _rounded(tables: dict[str, PublishedTable], name: str, **where: object) -> bool:
    """Whether the published row is rounded to whole percent (``rounded``): the sentence then prints 77%, as the
    table does, never 77.0%."""
    f = _row(tables, name, ROUNDED, where)
    return f is not None and rounded_mask(f)[0]


def _ref(name: str, column: str, **where: object) -> str:
    return f"{name}: {column} @ " + ", ".join(str(v) for v in where.values())


def _ends(functions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """Every function printing the highest mean and every one printing the lowest, by the mean as printed, ties in
    node-id order (``disclosure_order``): naming one of two means that print alike would tell their hidden digits,
    and would misstate the tie. None where every function prints alike (none is strongest)."""
    order = printed_order(functions, ["mean"], "node_id", descending=True)
    shown = as_printed(order["mean"], whole=order.get(ROUNDED))
    if shown.iloc[0] == shown.iloc[-1]:
        return None
    return order[shown.eq(shown.iloc[0]).to_numpy()], order[shown.eq(shown.iloc[-1]).to_numpy()]


def _names(rows: pd.DataFrame, names: dict[str, str], join: str) -> str:
    """The functions of a printed tie by name, in node-id order (the label quotes them: 「統治」、「識別」)."""
    return join.join(str(names.get(n, n)) for n in rows["node_id"])


def headline(tables: dict[str, PublishedTable], labels: dict, lang: str, year: int, total: str,
             node_names: dict[str, str], hidden_count: int, k: int, previous: int | None = None, *,
             framework_label: str) -> list[Sentence]:
    """Sentences for the summary: respondents and response rate (beside the ``previous`` year's rate), mean
    score and its change with, beside it, the same-company change (the published panel table): a change of all
    respondents mixes real change with a change in who answered. Then the strongest and weakest CSF function,
    Lv1+/Lv2+ and ★3 readiness (automotive), the result bands of the instrument's own scale (IPA 自社診断),
    and how many values are hidden. ``framework_label`` names the functions' framework (NIST CSF 2.0 or 1.1)."""
    h = labels["headline"]
    pct = lambda v, col="share_reached", whole=False: format_value(v, col, lang, whole)  # noqa: E731 - one formatter
    out: list[Sentence] = []
    at = {"year": year, "segment": total}
    n = _cell(tables, "responses", "n", **at)
    if n is not None:
        rate_v, roster = _cell(tables, "responses", "response_rate", **at), _cell(tables, "responses", "roster_n", **at)
        before = (_cell(tables, "responses", "response_rate", year=previous, segment=total)
                  if previous is not None else None)
        was = h["rate_previous"].format(value=pct(before)) if before is not None else ""
        rate = (h["rate"].format(value=pct(rate_v), roster=f"{int(roster):,}", previous=was)
                if rate_v is not None and roster else "")
        out.append(Sentence(h["respondents"].format(n=f"{int(n):,}", year=year, rate=rate),
                            [_ref("responses", "n", **at), _ref("responses", "response_rate", **at)]
                            + ([_ref("responses", "response_rate", year=previous, segment=total)] if was else [])))
    mean = _cell(tables, "distribution", "mean", **at)
    if mean is not None:
        change = _cell(tables, "distribution", "change", **at)
        text = h["mean_change"].format(value=format_value(change, "change", lang)) if change is not None else ""
        out.append(Sentence(h["mean"].format(value=pct(mean, "mean"), change=text),
                            [_ref("distribution", "mean", **at), _ref("distribution", "change", **at)]))
        pairs = tables.get("panel")
        if change is not None and pairs is not None:
            f = pairs.frame
            f = f[f["year"].eq(year) & f["suppressed"].fillna("").eq("") & f["mean_change"].notna()]
            if len(f):
                fmt = lambda v: format_value(v, "mean_change", lang)  # noqa: E731
                out.append(Sentence(h["panel"].format(n=f"{int(f['n'].max()):,}", lo=fmt(f["mean_change"].min()),
                                                      hi=fmt(f["mean_change"].max())),
                                    [_ref("panel", "mean_change", year=year)]))
    out += _members(tables, h, lang, at, mean)
    funcs = tables.get("functions")
    if funcs is not None:
        f = funcs.frame
        f = f[f["year"].eq(year) & f["segment"].eq(total) & f["suppressed"].eq("") & f["mean"].notna()]
        ends = _ends(f) if len(f) >= 2 else None
        refs = lambda nodes: [_ref("functions", "mean", year=year, segment=total, node=n) for n in nodes]  # noqa: E731
        if ends is not None:
            best, worst = ends
            whole = rounded_mask(pd.concat([best.iloc[:1], worst.iloc[:1]]))
            out.append(Sentence(h["functions"].format(framework=framework_label,
                best=_names(best, node_names, h["name_join"]), best_value=pct(best["mean"].iloc[0], "mean", whole[0]),
                worst=_names(worst, node_names, h["name_join"]),
                worst_value=pct(worst["mean"].iloc[0], "mean", whole[1])),
                refs([*best["node_id"], *worst["node_id"]])))
        elif len(f) >= 2:
            out.append(Sentence(h["functions_alike"].format(framework=framework_label,
                value=pct(f["mean"].iloc[0], "mean", rounded_mask(f)[0])), refs(f["node_id"])))
    lv1 = _cell(tables, "levels", "share_reached", node_id="Lv1+", **at)
    lv2 = _cell(tables, "levels", "share_reached", node_id="Lv2+", **at)
    if lv1 is not None or lv2 is not None:
        out.append(Sentence(h["levels"].format(lv1=pct(lv1, whole=_rounded(tables, "levels", node_id="Lv1+", **at)),
                                               lv2=pct(lv2, whole=_rounded(tables, "levels", node_id="Lv2+", **at))),
                            [_ref("levels", "share_reached", node="Lv1+", **at),
                             _ref("levels", "share_reached", node="Lv2+", **at)]))
    ready = _cell(tables, "star", "mean", node_id="★3+", **at)
    met = _cell(tables, "star", "mean", node_id="★3", **at)
    if ready is not None or met is not None:
        out.append(Sentence(h["star"].format(ready=pct(ready, whole=_rounded(tables, "star", node_id="★3+", **at)),
                                             mean=pct(met, "mean", _rounded(tables, "star", node_id="★3", **at))),
                            [_ref("star", "mean", node="★3+", **at), _ref("star", "mean", node="★3", **at)]))
    bands = _bands(tables, lang, year, total)
    if bands:
        out.append(Sentence(h["bands"].format(bands=h["list_separator"].join(bands)),
                            [_ref("bands", "share_band", year=year)]))
    if hidden_count:
        out.append(Sentence(h["hidden"].format(n=hidden_count, k=k), [AUDIT_FILE]))
    return out


def _members(tables: dict[str, PublishedTable], h: dict, lang: str, at: dict, mean: float | None
             ) -> list[Sentence]:
    """The members' estimate with its interval and the effective n (a weighted report), after the respondents' mean
    and the response rate the sentences before it give (each number is said once in the summary,
    not again here); or that the figures describe the respondents only (an unweighted one)."""
    dist = tables.get("distribution")
    if dist is None or "w_mean" not in dist.frame:
        return [Sentence(h["respondents_only"], [])]
    value = _cell(tables, "distribution", "w_mean", **at)
    if mean is None:
        return []
    if value is None:  # withheld by the members' total rule (docs/method.md §12.4a): said why, never left silent
        # and never the respondents' mean in its place (the mean sentence above says whose mean it is)
        key = "members_withheld" if _responses_withheld(tables, at) else "members_withheld_values"
        return [Sentence(h[key], [_ref("distribution", "w_mean", **at)])]
    low, high = (_cell(tables, "distribution", c, **at) for c in ("w_mean_ci_low", "w_mean_ci_high"))
    change = _cell(tables, "distribution", "w_change", **at)
    n_eff = _cell(tables, "distribution", "n_eff", **at)
    score = lambda v: format_value(v, "mean", lang) if v is not None else "—"  # noqa: E731
    text = h["members"].format(
        value=score(value), low=score(low), high=score(high),
        change=h["members_change"].format(value=format_value(change, "change", lang)) if change is not None else "",
        n_eff=f"{n_eff:,.0f}" if n_eff is not None else "—")
    return [Sentence(text, [_ref("distribution", c, **at) for c in ("w_mean", "w_mean_ci_low", "w_mean_ci_high",
                                                                     "w_change", "n_eff")])]


def _responses_withheld(tables: dict[str, PublishedTable], at: dict) -> bool:
    """Whether the year's response table withholds a segment's row (who answered in it): the reason the members'
    total is withheld that year; else a segment's value is."""
    t = tables.get("responses")
    if t is None or "suppressed" not in t.frame:
        return False
    f = t.frame
    rows = f[f["year"].eq(at["year"]) & f["segment"].ne(at["segment"])]
    return bool(rows["suppressed"].fillna("").astype(str).ne("").any())


def _bands(tables: dict[str, PublishedTable], lang: str, year: int, total: str) -> list[str]:
    """'100点 1.7%' … for each published result band of the instrument's own scale (IPA 自社診断), as the
    bands table names and orders them; a hidden band says so (x), never estimated, so that the shares are not
    read as adding up to the whole."""
    t = tables.get("bands")
    if t is None or "share_band" not in t.frame:
        return []
    f = t.frame
    f = f[f["year"].eq(year) & f["segment"].ne(total)]
    shown = [(r.segment, hidden_text() if r.suppressed else format_value(r.share_band, "share_band", lang))
             for r in f.itertuples() if r.suppressed or r.share_band == r.share_band]
    return [f"{band} {value}" for band, value in shown]


def headline_html(sentences: list[Sentence], heading: str) -> str:
    """The summary as an HTML block (a list; each number's table cell in a tooltip)."""
    from html import escape

    items = "".join(f'<li title="{escape("; ".join(s.cells))}">{escape(s.text)}</li>' for s in sentences)
    return f'<div class="sdw-headline"><h2>{escape(heading)}</h2><ul>{items}</ul></div>'


def cross_headline(functions: pd.DataFrame, labels: dict, lang: str, respondents: dict[str, tuple[int, int]]
                   ) -> list[Sentence]:
    """The cross-sector deck's key points, from its published function table (``functions``: one row per sector
    and function, protected; ``sector``, ``node_id``, ``node_name``, ``mean``, ``suppressed``): each sector's
    strongest and weakest function with its year and respondents (``respondents``: sector → (year, n)), then the
    function on which the sectors differ most. A hidden cell is never read, so the key
    points say only what the published table says.
    """
    words = labels["cross_headline"]
    shown = functions[functions["suppressed"].fillna("").eq("") & functions["mean"].notna()]
    out = []
    for sector, rows in shown.groupby("sector", sort=False):
        if sector not in respondents or rows.empty:
            continue
        year, n = respondents[sector]
        ends = _ends(rows)
        where = {"sector": labels["sector"].get(sector, sector), "year": labels["fy"].format(year=year), "n": f"{n:,}"}
        if ends is None:
            out.append(Sentence(words["sector_alike"].format(**where,
                                                             value=format_value(rows["mean"].iloc[0], "mean", lang)),
                                [f"functions: mean @ {sector}, {node}" for node in rows["node_id"]]))
            continue
        best, worst = ends
        join, names = labels["headline"]["name_join"], dict(zip(rows["node_id"], rows["node_name"], strict=True))
        out.append(Sentence(words["sector"].format(
            **where, best=_names(best, names, join), best_value=format_value(best["mean"].iloc[0], "mean", lang),
            worst=_names(worst, names, join), worst_value=format_value(worst["mean"].iloc[0], "mean", lang)),
            [f"functions: mean @ {sector}, {node}" for node in [*best["node_id"], *worst["node_id"]]]))
    both = (shown.pivot_table(index="node_id", columns="sector", values="mean", aggfunc="first")
            .reindex(columns=list(dict.fromkeys(shown["sector"]))).dropna())  # the sectors in the page's order
    if both.shape[1] > 1 and len(both):
        printed = both.apply(as_printed)  # the gap between the means as printed, equal gaps by node id
        gaps = ((printed.max(axis=1) - printed.min(axis=1)) / 100).rename("gap").reset_index()
        node = printed_order(gaps, ["gap"], "node_id", descending=True)["node_id"].iloc[0]
        name = shown.loc[shown["node_id"].eq(node), "node_name"].iloc[0]
        values = labels["headline"]["list_separator"].join(
            f"{labels['sector'].get(s, s)} {format_value(both.at[node, s], 'mean', lang)}" for s in both.columns)
        out.append(Sentence(words["gap"].format(node=name, values=values), [f"functions: mean @ {node}"]))
    return out

"""The protected, published tables of a report: one call per table spec, disclosure control included.

A notebook asks for a table here and gets it ready to show: built, protected (k, complementary hiding, the
interval solver, rounding of small bases) and completed against the tables it is tied to. The disclosure
rules stay in :mod:`pipeline.report.tables`, :mod:`pipeline.report.star_disclosure` and
:mod:`pipeline.publish.intervals`; this module only says which of them each published table goes through,
so no notebook applies a rule itself (docs/method.md §5, §11, §12).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from pipeline import catalogs
from pipeline.publish.formats import hidden_text
from pipeline.publish.intervals import Relation, complete
from pipeline.report import star_disclosure
from pipeline.report import star_tables as S
from pipeline.report import tables as T
from pipeline.report.data import ReportData


def other_breakdowns(data: ReportData, by: str, k: int) -> dict[str, ReportData]:
    """The sector's other published breakdowns (automotive: industry beside size), each recoded as the report
    recodes it (small segments merged): they publish the same totals as ``by``, so every table of theirs is
    protected together with its twin by ``by``."""
    return {b: data.merge_small_segments(b, k)[0] for b in catalogs.sector_info(data.sector).get("breakdowns", [])
            if b != by and b in data.respondents}


def responses(data: ReportData, by: str, k: int, others: dict[str, ReportData]) -> tuple[pd.DataFrame, ...]:
    """Response counts and rates by ``by``, then by each other breakdown (``others``: attribute → its data,
    recoded alike): one protection, since the breakdowns publish the same totals."""
    return tuple(T.secure_together([T.responses_by_segment(data, by, k, completed=True),
                                    *[T.responses_by_segment(d, b, k, completed=True) for b, d in others.items()]],
                                   T.SPECS["responses"], k))


@dataclass(frozen=True)
class Linked:
    """The response tables and the tables the public item map ties together, as a report publishes them.

    ``data``: the report's data with its weighting cells merged onto the published response rows (every later
    members' estimate is computed from it); ``others``: the other breakdowns' data, weighted alike;
    ``responses`` / ``other_responses``: the response tables by ``by`` and by each other breakdown;
    ``functions`` (every year), ``categories`` (latest year), ``items`` and ``other_categories`` (the latest
    year's categories by each other breakdown), completed together."""

    data: ReportData
    others: dict[str, ReportData]
    responses: pd.DataFrame
    other_responses: tuple[pd.DataFrame, ...]
    functions: pd.DataFrame
    categories: pd.DataFrame
    items: pd.DataFrame
    other_categories: tuple[pd.DataFrame, ...]


@dataclass(frozen=True)
class Weighted:
    """The first half of :func:`linked_tables`: the response tables and the data weighted on their published rows.

    ``data``: the report's data with its weighting cells merged onto the published response rows; ``others``: the
    other breakdowns' data, weighted alike; ``responses`` / ``other_responses``: the response tables by ``by`` and by
    each other breakdown. A table that needs the weights and not the linked tables (★) can be made from it while
    the linked tables are completed."""

    data: ReportData
    others: dict[str, ReportData]
    responses: pd.DataFrame
    other_responses: tuple[pd.DataFrame, ...]


def weighted(loaded: ReportData, data: ReportData, by: str, merges: dict[str, str], k: int) -> Weighted:
    """Responses → weights on published rows → the weights copied to the other breakdowns (the arguments as
    :func:`linked_tables`'s)."""
    others = other_breakdowns(loaded, by, k)
    resp, *other_resps = responses(data, by, k, others)
    # weighting cells merged onto the response rows just published, so the members' totals tell nothing they do
    # not (docs/method.md §12.4a); every breakdown weighs its respondents alike
    # — on the cells' own attribute's rows whichever breakdown the report is by: one set of cells for every report
    # of the store, so no report's members' shares give back the cells another report merged
    attr = T.weighting_attribute(data)
    if attr == by:
        data = T.weights_on_published_rows(data, resp, by, merges)
    elif attr in others:
        own = T.weights_on_published_rows(others[attr], other_resps[list(others).index(attr)], attr,
                                          loaded.merge_small_segments(attr, k)[1])
        data = replace(data, weights=own.weights, weight_rows_published=own.weight_rows_published)
    others = {b: replace(d, weights=data.weights, weight_rows_published=data.weight_rows_published)
              for b, d in others.items()}
    return Weighted(data, others, resp, tuple(other_resps))


def linked_tables(loaded: ReportData, data: ReportData, by: str, merges: dict[str, str], framework: str, k: int,
                  lang: str = "ja", links: list[Relation] | None = None, weights: Weighted | None = None) -> Linked:
    """Responses → weights on published rows → the weights copied to the other breakdowns → the linked tables:
    the one order in which a report's members' estimates are made, for the report notebook and member feedback's
    peer values alike (docs/method.md §12.4a, §13). ``loaded``: the data as read (each other breakdown is recoded
    from it); ``data``: recoded by ``by`` (``merges``: attribute value → group); ``links``: the item map's
    relations (default: :func:`pipeline.report.tables.relations` of ``data``); ``weights``: :func:`weighted` of the
    same arguments, when the caller made it already."""
    w = weights if weights is not None else weighted(loaded, data, by, merges, k)
    functions, categories, items, *other_cats = T.linked(
        w.data, by, framework, k, lang, links,
        extra=[T.by_node(d, b, framework, "category", d.latest, k) for b, d in w.others.items()])
    return Linked(w.data, w.others, w.responses, w.other_responses, functions, categories, items, tuple(other_cats))


def distribution(data: ReportData, by: str, k: int, functions: pd.DataFrame) -> pd.DataFrame:
    """The overall score distribution by segment and year, withheld where its mean would pin a hidden function
    of the same segment and year (``functions``: the protected function table)."""
    return T.hide_with_functions(T.distribution(data, by, k), functions, T.SPECS["distribution"], k)


def levels(data: ReportData, by: str, k: int) -> pd.DataFrame:
    """The share of companies reaching each level by segment and year."""
    return T.secure(T.level_reached(data, by, k), T.SPECS["levels"], k)


def score_bands(data: ReportData, k: int) -> pd.DataFrame:
    """Companies per result band of the instrument's own scale, by year."""
    return T.secure(T.bands(data, k), T.SPECS["bands"], k)


@dataclass(frozen=True)
class StarTables:
    """★ readiness and its bottlenecks, protected together (a ★N mean and its segment's bottleneck rows
    rebuild each other), with what the page says beside them."""

    readiness: pd.DataFrame
    bottlenecks: pd.DataFrame
    unjudgeable: dict[str, list[str]]

    @property
    def rounded_mean(self) -> bool:
        """Whether a published ★N mean is rounded beside a withheld bottleneck row (docs/method.md §5.4, rule (b)):
        the table then says why."""
        t = self.readiness
        means = t["node_id"].isin([f"★{n}" for n in catalogs.stars()])
        return bool((means & t["rounded"].fillna(False).astype(bool) & t["suppressed"].fillna("").eq("")).any())


def star(data: ReportData, by: str, k: int, lang: str) -> StarTables:
    """★ readiness (its ★N+ cells are band 0 of the distance table) and the requirements blocking most companies,
    by segment and year, protected together."""
    readiness, unjudged = T.star_readiness(data, by, k)
    readiness = T.secure(readiness, T.SPECS["star"], k)
    bottle = S.with_keys(T.secure(S.bottlenecks(data, by, k, lang), S.SPECS["star_bottlenecks"], k))
    bottle, readiness = star_disclosure.protect_together(bottle, readiness, k, T.segment_design_effects(data, by))
    return StarTables(readiness, bottle, unjudged)


def what_if_counts(summary: dict[str, float]) -> dict[str, str]:
    """The what-if's company counts as its sentence prints them: a withheld count reads as the hidden mark,
    as in the tables, never as a number."""
    mark = hidden_text()
    return {name: mark if v != v else f"{int(v):,}" for name, v in summary.items()}


def cross_sector_nodes(sectors: dict[str, ReportData], k: int, links: list[Relation]) -> dict[str, pd.DataFrame]:
    """Each sector's CSF 2.0 functions and categories at its latest year, totals only, for the cross-sector
    page: protected together with the sector's own segments (sectors.yaml ``segment``) as ``sectors`` carries
    them (merged as the sector's report merges them: :func:`~pipeline.report.data.latest_as_reported`), so a
    total hidden to protect one of them is hidden here too, and functions and categories together since the
    item map ties them (``links``)."""
    by_level = {level: pd.concat([T.by_node(d, catalogs.sector_info(s)["segment"], "csf2", level, d.latest, k)
                                  for s, d in sectors.items()], ignore_index=True)
                for level in ("function", "category")}
    done = complete([(level, t, T.SPECS["nodes"]) for level, t in by_level.items()], k, links)
    return {level: t[t["segment"].eq(T.ALL)].reset_index(drop=True)
            for level, t in zip(by_level, done, strict=True)}

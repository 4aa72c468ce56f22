"""One member's feedback page (:class:`~pipeline.publish.feedback_model.MemberPage`) from the scoring tables.

The numbers come from :func:`pipeline.scoring.feedback.feedback_tables`; this module puts them in words:
its own name, the sector and year, its scores beside its peers', the levels it reached, the items to work
on first in the checklist's own words, who its peers are and what is left out and why. Labels and peer
sentences are the same for every member of a run, so they are made once (cached).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.publish.feedback_model import PEER_STATS, SCORE_COLUMNS, MemberPage
from pipeline.publish.formats import BAND_LABELS, check_lang, whole_percent
from pipeline.report import style
from pipeline.report.data import segment_names
from pipeline.report.figures import PeerFigures
from pipeline.report.scheme_names import scheme_label
from pipeline.ruleset import RulesSource
from pipeline.scoring.disclosure import quantile_min_n
from pipeline.scoring.feedback import ALL_GROUP, NO_PEERS


def words(lang: str) -> dict[str, Any]:
    """The feedback texts of report_labels.yaml in ``lang``, with ``sector`` and ``attribute`` per sector.

    A sector is named as catalogs/sectors.yaml names it unless ``feedback.sector`` words it for a member's
    page (電力分野), and its peers' attribute is the ``peer_attribute`` sectors.yaml gives it, in the words of
    ``feedback.attribute`` or else of the report's weight cells: a new sector needs no feedback entry."""
    w = dict(catalogs.report_labels()["feedback"][check_lang(lang)])
    sectors = catalogs.sectors()
    w["sector"] = {**{s: str(info["name"][lang]) for s, info in sectors.items()}, **w.get("sector", {})}
    attributes = {**style.labels(lang).get("weight_cells", {}), **w.get("attribute", {})}
    w["attribute"] = {s: str(attributes.get(info["peer_attribute"], info["peer_attribute"]))
                      for s, info in sectors.items() if info.get("peer_attribute")}
    return w


def member_page(key: str, company: str, headline: pd.DataFrame, weak: pd.DataFrame, sector: str, year: int,
                lang: str, k: int, figures: PeerFigures | None = None, rules: RulesSource = None) -> MemberPage:
    """One member's page content: labels in words, peer sentences, the member's own previous year and
    levels reached, the figure as PNG bytes (drawn by ``figures``, which keeps what members share). ``rules``:
    the scoring rules' override the scores were made with (default scoring.yaml), whose level threshold the
    page's rules text states."""
    w = words(lang)
    sector_words = w["sector"][sector]
    all_label = w["all_group"].format(sector=sector_words)
    h = headline.reset_index(drop=True)
    prev = h["prev_year"].dropna() if "prev_year" in h else pd.Series(dtype=float)
    prev_year = w["year_short"].format(year=int(prev.iloc[0])) if len(prev) else ""
    scores = _scores_frame(h, sector, lang, w, all_label)
    answered_before = bool(prev_year) and _answered(h)
    items = _items_frame(weak, sector, lang, w)
    threshold = style.threshold_text(rules)
    # the respondents the printed rates are of (an item's applicable count may be withheld beside its rate)
    shown = weak["n_companies"].where(weak["peer_rate"].notna()) if "n_companies" in weak else pd.Series(dtype=float)
    n_items = int(shown.max()) if shown.notna().any() else 0
    symbols = w["symbols"] + (w["symbols_previous"] if prev_year else "")
    page = MemberPage(company=company, sector=sector_words, year=w["year"].format(year=year), scores=scores,
                      items=items, peers=_peer_sentences(h, sector, lang, k, all_label, n_items),
                      reading=w["reading"].format(sector=sector_words),
                      rules=style.rules_text(style.labels(lang), [sector], threshold),  # its own sector's only
                      symbols=symbols, lang=lang, words=w, previous_year=prev_year,
                      # provenance: which ★ table the readiness on this workbook was scored on
                      scheme=scheme_label(lang) if "star" in catalogs.sectors()[sector]["frameworks"]
                      else "")
    page.score_marks = _score_marks(scores, answered_before, w, lang)
    page.figure_png = (figures or PeerFigures(w)).png(scores)
    return page


def _numbers(h: pd.DataFrame, column: str) -> np.ndarray:
    """A float column of the scoring table as an array (NaN throughout where the table has no such column)."""
    return h[column].to_numpy(dtype=float, na_value=np.nan) if column in h else np.full(len(h), np.nan)


def _texts(h: pd.DataFrame, column: str) -> list[Any]:
    """A text column of the scoring table as a list of its values (missing ones as NaN, as the column holds them)."""
    return [np.nan if pd.isna(v) else v for v in h[column].tolist()]


def _scores_frame(h: pd.DataFrame, sector: str, lang: str, w: dict[str, Any], all_label: str) -> pd.DataFrame:
    """The score table's rows in words (:attr:`MemberPage.scores`), built from plain arrays: a frame of Series
    aligned on their index, once per member, cost more than the rest of the page's numbers."""
    groups = _texts(h, "peer_group")
    return pd.DataFrame({
        "node": [node_label(f, n, lang) for f, n in zip(h["framework"].tolist(), h["node_id"].tolist(), strict=True)],
        "score": _numbers(h, "score"), "previous": _numbers(h, "prev_score"),
        "reached": _reached(h, "reached", w), "prev_reached": _reached(h, "prev_reached", w),
        **{c: _numbers(h, c) for c in ("p50", "p25", "p75", "peer_mean", "peer_n", "percentile", "deviation")},
        "peer_group": [peer_group_label(g, sector, lang, all_label) for g in groups],
        "_hidden": _texts(h, "hidden"), "_group": groups,
        "_band": ["" if pd.isna(v) else str(v) for v in h["peer_band"].tolist()] if "peer_band" in h else "",
        "_rounded": np.array(_flags(h, "peer_rounded"), dtype=bool)})


def _items_frame(weak: pd.DataFrame, sector: str, lang: str, w: dict[str, Any]) -> pd.DataFrame:
    """The items to work on first, in the checklist's words (:attr:`MemberPage.items`), built from plain arrays."""
    answers = {**w["answers"], **catalogs.answer_words(sector, lang)}
    version = str(weak["template_version"].iloc[0]) if "template_version" in weak and len(weak) else ""
    texts = catalogs.item_texts(sector, version, lang)
    ids = _texts(weak, "item_id")
    rate = _numbers(weak, "peer_rate")
    said = [texts.get(i) for i in ids]
    return pd.DataFrame({"rank": weak["rank"].to_numpy(), "item_id": ids,
                         "text": ["" if t is None or pd.isna(t) else t for t in said],
                         "answer": [answers.get(a, a) for a in _texts(weak, "answer")],
                         "peer_rate": rate,
                         "n_applicable": np.where(np.isnan(rate), np.nan, _numbers(weak, "n_applicable")),
                         # a rate the report prints in whole percent is printed so here (80%, never 80.0%)
                         "rounded": np.array(_flags(weak, "rounded"), dtype=bool)})


def _answered(h: pd.DataFrame) -> bool:
    """Whether the company answered the previous year: it has a score there on some headline node."""
    return bool(h["prev_score"].notna().any()) if "prev_score" in h else False


def _reached(h: pd.DataFrame, column: str, w: dict[str, Any]) -> list[str]:
    """達成 / 未達成 per level row (the store's LvN+ in ``column``), '—' for a level not assessed, '' for
    other rows (CSF functions, 'All', ★3)."""
    said = w["reached"]
    values = h[column] if column in h else pd.Series(np.nan, index=h.index)
    level = _level_rows(tuple(h["framework"]), tuple(h["node_id"]))
    return [("" if not is_level else said["none"] if pd.isna(v) else said["yes"] if v >= 1 else said["no"])
            for v, is_level in zip(values.tolist(), level, strict=True)]


@cache
def _level_rows(frameworks: tuple[str, ...], nodes: tuple[str, ...]) -> tuple[bool, ...]:
    """Which headline rows are a level LvN (the same rows for every member of a run)."""
    return tuple(f == "level" and re.fullmatch(r"Lv\d+", str(n)) is not None
                 for f, n in zip(frameworks, nodes, strict=True))


def _score_marks(scores: pd.DataFrame, answered_before: bool, w: dict[str, Any], lang: str = "ja"
                 ) -> list[list[str]]:
    """What each score-table cell shows instead of its value (per row, in SCORE_COLUMNS order): 'x'
    for a hidden peer statistic (:func:`_peer_hidden`), the band (「90%以上」) for a peer mean the report's rule
    shows only as its band, '回答なし' for the previous year of a company that did not answer then; '' for
    the value itself."""
    hidden = str(w["hidden"])
    bands = scores["_band"].tolist() if "_band" in scores else [""] * len(scores)
    band_text = BAND_LABELS.get(lang, BAND_LABELS["ja"])
    previous = "" if answered_before else str(w["previous_none"])
    why = scores["_hidden"].tolist()  # columns taken out once: a frame lookup per cell cost more than the rest
    quantile_missing = {q: scores[q].isna().tolist() for q in ("p25", "p50", "p75")}
    # a rank withheld because fewer than k others lie on one side of the member's score (scored rows only)
    quantile_missing["percentile"] = (scores["percentile"].isna() & scores["score"].notna()).tolist()
    level = scores["reached"].astype(bool).tolist()
    rounded = scores["_rounded"].tolist() if "_rounded" in scores else [False] * len(scores)
    means = scores["peer_mean"].tolist()
    rows = []
    for r in range(len(scores)):
        def mark(c: str, r: int = r) -> str:
            if c == "previous" or (c == "prev_reached" and level[r]):
                return previous
            if c == "peer_mean" and bands[r] in band_text:
                return band_text[bands[r]]
            if rounded[r] and c == "peer_mean":  # the report's rounded mean, printed as it prints it (87%)
                return whole_percent(means[r])
            if rounded[r] and c in ("p25", "p50", "p75", "percentile", "deviation", "peer_n"):
                return hidden  # each would tell the mean the report rounds (its base too: x there, never —)
            if c in PEER_STATS and (why[r] != "" or (c in quantile_missing and quantile_missing[c][r])):
                return hidden  # as _peer_hidden
            return ""
        rows.append([mark(c) for c in SCORE_COLUMNS])
    return rows


@cache
def _csf2_names(lang: str) -> dict[str, str]:
    return catalogs.csf2().set_index("node_id")["name_ja" if lang == "ja" else "name_en"].to_dict()


@cache
def node_label(framework: str, node_id: str, lang: str) -> str:
    """A headline row's label (GV 統治, Lv1 項目の達成率); the same for every member of a run."""
    if framework == "csf2":
        return f"{node_id} {_csf2_names(lang).get(node_id, '')}".strip()
    return str(words(lang)["nodes"].get(node_id, node_id))


@cache
def peer_group_label(group: object, sector: str, lang: str, all_label: str) -> str:
    """A peer group in words: 小売電気事業者, 101〜300人 (101–300 in English), 電力分野全体, 比較値なし.

    Business types by their full name (the report's tables use the short one); other groups by the report's
    segment names."""
    w = words(lang)
    if group == ALL_GROUP:
        return all_label
    if group == NO_PEERS:
        return str(w["no_peers"])
    business = catalogs.sector_business_types(sector)
    if business is not None:
        types = business.set_index("code")["name_ja" if lang == "ja" else "name_en"]
        if group in types.index:
            return str(types[group])
    text = str(group)
    return segment_names(sector, lang).get(text, text)  # size bands as size_bands.yaml names them (1–100)


def _peer_sentences(h: pd.DataFrame, sector: str, lang: str, k: int, all_label: str, n_items: int) -> list[str]:
    """How the peer group was chosen and how big it is, per kind of row, and what is left out and why.

    The sentences depend only on the peer columns, which members of one peer group share, so they are
    made once per distinct set of them."""
    flags = {"fallback", "peer_rounded", "between_quantile"}
    # the key read column by column as plain values (a frame per member, assigned and iterated, cost more than the
    # sentences are worth): the flags as _flag reads them, other missing values as None
    columns = [_flags(h, c) if c in flags else [None if pd.isna(v) else v for v in h[c].tolist()]
               for c in SENTENCE_COLUMNS]
    shared = tuple(zip(*columns, strict=True))
    own_groups = h["own_group"].tolist()
    unknown = all(pd.isna(g) for g in own_groups)
    own = next((g for g in own_groups if isinstance(g, str)), None)
    # a rank withheld by the between rule is the member's own: one flag, so the sentences stay shared by the group
    rank = any(_flags(h, "between_rank"))
    return list(_sentences(shared, unknown, own, sector, lang, k, all_label, n_items, rank))


SENTENCE_COLUMNS = ["framework", "node_id", "peer_group", "peer_n", "hidden", "p25", "p50", "fallback", "peer_rounded",
                    "between_quantile"]


def _flags(h: pd.DataFrame, column: str) -> list[bool]:
    """A per-row flag of the scoring table as Python bools (False where the table has no such column or no
    value)."""
    return [False if pd.isna(v) else bool(v) for v in h[column].tolist()] if column in h else [False] * len(h)


@cache
def _sentences(shared: tuple, unknown: bool, own: str | None, sector: str, lang: str, k: int, all_label: str,
               n_items: int, between_rank: bool = False) -> tuple[str, ...]:
    h = pd.DataFrame(list(shared), columns=SENTENCE_COLUMNS).astype({"peer_n": float, "p25": float, "p50": float})
    h["own_group"] = np.nan if unknown else (own or "")
    h = h.assign(fallback=h["fallback"].fillna(False).astype(bool), peer_rounded=h["peer_rounded"].fillna(False)
                 .astype(bool), between_quantile=h["between_quantile"].fillna(False).astype(bool))
    return tuple(_peer_sentences_of(h, sector, lang, k, all_label, n_items, between_rank))


def _peer_sentences_of(h: pd.DataFrame, sector: str, lang: str, k: int, all_label: str, n_items: int,
                       between_rank: bool = False) -> list[str]:
    w = words(lang)
    attribute = w["attribute"][sector]
    join = "、" if lang == "ja" else ", "
    nodes = [node_label(f, n, lang) for f, n in zip(h["framework"], h["node_id"], strict=True)]
    labelled = h.assign(_label=nodes)

    def size(rows: pd.DataFrame) -> str:
        n = rows["peer_n"].dropna()
        if n.empty:
            return ""
        lo, hi = int(n.min()), int(n.max())
        said = w["n_companies"].format(n=lo) if lo == hi else w["n_range"].format(lo=lo, hi=hi)
        return w["n_paren"].format(n=said)  # no count shown: no empty parentheses either

    out = []
    labelled = labelled.assign(peer_n=labelled["peer_n"].where(labelled["hidden"].eq("")))
    own = labelled[~labelled["peer_group"].isin([ALL_GROUP, NO_PEERS])]
    if len(own):
        group = peer_group_label(own["peer_group"].iloc[0], sector, lang, all_label)
        info = catalogs.sector_info(sector)
        # power: the report's segment, every company holding the business type, not those of the same main type
        template = w["peers_segment"] if info.get("segment") != info.get("peer_attribute") else w["peers_own"]
        out.append(template.format(attribute=attribute, group=group, n=size(own)))
    # compared with the sector total because the published report shows no value for the member's own group
    moved = labelled[labelled["peer_group"].eq(ALL_GROUP) & labelled["fallback"]]
    if len(moved):
        template = w["peers_published_all"] if len(moved) == len(h) else w["peers_published"]
        out.append(template.format(nodes=join.join(moved["_label"]), attribute=attribute, all=all_label,
                                   n=size(moved), group=peer_group_label(h["own_group"].iloc[0], sector, lang,
                                                                         all_label)))
    wide = labelled[labelled["peer_group"].eq(ALL_GROUP) & ~labelled["fallback"]]
    if len(wide):
        if h["own_group"].isna().all():
            out.append(w["peers_unknown"].format(attribute=attribute, all=all_label, n=size(wide)))
        else:
            template = w["peers_fallback_all"] if len(wide) == len(h) else w["peers_fallback"]
            out.append(template.format(nodes=join.join(wide["_label"]), attribute=attribute, k=k, all=all_label,
                                       n=size(wide)))
    none = labelled[labelled["peer_group"].eq(NO_PEERS)]
    if len(none):
        out.append(w["peers_none"].format(nodes=join.join(none["_label"]), k=k))
    protected = labelled[labelled["hidden"].ne("") & labelled["peer_group"].ne(NO_PEERS)]
    if len(protected):  # why is not said: 'every peer at 100%' is what hiding protects
        out.append(w["peers_hidden"].format(nodes=join.join(protected["_label"])))
    rounded = labelled[labelled["peer_rounded"]]
    if len(rounded):
        out.append(w["peers_rounded"].format(nodes=join.join(rounded["_label"])))
    shown = labelled[labelled["hidden"].eq("") & ~labelled["peer_rounded"]]
    # a quartile the between rule withheld in a group large enough for it is not one the group's size withheld
    small = shown["peer_n"].lt(quantile_min_n("p25", k)) | ~shown["between_quantile"]
    if ((shown["p25"].isna() | shown["p50"].isna()) & small).any():
        out.append(w["peers_quantiles"].format(median=quantile_min_n("p50", k), iqr=quantile_min_n("p25", k), k=k))
    if between_rank or shown["between_quantile"].any():
        out.append(w["peers_between"].format(k1=k - 1))
    if n_items:
        out.append(w["peers_items"].format(sector=w["sector"][sector], n=n_items))
    return out



def _peer_hidden(scores: pd.DataFrame, r: int, col: str) -> bool:
    """Whether a score-table cell reads 'x': a peer statistic of a row without peer values (the
    count too when it is unknown), or a quantile too few peers lie beyond. Not the company's own
    missing percentile, which is not assessed ('—')."""
    if col not in PEER_STATS:
        return False
    if scores["_hidden"].iat[r] != "":
        return True  # the count too, as in published tables: with it, a hidden value would say why
    return col in ("p25", "p50", "p75") and bool(np.isnan(scores[col].iat[r]))


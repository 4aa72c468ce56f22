"""The ★ page of a member's feedback: what the supply-chain evaluation scheme (★3, ★4) would ask of it.

One sheet (and PDF pages) per automotive member: its distance to ★3 and ★4 (judged requirements not
met) with its peer group's ★3 distance distribution, then per star every requirement with its
judgement; for a requirement not met, each item it cites with the item's text from the item catalog
and the member's answer as its own form words it (○ / × / － on a v2.0 form, 達成 / 未達成 / 対象外 on
later ones). The numbers come from :func:`pipeline.scoring.star_feedback.star_feedback`; this module puts
them in words (a :class:`~pipeline.publish.star_page_layout.StarPage`), which the member's workbook and PDF
lay out after their own pages (:mod:`pipeline.publish.star_page_layout`).
"""

from __future__ import annotations

import math
import re
from functools import cache
from typing import Any

import pandas as pd

from pipeline import catalogs
from pipeline.publish.feedback_model import MemberPage
from pipeline.publish.formats import HIDDEN_MARK
from pipeline.publish.star_page_layout import STATUS_ORDER, StarPage, StarRow, StarSection
from pipeline.report import style
from pipeline.report.member_page import peer_group_label
from pipeline.report.scheme_names import scheme_date, scheme_label, scheme_names
from pipeline.scoring.feedback import ALL_GROUP, NO_PEERS
from pipeline.scoring.readiness import DISTANCE_BANDS, distance_band
from pipeline.scoring.respondent import star_requirements
from pipeline.scoring.rules import instrument_items, is_achieved, is_applicable
from pipeline.scoring.star_feedback import PEER_STAR, STARS, StarFeedback


@cache
def form_answers(sector: str, template_version: str) -> dict[str, str]:
    """canonical answer → the words of the form's answer dropdown in ``template_version`` (○ / 達成 …):
    the instrument's native vocabulary, else what the template declares (an instrument added as data,
    an imported form); empty when neither is known."""
    native = catalogs.vocabulary(sector).get("native", {}).get(template_version)
    if native:
        return dict(native)
    if template_version and template_version in catalogs.template_versions(sector):
        t = catalogs.template(template_version)
        return dict(t.get("dropdown") or t.get("answers") or {})
    return {}


@cache
def _requirements(lang: str) -> dict[str, tuple[str, str]]:
    """requirement_id → (category, requirement) as the scheme's table names them, in ``lang`` where it can
    (:func:`pipeline.report.scheme_names.scheme_names`)."""
    names = scheme_names(lang)
    return {r: (c, n) for r, c, n in zip(names.index, names["category_name"], names["requirement_name"],
                                         strict=True)}


@cache
def _cited(star: int) -> tuple[tuple[str, tuple[str, ...], bool], ...]:
    """(requirement_id, cited items in checklist order, judgeable) of ★``star`` in the scheme table's order."""
    reqs = star_requirements(star)
    return tuple((r, tuple(sorted(items, key=_item_order)), bool(j))
                 for r, items, j in zip(reqs["requirement_id"], reqs["items"], reqs["judgeable"], strict=True))


def _item_order(item: str) -> tuple[int, str]:
    """No.9 before No.10, as the checklist runs."""
    digits = re.sub(r"\D", "", item)
    return (int(digits) if digits else 0, item)


@cache
def _answer_kinds() -> tuple[frozenset[str], frozenset[str]]:
    """(canonical answers that achieve an item, canonical answers that make it not applicable)."""
    every = pd.Series(["implemented", "partial", "not_implemented", "not_applicable", "unknown", "unanswered",
                       "invalid", "missing"])
    return frozenset(every[is_achieved(every)]), frozenset(every[~is_applicable(every)])


@cache
def _form_items(sector: str, template_version: str) -> frozenset[str]:
    return frozenset(instrument_items(sector, template_version))


def star_page(fb: StarFeedback, member: MemberPage, sector: str, k: int) -> StarPage:
    """The ★ page of one member: ``fb`` its numbers, ``member`` its main page (company, words, year)."""
    w = member.words
    s = w["star"]
    lang = member.lang
    native = form_answers(sector, fb.template_version)
    general = {**w["answers"], **catalogs.answer_words(sector, lang)}
    label = {a: (native.get(a, general.get(a, a)) if lang == "ja" or a not in native
                 else f"{native[a]} ({general.get(a, a)})") for a in general}
    achieved, not_applicable = label.get("implemented", ""), label.get("not_applicable", "")
    say = {"achieved": achieved, "not_applicable": not_applicable}
    texts = catalogs.item_texts(sector, fb.template_version, lang)
    # columns taken out as lists, not iterated element by element (a column of Arrow text)
    given = zip(fb.answers["answer"].tolist(), fb.answers["answer_raw"].tolist(), strict=True)
    answers = dict(zip(fb.answers["item_id"].tolist(), given, strict=True))
    on_form = _form_items(sector, fb.template_version)
    met = {(int(st), r): m for st, r, m in zip(fb.outcomes["star"].tolist(), fb.outcomes["requirement_id"].tolist(),
                                               fb.outcomes["met"].tolist(), strict=True)}
    good, na = _answer_kinds()

    def shown(item: str) -> tuple[str, bool]:
        """The member's answer to ``item`` in its form's words, and whether it keeps a requirement unmet."""
        if item not in on_form:
            return s["not_on_form"], False
        answer, raw = answers.get(item, ("missing", None))
        if answer == "invalid":
            return s["failing"].format(answer=s["invalid"].format(raw=str(raw or "").strip())), True
        failing = answer not in good and answer not in na
        return (s["failing"] if failing else "{answer}").format(answer=label.get(answer, answer)), failing

    sections = []
    unmet3: dict[str, tuple[str, ...]] = {}
    for star in STARS:
        rows: list[tuple[int, int, list[StarRow]]] = []
        for order, (rid, items, judgeable) in enumerate(_cited(star)):
            category, name = _requirements(lang)[rid]
            outcome = met.get((star, rid), math.nan)
            status = _status(judgeable, outcome, items, on_form, [answers.get(i, ("missing",))[0] for i in items], na)
            head = (rid, category, name, s["status"][status].format(**say))
            if status != "unmet":
                cited = ", ".join(items) if items else "—"
                rows.append((STATUS_ORDER.index(status), order,
                             [StarRow((*head, cited, "", ""), True, status, span=True)]))
                continue
            if star == 3:
                unmet3[rid] = items
            elif unmet3.get(rid) == items:  # nothing new at ★4: say so rather than print the rows again
                rows.append((0, order, [StarRow((*head, ", ".join(items), s["same_as_star3"], ""), True, status)]))
                continue
            lines = []
            for i, item in enumerate(items):
                answer, failing = shown(item)
                lines.append(StarRow((*(head if i == 0 else ("",) * 4), item, texts.get(item, ""), answer), i == 0,
                                     status, failing))
            rows.append((0, order, lines))
        rows.sort(key=lambda r: (r[0], r[1]))
        sections.append(StarSection(heading=s["section"].format(star=star), note=s["section_note"][star],
                                    rows=[row for _, _, block in rows for row in block]))
    intro = (" " if lang == "en" else "").join(s["intro"].split()).format(**say)  # the YAML folds lines with spaces
    return StarPage(words=w, lang=lang, title=s["title"], addressee=f"{w['addressee'].format(company=member.company)}"
                    f" ・ {member.year}", intro=f"{intro}{' ' if lang == 'en' else ''}{_source(s, lang)}",
                    distances=[_distance_sentence(fb, star, s) for star in STARS],
                    bands=_bands(fb, s, str(w["hidden"]), lang), band_note=_band_note(fb, s, k),
                    peers=_peer_sentence(fb, sector, lang, k, member), sections=sections,
                    footnote=s["footnote"].format(**say),
                    footer=w["footer"].format(company=member.company, sector=member.sector, year=member.year),
                    hidden=str(w["hidden"]), band_heads=[s["band_columns"][c] for c in ("band", "peer_n", "peer_share",
                                                                                         "own")])


@cache
def _source_of() -> tuple[str, str]:
    scheme = catalogs.scheme_meta()
    return str(scheme["source_table"]), str(scheme["source_table_date"])


def _source(s: dict[str, Any], lang: str) -> str:
    """Which requirement/criteria table the page applies (a member may hold a newer revision), its date and
    origin in the member's language (「2026年3月」, 「2026-03(同梱)」)."""
    table, date = _source_of()
    return str(s["source"]).format(table=table, date=scheme_date(date, lang), scheme=scheme_label(lang))


def _status(judgeable: bool, outcome: float, items: tuple[str, ...], on_form: frozenset[str], answers: list[str],
            na: frozenset[str]) -> str:
    """The judgement of one requirement for the member (a key of the ``status`` words)."""
    if not judgeable:
        return "unjudgeable"
    if outcome == 1:
        return "met"
    if outcome == 0:
        return "unmet"
    if any(i not in on_form for i in items):
        return "not_on_form"
    return "not_applicable" if all(a in na for a in answers) else "not_judged"


def _distance_sentence(fb: StarFeedback, star: int, s: dict[str, Any]) -> str:
    d, judged = fb.distance[star], fb.n_judged[star]
    if math.isnan(d):
        return s["no_distance"].format(star=star)
    if d == 0:
        return s["ready"].format(star=star, judged=judged)
    return s["distance"].format(star=star, judged=judged, met=judged - int(d), distance=int(d))


def _bands(fb: StarFeedback, s: dict[str, Any], withheld: str, lang: str
           ) -> list[tuple[str, float | None, float | None, str, str]]:
    """The distribution table's rows: band, peers in it, their share (None where not shown), '◀ 貴社', and
    what a value not shown reads: ``withheld`` (x, words['hidden']) when the whole distribution is, the hidden-cell mark
    ``x`` of the published tables when the disclosure rules hide that band. The member's own band stays
    marked either way (it is the member's own answer)."""
    own = _band_of(float(fb.distance[PEER_STAR]))
    peers = fb.peers
    out = []
    for i, band in enumerate(DISTANCE_BANDS):
        value = None if peers.counts is None else peers.counts[i]
        count = None if value is None else float(value)
        share = None if value is None or not peers.n else value / peers.n
        mark = withheld if peers.counts is None else HIDDEN_MARK
        words = style.labels(lang)["distance_bands"][band]  # one wording with the report's (report_labels.yaml)
        words = s["band_zero"].format(band=words) if band == "0" else words
        out.append((words, count, share, s["own_mark"] if band == own else "", mark))
    return out


@cache
def _band_of(distance: float) -> str | None:
    """The band of one distance (:func:`~pipeline.scoring.readiness.distance_band`), once per value: a Series
    per member cost a tenth of the ★ page."""
    return distance_band(pd.Series([distance])).iloc[0]


def _band_note(fb: StarFeedback, s: dict[str, Any], k: int) -> str:
    """The legend of ``x`` under the distribution, where a band reads it."""
    shown = fb.peers.counts is not None and any(c is None for c in fb.peers.counts)
    return str(s["band_hidden"]).format(k=k) if shown else ""


def _peer_sentence(fb: StarFeedback, sector: str, lang: str, k: int, member: MemberPage) -> str:
    """Which peers the distribution is of, or why it is not shown (the sentences of the other peer values)."""
    w = member.words
    s = w["star"]
    peers = fb.peers
    all_label = w["all_group"].format(sector=member.sector)
    attribute = w["attribute"][sector]
    if peers.hidden == "primary":
        return s["peers_none"].format(k=k)
    if peers.hidden:
        return s["peers_hidden"]
    if peers.group == ALL_GROUP:
        unknown = fb.own_group is None or (isinstance(fb.own_group, float) and math.isnan(fb.own_group))
        key = "peers_unknown" if unknown else "peers_published" if peers.published else "peers_fallback"
        group = "" if unknown else peer_group_label(fb.own_group, sector, lang, all_label)
        return s[key].format(attribute=attribute, all=all_label, k=k, n=peers.n, group=group)
    assert peers.group != NO_PEERS
    return s["peers_own"].format(attribute=attribute, group=peer_group_label(peers.group, sector, lang, all_label),
                                 n=peers.n)

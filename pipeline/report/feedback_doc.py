"""Member feedback files: one workbook (and optionally a one-page PDF) per company, and the clerk's index.

What a member receives must read without the association on the phone: its own name, the sector and
year in words, its scores as percentages beside its peers' median and quartiles, a picture, the items
to work on first in the checklist's own words, who its peers are and how scores are made. The numbers
come from :func:`pipeline.scoring.feedback.feedback_tables`; this module only shows them.

Files are named ``<sector>_<year>_<NNNN>.xlsx`` (a running number by company name), not by respondent
key, so a clerk can find and attach them; ``index.xlsx`` beside them maps each file to the company
name and 法人番号 (no e-mail column: neither the roster nor the cover sheet carries an address). The
index is the association's only list of names beside files: a member file carries its own company's
name and nobody else's.

A full automotive year is 3,100 members, so files are written by worker processes over members (each
file depends only on its member's numbers: the same store and parameters give the same bytes whatever
the number of workers), the figure's parts that every member of a peer group shares are drawn once
per process (:class:`PeerFigures`), and workbooks are assembled in memory.

The workbook follows the people's workbook of :mod:`pipeline.publish.render_xlsx` (same styles, number
formats and width fitting): numbers stay numbers, with percent formats.
"""

from __future__ import annotations

import io
import math
import multiprocessing
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter
from PIL import Image

from pipeline import catalogs
from pipeline.catalogs._files import read_yaml
from pipeline.progress import progress
from pipeline.publish.formats import DASH, check_lang, format_value, header
from pipeline.publish.render_xlsx import (
    FIXED_CREATED,
    HEADER_ROW,
    LINE_HEIGHT,
    TEXT_WRAP_AT,
    cell_styles,
    column_width,
    row_height,
    write_cell,
)
from pipeline.report import style
from pipeline.scoring.disclosure import QUANTILE_TAILS
from pipeline.scoring.feedback import ALL_GROUP, NO_PEERS
from pipeline.xlsx import display_width, workbook, write_sheet

FIGURE_DPI = 150
"""XlsxWriter sizes an image by its DPI: 7 inches at 150 dpi shows about 670 pixels wide in Excel, from 1,050
pixels (200 dpi took twice the encoding time of the whole workbook for no visible gain on a screen)."""
PNG_LEVEL = 1
"""zlib level of the member figure's PNG: level 1 encodes several times faster than the default 6 for a
slightly larger file (lossless either way)."""
A4 = (8.27, 11.69)
NO_LINE_START = "、。，．・：；？！）」』】％ー"
"""Japanese punctuation that must not begin a line (kinsoku): it stays on the line before."""
COMPANY_COLOUR = style.PALETTE[3]  # vermilion: stands out against the blue peer band, also in greyscale
PEER_COLOUR = style.PALETTE[0]
SCORE_COLUMNS = ["node", "score", "previous", "reached", "prev_reached", "p50", "p25", "p75", "peer_mean", "peer_n",
                 "percentile", "deviation", "peer_group"]
"""The score table; ``previous`` (the member's own score the survey year before) is left out when the store
holds no earlier year of the sector, ``reached`` (levels reached, automotive) for sectors without levels."""
ITEM_COLUMNS = ["rank", "item_id", "text", "answer", "peer_rate", "n_applicable"]
KIND = {"node": "text", "score": "score", "previous": "score", "reached": "text", "prev_reached": "text",
        "p25": "score", "p50": "score", "p75": "score", "peer_mean": "score",
        "peer_n": "count", "percentile": "int", "deviation": "int", "peer_group": "text", "rank": "int",
        "item_id": "text", "text": "text", "answer": "text", "peer_rate": "percent", "n_applicable": "count"}
"""How each column is shown (the kinds of catalogs/columns.yaml): scores in percent with one decimal,
percentile rank and 偏差値 as whole numbers (the value stays exact; only its format rounds)."""
PROXY = {"score": "mean", "percent": "share", "count": "n", "int": "rank", "text": "node_name"}
"""A columns.yaml column of each kind, so display text (used to fit widths) is formatted as in reports."""
PEER_STATS = ["peer_mean", "p25", "p50", "p75", "peer_n", "percentile", "deviation"]
PDF_WIDTHS = {"node": 0.14, "score": 0.065, "previous": 0.07, "reached": 0.06, "prev_reached": 0.065,
              "p50": 0.055, "p25": 0.07, "p75": 0.07, "peer_mean": 0.065, "peer_n": 0.055, "percentile": 0.065,
              "deviation": 0.05, "peer_group": 0.105}
"""Relative widths of the PDF's score columns (scaled to the text width for the columns shown)."""


@dataclass
class FeedbackFiles:
    """What ``write_feedback`` wrote: member workbooks (and PDFs) in file-number order, and the index."""

    workbooks: list[Path]
    index: Path
    pdfs: list[Path] = field(default_factory=list)


def words(lang: str) -> dict[str, Any]:
    """The feedback texts of report_labels.yaml in ``lang``."""
    return read_yaml("report_labels.yaml")["feedback"][check_lang(lang)]


def write_feedback(tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]], identities: pd.DataFrame, sector: str,
                   year: int, out: Path, lang: str = "ja", pdf: bool = False, k: int | None = None,
                   workers: int | None = None, only: list[str] | None = None, quiet: bool = True,
                   star: dict[str, Any] | None = None) -> FeedbackFiles:
    """Write one workbook per company (and a PDF with ``pdf``) and the association's ``index.xlsx``.

    Parameters
    ----------
    tables : dict
        :func:`pipeline.scoring.feedback.feedback_tables` for this sector and year.
    identities : DataFrame
        The store's ``identities`` table: company name and 法人番号 per respondent key.
    sector : {'power', 'auto'}
    year : int
    out : Path
        Folder for the files. Earlier member files of this sector and year (same name pattern) are
        removed first, so the folder never holds a file the new index does not list (not with ``only``).
    lang : {'ja', 'en'}
    pdf : bool
        Also write a one-page A4 PDF per company, drawn by matplotlib from the same content.
    k : int, optional
        The k the tables were made with (default ``min_cell``), quoted in the notes.
    workers : int, optional
        Processes to write with (default: the cores this process may use). The files are the same
        whatever the number.
    only : list of str, optional
        Write only these members (a respondent key, a 法人番号 or a file name such as
        ``auto_2024_0012`` each), to re-send a few after a correction: their file numbers stay those of
        the whole year, no other file is touched, and the index still lists every member. An entry
        that matches no member is refused with the list of such entries.
    quiet : bool
        No progress bar or summary line (see :func:`pipeline.progress.progress`).
    star : dict, optional
        :func:`pipeline.scoring.star_feedback.star_feedback` for this sector and year: adds the ★ page
        (:mod:`pipeline.report.feedback_star`) to each member's workbook and PDF.

    Returns
    -------
    FeedbackFiles
        The files written, in file-number order.
    """
    w = words(lang)
    k = catalogs.scoring_rules()["min_cell"] if k is None else k
    out = Path(out)
    ident = identities[identities["sector"].eq(sector) & identities["year"].eq(year)] \
        if "sector" in identities.columns else identities
    ident = ident.drop_duplicates("respondent_key").set_index("respondent_key")
    names = {key: str(ident["company_name"].get(key, "") or "") for key in tables}
    numbers = {key: str(ident["corporate_number"].get(key, "") or "") for key in tables}
    order = sorted(tables, key=lambda key: (names[key], key))
    stems = {key: f"{sector}_{year}_{number:04d}" for number, key in enumerate(order, start=1)}
    chosen = order if only is None else select_members(order, only, stems, numbers, sector, year)
    out.mkdir(parents=True, exist_ok=True)
    if only is None:
        pattern = re.compile(rf"^{re.escape(sector)}_{year}_\d{{4}}\.(xlsx|pdf)$")
        for old in out.iterdir():
            if pattern.match(old.name):
                old.unlink()
    jobs = [(stems[key], key, names[key]) for key in chosen]
    _write_members(_Run(tables, sector, year, out, lang, pdf, k, star), jobs, workers, quiet)
    result = FeedbackFiles(workbooks=[out / f"{stem}.xlsx" for stem, _, _ in jobs], index=out / "index.xlsx",
                           pdfs=[out / f"{stem}.pdf" for stem, _, _ in jobs] if pdf else [])
    rows = [{w["index"]["file"]: f"{stems[key]}.xlsx", w["index"]["company"]: names[key],
             w["index"]["number"]: numbers[key]} for key in order]
    _write_index(result.index, pd.DataFrame(rows, columns=[w["index"][c] for c in ("file", "company", "number")]),
                 w)
    return result


def select_members(order: list[str], only: list[str], stems: dict[str, str], numbers: dict[str, str], sector: str,
                   year: int) -> list[str]:
    """The members ``only`` names (respondent key, 法人番号 or file name, with or without extension), in
    file-number order; a name that matches nobody is refused, so a typo never passes as 'sent'."""
    wanted = {entry.strip() for entry in only if entry.strip()}
    wanted = {re.sub(r"\.(xlsx|pdf)$", "", entry) for entry in wanted}
    chosen = [key for key in order if {key, stems[key], numbers[key]} & wanted]
    matched = {name for key in chosen for name in (key, stems[key], numbers[key])}
    unknown = sorted(wanted - matched)
    if unknown:
        raise ValueError(f"no {sector} FY{year} member matches {', '.join(unknown)} (give a respondent key, a "
                         "法人番号 or a file name from index.xlsx)")
    return chosen


@dataclass
class _Run:
    """What every member's files are made from: the same for every worker."""

    tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]]
    sector: str
    year: int
    out: Path
    lang: str
    pdf: bool
    k: int
    star: dict[str, Any] | None = None


_RUN: _Run | None = None
"""The run a forked worker writes for (set in the parent before the fork: the tables are not pickled)."""
_FIGURES: PeerFigures | None = None


def _write_members(run: _Run, jobs: list[tuple[str, str, str]], workers: int | None, quiet: bool) -> None:
    """Write the files of ``jobs`` (stem, key, name), in worker processes when more than one is useful."""
    global _RUN
    if workers is None:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    workers = max(1, min(workers, len(jobs) // 8 or 1))  # a handful of members is not worth a process
    if "fork" not in multiprocessing.get_all_start_methods():
        workers = 1  # the tables reach workers by fork; elsewhere one process writes them all
    desc = f"feedback {run.sector} {run.year}"
    _RUN = run
    try:
        with progress(total=len(jobs), desc=desc, quiet=quiet) as bar:
            if workers == 1:
                _start_worker()
                for job in jobs:
                    _write_member(job)
                    bar.update()
                return
            chunks = [jobs[i:i + 16] for i in range(0, len(jobs), 16)]
            with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker) as pool:
                for done in pool.imap_unordered(_write_chunk, chunks):
                    bar.update(done)
    finally:
        _RUN = None


def _start_worker() -> None:
    global _FIGURES
    style.apply()
    assert _RUN is not None
    _FIGURES = PeerFigures(words(_RUN.lang))


def _write_chunk(chunk: list[tuple[str, str, str]]) -> int:
    for job in chunk:
        _write_member(job)
    return len(chunk)


def _write_member(job: tuple[str, str, str]) -> None:
    stem, key, name = job
    run = _RUN
    assert run is not None
    page = member_page(key, name, *run.tables[key], run.sector, run.year, run.lang, run.k, figures=_FIGURES)
    if run.star is not None and key in run.star:
        from pipeline.report.feedback_star import star_page  # it builds on this module's page

        page.extra.append(star_page(run.star[key], page, run.sector, run.k))
    write_member_workbook(run.out / f"{stem}.xlsx", page)
    if run.pdf:
        write_member_pdf(run.out / f"{stem}.pdf", page)


@dataclass
class MemberPage:
    """Everything one member's workbook and PDF show, already in the report language."""

    company: str
    sector: str  # 電力分野
    year: str  # 2024年度
    scores: pd.DataFrame  # the columns of score_columns(), numbers as numbers
    items: pd.DataFrame  # ITEM_COLUMNS
    peers: list[str]  # sentences: how the peer group was chosen, its size, what was left out and why
    reading: str
    rules: str
    symbols: str
    lang: str
    words: dict[str, Any]
    figure_png: bytes = b""
    previous_year: str = ""  # 2023年度, or '' when the store holds no earlier year of the sector
    score_marks: list[list[str]] = field(default_factory=list)  # per score cell: '' or the text shown instead
    extra: list[Any] = field(default_factory=list)
    """Further pages after the member's main ones (the ★ page): each has ``write_sheet(wb, styles)`` and
    ``pdf_figures()``."""

    @property
    def previous_note(self) -> str:
        """One sentence on the previous year: what the 前年度 column shows, or that there was no answer."""
        answered = any(row[SCORE_COLUMNS.index("previous")] == "" for row in self.score_marks)
        said = self.words["previous_note"]
        return (said["answered"] if answered else said["none"]).format(previous=self.previous_year)

    @property
    def score_columns(self) -> list[str]:
        """The score table's columns: without the previous year or levels where there are none."""
        drop = {"previous", "prev_reached"} if not self.previous_year else set()
        if not self.scores["reached"].astype(bool).any():
            drop |= {"reached", "prev_reached"}
        return [c for c in SCORE_COLUMNS if c not in drop]


def member_page(key: str, company: str, headline: pd.DataFrame, weak: pd.DataFrame, sector: str, year: int,
                lang: str, k: int, figures: PeerFigures | None = None) -> MemberPage:
    """One member's page content: labels in words, peer sentences, the member's own previous year and
    levels reached, the figure as PNG bytes (drawn by ``figures``, which keeps what members share)."""
    w = words(lang)
    sector_words = w["sector"][sector]
    all_label = w["all_group"].format(sector=sector_words)
    h = headline.reset_index(drop=True)
    prev = h["prev_year"].dropna() if "prev_year" in h else pd.Series(dtype=float)
    prev_year = w["year_short"].format(year=int(prev.iloc[0])) if len(prev) else ""
    scores = pd.DataFrame({
        "node": [_node_label(f, n, lang) for f, n in zip(h["framework"], h["node_id"], strict=True)],
        "score": h["score"], "previous": h.get("prev_score", np.nan),
        "reached": _reached(h, "reached", w), "prev_reached": _reached(h, "prev_reached", w),
        "p50": h["p50"], "p25": h["p25"], "p75": h["p75"], "peer_mean": h["peer_mean"],
        "peer_n": h["peer_n"], "percentile": h["percentile"], "deviation": h["deviation"],
        "peer_group": [_group_label(g, sector, lang, all_label) for g in h["peer_group"]],
        "_hidden": h["hidden"], "_group": h["peer_group"]})
    answered_before = bool(prev_year) and _answered(h)
    answers = {**w["answers"], **(w["answers_auto"] if sector == "auto" else {})}
    version = str(weak["template_version"].iloc[0]) if "template_version" in weak and len(weak) else ""
    texts = catalogs.item_texts(sector, version, lang)
    items = pd.DataFrame({"rank": weak["rank"], "item_id": weak["item_id"],
                          "text": weak["item_id"].map(texts).fillna(""),
                          "answer": weak["answer"].map(lambda a: answers.get(a, a)),
                          "peer_rate": weak["peer_rate"].astype(float),
                          "n_applicable": weak["n_applicable"].astype(float).where(weak["peer_rate"].notna())}
                         ).reset_index(drop=True)
    threshold = f"{catalogs.scoring_rules()['level_threshold']:.0%}"
    n_items = int(weak["n_applicable"].max()) if len(weak) and weak["n_applicable"].notna().any() else 0
    symbols = w["symbols"] + (w["symbols_previous"] if prev_year else "")
    page = MemberPage(company=company, sector=sector_words, year=w["year"].format(year=year), scores=scores,
                      items=items, peers=_peer_sentences(h, sector, lang, k, all_label, n_items),
                      reading=w["reading"].format(sector=sector_words),
                      rules=" ".join([style.labels(lang)["rules_text"],  # the member's own sector's rules only
                                      style.labels(lang)["rules_sector"].get(sector, "")]).format(threshold=threshold),
                      symbols=symbols, lang=lang, words=w, previous_year=prev_year)
    page.score_marks = _score_marks(scores, answered_before, w)
    page.figure_png = (figures or PeerFigures(w)).png(scores)
    return page


def _answered(h: pd.DataFrame) -> bool:
    """Whether the company answered the previous year: it has a score there on some headline node."""
    return bool(h["prev_score"].notna().any()) if "prev_score" in h else False


def _reached(h: pd.DataFrame, column: str, w: dict[str, Any]) -> list[str]:
    """達成 / 未達成 per level row (the store's LvN+ in ``column``), '—' for a level not assessed, '' for
    other rows (CSF functions, 'All', ★3)."""
    said = w["reached"]
    values = h[column] if column in h else pd.Series(np.nan, index=h.index)
    level = h["framework"].eq("level") & h["node_id"].str.fullmatch(r"Lv\d+")
    return [("" if not is_level else said["none"] if pd.isna(v) else said["yes"] if v >= 1 else said["no"])
            for v, is_level in zip(values, level, strict=True)]


def _score_marks(scores: pd.DataFrame, answered_before: bool, w: dict[str, Any]) -> list[list[str]]:
    """What each score-table cell shows instead of its value (per row, in SCORE_COLUMNS order): '非表示'
    for a hidden peer statistic (:func:`_peer_hidden`), '回答なし' for the previous year of a company that
    did not answer then; '' for the value itself."""
    hidden = str(w["hidden"])
    previous = "" if answered_before else str(w["previous_none"])
    why = scores["_hidden"].tolist()  # columns taken out once: a frame lookup per cell cost more than the rest
    quantile_missing = {q: scores[q].isna().tolist() for q in ("p25", "p50", "p75")}
    level = scores["reached"].astype(bool).tolist()
    rows = []
    for r in range(len(scores)):
        def mark(c: str, r: int = r) -> str:
            if c == "previous" or (c == "prev_reached" and level[r]):
                return previous
            if c in PEER_STATS and (why[r] != "" or (c in quantile_missing and quantile_missing[c][r])):
                return hidden  # as _peer_hidden
            return ""
        rows.append([mark(c) for c in SCORE_COLUMNS])
    return rows


@cache
def _csf2_names(lang: str) -> dict[str, str]:
    return catalogs.csf2().set_index("node_id")["name_ja" if lang == "ja" else "name_en"].to_dict()


@cache
def _node_label(framework: str, node_id: str, lang: str) -> str:
    """A headline row's label (GV 統治, Lv1 項目の達成率); the same for every member of a run."""
    if framework == "csf2":
        return f"{node_id} {_csf2_names(lang).get(node_id, '')}".strip()
    return str(words(lang)["nodes"].get(node_id, node_id))


@cache
def _group_label(group: object, sector: str, lang: str, all_label: str) -> str:
    """A peer group in words: 小売電気事業者, 101〜300人, 電力分野全体, 比較値なし."""
    w = words(lang)
    if group == ALL_GROUP:
        return all_label
    if group == NO_PEERS:
        return str(w["no_peers"])
    if sector == "power":
        types = catalogs.power_business_types().set_index("code")["name_ja" if lang == "ja" else "name_en"]
        return str(types.get(group, group))
    text = str(group)
    return text if lang == "ja" else text.replace("〜", "–").replace("人", " employees").replace(",", ",")


def _peer_sentences(h: pd.DataFrame, sector: str, lang: str, k: int, all_label: str, n_items: int) -> list[str]:
    """How the peer group was chosen and how big it is, per kind of row, and what is left out and why.

    The sentences depend only on the peer columns, which members of one peer group share, so they are
    made once per distinct set of them."""
    cols = ["framework", "node_id", "peer_group", "peer_n", "hidden", "p25", "p50"]
    shared = tuple(tuple(None if pd.isna(v) else v for v in row) for row in h[cols].itertuples(index=False))
    unknown = bool(h["own_group"].isna().all())
    return list(_sentences(shared, unknown, sector, lang, k, all_label, n_items))


@cache
def _sentences(shared: tuple, unknown: bool, sector: str, lang: str, k: int, all_label: str,
               n_items: int) -> tuple[str, ...]:
    cols = ["framework", "node_id", "peer_group", "peer_n", "hidden", "p25", "p50"]
    h = pd.DataFrame(list(shared), columns=cols).astype({"peer_n": float, "p25": float, "p50": float})
    h["own_group"] = np.nan if unknown else ""
    return tuple(_peer_sentences_of(h, sector, lang, k, all_label, n_items))


def _peer_sentences_of(h: pd.DataFrame, sector: str, lang: str, k: int, all_label: str, n_items: int) -> list[str]:
    w = words(lang)
    attribute = w["attribute"][sector]
    join = "、" if lang == "ja" else ", "
    nodes = [_node_label(f, n, lang) for f, n in zip(h["framework"], h["node_id"], strict=True)]
    labelled = h.assign(_label=nodes)

    def size(rows: pd.DataFrame) -> str:
        n = rows["peer_n"].dropna()
        if n.empty:
            return ""
        lo, hi = int(n.min()), int(n.max())
        return w["n_companies"].format(n=lo) if lo == hi else w["n_range"].format(lo=lo, hi=hi)

    out = []
    labelled = labelled.assign(peer_n=labelled["peer_n"].where(labelled["hidden"].eq("")))
    own = labelled[~labelled["peer_group"].isin([ALL_GROUP, NO_PEERS])]
    if len(own):
        group = _group_label(own["peer_group"].iloc[0], sector, lang, all_label)
        out.append(w["peers_own"].format(attribute=attribute, group=group, n=size(own)))
    wide = labelled[labelled["peer_group"].eq(ALL_GROUP)]
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
    shown = labelled[labelled["hidden"].eq("")]
    if (shown["p25"].isna() | shown["p50"].isna()).any():
        out.append(w["peers_quantiles"].format(median=math.ceil(k / QUANTILE_TAILS["p50"]),
                                               iqr=math.ceil(k / QUANTILE_TAILS["p25"]), k=k))
    if n_items:
        out.append(w["peers_items"].format(sector=w["sector"][sector], n=n_items))
    return out


# --- the figure --------------------------------------------------------------------------------------

def peer_dots(scores: pd.DataFrame, ax: Axes, w: dict[str, Any]) -> Axes:
    """One row per measure: the peers' interquartile range as a band, their median as a black bar,
    their mean as an open circle, the company as a diamond with its value beside it.

    The mean is drawn because it needs only k peers, where the median needs 2k and the quartiles 4k:
    in a small peer group it is the only peer value there is.

    A row without peer values says so in words instead of drawing nothing, so an empty row is never
    read as a peer group at 0%. Rows follow ``scores`` from the top; a gap separates CSF 2.0 functions
    from the automotive levels and ★3.

    Parameters
    ----------
    scores : DataFrame
        :attr:`MemberPage.scores` (node, score, p25, p50, p75; NaN where not shown).
    ax : Axes
        Where to draw.
    w : dict
        :func:`words` of the page language (legend texts).
    """
    _peer_background(scores, ax, w)
    for artist in _company_marks(scores, ax):
        ax.add_artist(artist)
    return ax


def _positions(scores: pd.DataFrame) -> np.ndarray:
    """Row positions from the top; a gap separates CSF 2.0 functions from the levels and ★3."""
    pos = np.arange(len(scores), dtype=float)
    csf = scores["node"].str.match(r"^(GV|ID|PR|DE|RS|RC) ").to_numpy()
    pos[~csf] += 0.6 if csf.any() else 0.0
    return pos


def _peer_background(scores: pd.DataFrame, ax: Axes, w: dict[str, Any]) -> None:
    """Everything of the figure but the company's own marks: what all members of a peer group share."""
    n = len(scores)
    pos = _positions(scores)
    for p, row in zip(pos, scores.itertuples(index=False), strict=True):
        if pd.notna(row.p25) and pd.notna(row.p75):
            ax.add_patch(Rectangle((row.p25, p - 0.28), row.p75 - row.p25, 0.56, facecolor=PEER_COLOUR, alpha=0.3,
                                   edgecolor=PEER_COLOUR, linewidth=0.6))
        if pd.notna(row.p50):
            ax.plot([row.p50, row.p50], [p - 0.32, p + 0.32], color="black", lw=2.2, solid_capstyle="butt")
        if pd.notna(row.peer_mean):
            ax.plot([row.peer_mean], [p], marker="o", markersize=6, markerfacecolor="white", markeredgecolor="black",
                    markeredgewidth=1.2, linestyle="none", zorder=4)
        if pd.isna(row.peer_mean) and pd.isna(row.p50):
            ax.text(0.01, p + 0.36, w["no_stat"], ha="left", va="bottom", fontsize=6.5, color="#666666")
    ax.set_xlim(0, 1)
    ax.set_ylim(pos[-1] + 0.7 if n else 1, -0.7)
    ax.set_yticks(pos, scores["node"].tolist(), fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:.0%}"))
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="y", visible=False)
    ax.spines[["top", "right"]].set_visible(False)
    legend = w["legend"]
    handles = [Line2D([], [], marker="D", color=COMPANY_COLOUR, markeredgecolor="white", linestyle="none",
                      markersize=7, label=legend["company"]),
               Line2D([], [], marker="o", markerfacecolor="white", markeredgecolor="black", markeredgewidth=1.2,
                      linestyle="none", markersize=6, label=legend["mean"]),
               Line2D([], [], color="black", lw=2.2, label=legend["median"]),
               Patch(facecolor=PEER_COLOUR, alpha=0.3, edgecolor=PEER_COLOUR, label=legend["iqr"])]
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(-0.4, 1.01), ncols=2, fontsize=7.5,
              borderaxespad=0, handlelength=1.6, columnspacing=1.0, frameon=False)


def _company_marks(scores: pd.DataFrame, ax: Axes) -> list[Artist]:
    """The company's own marks, not yet added to ``ax``: a diamond per scored row, its value beside it."""
    pos = _positions(scores)
    scored = scores["score"].notna().to_numpy()
    marks: list[Artist] = [Line2D(scores["score"].to_numpy(float)[scored], pos[scored], marker="D", markersize=7,
                                  color=COMPANY_COLOUR, markeredgecolor="white", linestyle="none", zorder=5,
                                  clip_on=False)]  # a company at 0% or 100% gets a whole diamond, not half
    for p, value in zip(pos[scored], scores["score"].to_numpy(float)[scored], strict=True):
        marks.append(Text(1.03, p, f"{value:.1%}", ha="left", va="center", fontsize=8, color=COMPANY_COLOUR,
                          transform=ax.get_yaxis_transform(), clip_on=False))  # beside the axes, never cut
    return marks


class PeerFigures:
    """Draws the member figure (:func:`peer_dots`) for many members of one sector-year, cheaply.

    Members of one peer group see the same peer bands, medians, means, labels and legend; only their
    own diamonds and values differ. The shared part is drawn once per distinct set of peer values
    (kept for the ``keep`` most recent) and each member's marks are drawn over a copy of it, then
    encoded as PNG. The pixels depend only on the member's numbers, never on which member came first.
    """

    def __init__(self, w: dict[str, Any], keep: int = 16) -> None:
        self.w = w
        self.keep = keep
        self._drawn: OrderedDict[tuple, tuple[Figure, FigureCanvasAgg, Axes, Any]] = OrderedDict()

    def png(self, scores: pd.DataFrame) -> bytes:
        """The figure of one member's ``scores`` (MemberPage.scores) as PNG bytes at FIGURE_DPI."""
        shared = tuple(tuple(None if pd.isna(v) else v for v in row)
                       for row in scores[["node", "p25", "p50", "p75", "peer_mean"]].itertuples(index=False))
        if shared in self._drawn:
            self._drawn.move_to_end(shared)
        else:
            self._drawn[shared] = self._background(scores)
            if len(self._drawn) > self.keep:
                self._drawn.popitem(last=False)
        fig, canvas, ax, background = self._drawn[shared]
        canvas.restore_region(background)
        for artist in _company_marks(scores, ax):
            artist.set_figure(fig)
            artist.axes = ax
            if isinstance(artist, Line2D):
                artist.set_transform(ax.transData)
            ax.draw_artist(artist)
        width, height = canvas.get_width_height(physical=True)
        rgb = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
        buf = io.BytesIO()
        rgb.save(buf, format="png", dpi=(FIGURE_DPI, FIGURE_DPI), compress_level=PNG_LEVEL)
        return buf.getvalue()

    def _background(self, scores: pd.DataFrame) -> tuple[Figure, FigureCanvasAgg, Axes, Any]:
        fig = Figure(figsize=(7.0, 1.2 + 0.42 * max(len(scores), 1)), dpi=FIGURE_DPI)
        canvas = FigureCanvasAgg(fig)
        ax = fig.add_axes((0.3, 0.12, 0.62, 0.88 - 0.9 / fig.get_figheight()))
        _peer_background(scores, ax, self.w)
        canvas.draw()
        return fig, canvas, ax, canvas.copy_from_bbox(fig.bbox)


# --- the workbook ------------------------------------------------------------------------------------

def _head(column: str, page: MemberPage) -> str:
    """Header of a feedback column: the feedback labels first (own score, percentile, 偏差値…), else
    catalogs/columns.yaml (中央値, 25パーセンタイル, 項目番号…)."""
    own = page.words["columns"].get(column)
    return str(own).format(sector=page.sector, previous=page.previous_year) if own else header(column, page.lang)


def _shown(value: object, column: str, lang: str) -> str:
    return format_value(value, PROXY[KIND[column]], lang)


def write_member_workbook(path: Path, page: MemberPage) -> Path:
    """The member's workbook: 概要 (who, what, peers, rules, the figure), スコア, 優先して取り組む項目.

    Written beside ``path`` and moved into place, so a clerk never attaches a half-written file.
    """
    tmp = path.with_name(path.name + ".tmp")
    wb = workbook(tmp, in_memory=True)
    wb.set_properties({"created": FIXED_CREATED, "title": page.words["title"], "company": ""})
    try:
        styles = cell_styles(wb, page.lang)
        _cover_sheet(wb, styles, page)
        cols = page.score_columns
        keep = [SCORE_COLUMNS.index(c) for c in cols]
        score_marks = [[row[i] for i in keep] for row in page.score_marks]
        _table_sheet(wb, styles, page, page.words["sheets"]["scores"], page.words["scores_title"],
                     page.scores, cols, score_marks)
        rates = page.items["peer_rate"].isna().tolist()
        item_marks = [[page.words["hidden"] if c in ("peer_rate", "n_applicable") and hidden else ""
                       for c in ITEM_COLUMNS] for hidden in rates]
        _table_sheet(wb, styles, page, page.words["sheets"]["items"], page.words["items_title"], page.items,
                     ITEM_COLUMNS, item_marks, empty=page.words["items_none"])
        for extra in page.extra:
            extra.write_sheet(wb, styles)
    finally:
        wb.close()
    os.replace(tmp, path)
    return path


def _peer_hidden(scores: pd.DataFrame, r: int, col: str) -> bool:
    """Whether a score-table cell reads '非表示': a peer statistic of a row without peer values (the
    count too when it is unknown), or a quantile too few peers lie beyond. Not the company's own
    missing percentile, which is not assessed ('—')."""
    if col not in PEER_STATS:
        return False
    if scores["_hidden"].iat[r] != "":
        return True  # the count too, as in published tables: with it, a hidden value would say why
    return col in ("p25", "p50", "p75") and bool(np.isnan(scores[col].iat[r]))


def _cover_sheet(wb: Any, styles: dict[str, Any], page: MemberPage) -> None:
    w = page.words
    ws = wb.add_worksheet(w["sheets"]["cover"])
    label_w, value_w = 16, 96
    ws.set_column(0, 0, label_w)
    ws.set_column(1, 1, value_w)
    ws.write_string(0, 0, w["title"], styles["title"])
    ws.set_row(0, 21)
    ws.write_string(1, 0, w["addressee"].format(company=page.company), styles["note"])
    cover = w["cover"]
    rows = [(cover["company"], page.company), (cover["sector"], page.sector), (cover["year"], page.year),
            *([(cover["previous"], page.previous_note)] if page.previous_year else []),
            (cover["peers"], "\n".join(page.peers)), (cover["reading"], page.reading),
            (cover["rules"], page.rules), (cover["symbols"], page.symbols)]
    r = 3
    for label, value in rows:
        ws.write_string(r, 0, label, styles["label"])
        ws.write_string(r, 1, value, styles["value"])
        lines = sum(max(1, math.ceil(display_width(part) / (value_w - 2))) for part in value.split("\n"))
        if lines > 1:
            ws.set_row(r, LINE_HEIGHT * lines)
        r += 1
    r += 1
    ws.write_string(r, 0, cover["figure"], styles["label"])
    ws.write_string(r, 1, w["figure_title"], styles["label"])
    ws.insert_image(r + 1, 1, "peers.png", {"image_data": io.BytesIO(page.figure_png), "object_position": 3})
    ws.set_paper(9)
    ws.fit_to_pages(1, 1)
    ws.activate()


def _table_sheet(wb: Any, styles: dict[str, Any], page: MemberPage, name: str, title: str, frame: pd.DataFrame,
                 cols: list[str], marks: list[list[str]], empty: str = "") -> None:
    """A table in the people's-workbook layout (title, header on row 4, frozen, fitted widths); a cell
    with a mark shows it instead of its value (a hidden peer value '非表示'), a not-assessed one '—'."""
    ws = wb.add_worksheet(name)
    lang = page.lang
    values = list(zip(*(frame[c].tolist() for c in cols), strict=True)) if len(frame) else []  # not .at per cell
    ws.write_string(0, 0, title, styles["title"])
    ws.set_row(0, 21)
    ws.write_string(1, 0, page.words["addressee"].format(company=page.company) + " ・ " + page.year, styles["note"])
    heads = [_head(c, page) for c in cols]
    shown = [[marks[r][c] or _shown(value, col, lang) for c, (col, value) in enumerate(zip(cols, row, strict=True))]
             for r, row in enumerate(values)]
    widths = [column_width(head, [row[c] for row in shown], KIND[col]) for c, (head, col)
              in enumerate(zip(heads, cols, strict=True))]
    for c, head in enumerate(heads):
        ws.write_string(HEADER_ROW, c, head, styles["header"])
        wrap = KIND[cols[c]] == "text" and widths[c] >= TEXT_WRAP_AT
        ws.set_column(c, c, widths[c], styles["text_wrap"] if wrap else None)
    ws.set_row(HEADER_ROW, row_height(heads, widths))
    for r, row in enumerate(values):
        for c, col in enumerate(cols):
            mark = marks[r][c]
            write_cell(ws, HEADER_ROW + 1 + r, c, row[c], shown[r][c], KIND[col], bool(mark), mark, widths[c], styles)
        height = row_height(shown[r], widths)
        if height > LINE_HEIGHT:
            ws.set_row(HEADER_ROW + 1 + r, height)
    if frame.empty and empty:
        ws.write_string(HEADER_ROW + 1, 0, empty, styles["text"])
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(HEADER_ROW)


def _write_index(path: Path, frame: pd.DataFrame, w: dict[str, Any]) -> None:
    """The clerk's list: file ↔ company ↔ 法人番号, 法人番号 kept as text (leading zeros)."""
    tmp = path.with_name(path.name + ".tmp")
    wb = workbook(tmp)
    wb.set_properties({"created": FIXED_CREATED})  # no clock in the file: the same members give the same bytes
    try:
        write_sheet(wb, w["index"]["title"], frame, widths=[None, None, 16])
    finally:
        wb.close()
    os.replace(tmp, path)


# --- the PDF -----------------------------------------------------------------------------------------

def _wrap(text: str, width: int) -> str:
    """Wrap at ``width`` display columns (a kanji counts two), keeping existing line breaks; Latin text
    breaks at spaces."""
    lines = []
    for para in text.split("\n"):
        line = ""
        for token in re.findall(r"[!-~]+ ?| |.", para):  # an ASCII word (and its space) stays together
            if display_width(line + token) > width and line and token[0] not in NO_LINE_START:
                lines.append(line.rstrip())
                line = token.lstrip()
            else:
                line += token
        lines.append(line.rstrip())
    return "\n".join(lines)


def write_member_pdf(path: Path, page: MemberPage) -> Path:
    """A one-page A4 PDF of the same content: heading, figure, score table, priority items, peers, rules."""
    w = page.words
    fig = Figure(figsize=A4)
    fig.text(0.06, 0.965, w["title"], fontsize=15, va="top")
    fig.text(0.06, 0.935, f"{page.company} ・ {page.sector} ・ {page.year}", fontsize=11, va="top")
    n = len(page.scores)
    fig_h = 0.025 + 0.0135 * n
    top = 0.845  # the band above holds the figure title and a two-row legend
    ax = fig.add_axes((0.3, top - fig_h, 0.58, fig_h))
    fig.text(0.06, 0.905, w["figure_title"], fontsize=10, va="top")
    peer_dots(page.scores, ax, w)
    y = top - fig_h - 0.04
    cols = page.score_columns
    share = {c: PDF_WIDTHS[c] for c in cols}
    scale = 0.88 / sum(share.values())  # the columns shown fill the text width
    marks = [[row[SCORE_COLUMNS.index(c)] for c in cols] for row in page.score_marks]
    y = _pdf_table(fig, page, page.scores, cols, w["scores_title"], y, widths=[share[c] * scale for c in cols],
                   marks=marks, wrap={"node": 24, "peer_group": 20, "reached": 10, "prev_reached": 10})
    item_cols = ["rank", "item_id", "text", "answer", "peer_rate"]
    hidden = page.items["peer_rate"].isna().tolist()
    y = _pdf_table(fig, page, page.items, item_cols, w["items_title"], y - 0.015,
                   widths=[0.05, 0.09, 0.50, 0.14, 0.10], wrap={"text": 80, "answer": 22},
                   marks=[[w["hidden"] if c == "peer_rate" and h else "" for c in item_cols] for h in hidden])
    cover = w["cover"]
    previous = [(cover["previous"], page.previous_note)] if page.previous_year else []
    for label, text in [*previous, (cover["peers"], "\n".join(page.peers)), (cover["reading"], page.reading),
                        (cover["rules"], page.rules)]:
        wrapped = _wrap(text, 128 if page.lang == "ja" else 122)
        fig.text(0.06, y, label, fontsize=8, va="top")
        fig.text(0.16, y, wrapped, fontsize=7, va="top", color="#333333", linespacing=1.35)
        y -= 0.0115 * (wrapped.count("\n") + 1) + 0.008
    if y < 0.04:  # never in tests so far: a page that overflows must not go out silently
        raise ValueError(f"feedback page for {page.company!r} does not fit on one A4 page")
    fig.text(0.06, 0.02, w["footer"].format(company=page.company, sector=page.sector, year=page.year),
             fontsize=6.5, color="#888888")
    tmp = path.with_name(path.name + ".tmp")
    with PdfPages(tmp, metadata={"Title": w["title"], "CreationDate": None, "Creator": "sdw"}) as pdf:
        pdf.savefig(fig)
        for extra in page.extra:
            for more in extra.pdf_figures():
                pdf.savefig(more)
    os.replace(tmp, path)
    return path


def _pdf_table(fig: Figure, page: MemberPage, frame: pd.DataFrame, cols: list[str], title: str, y: float,
               widths: list[float], marks: list[list[str]], wrap: dict[str, int] | None = None) -> float:
    """A table drawn with text at fixed column positions; returns the y under it. A cell with a mark
    ('非表示', '回答なし') shows it in grey instead of its value."""
    fig.text(0.06, y, title, fontsize=10, va="bottom")
    x = 0.06 + np.concatenate([[0], np.cumsum(widths)[:-1]])
    row_h = 0.0125
    y -= 0.006
    heads = [_wrap(_head(c, page), max(int(wd * 150), 6)) for c, wd in zip(cols, widths, strict=True)]
    head_lines = max(h.count("\n") + 1 for h in heads)
    fig.patches.append(Rectangle((0.06, y - row_h * head_lines), sum(widths), row_h * head_lines,
                                 transform=fig.transFigure, facecolor="#D9D9D9", edgecolor="none"))
    for xi, head, col, wd in zip(x, heads, cols, widths, strict=True):
        right = KIND[col] != "text"
        fig.text(xi + (wd - 0.006 if right else 0.003), y - 0.002, head, fontsize=6.5,
                 va="top", ha="right" if right else "left", linespacing=1.2)
    y -= row_h * head_lines + 0.002
    if frame.empty:
        fig.text(0.063, y - 0.002, page.words["items_none"], fontsize=7, va="top")
        return y - row_h
    values = list(zip(*(frame[c].tolist() for c in cols), strict=True))
    for r, row in enumerate(values):
        cells = [_wrap(marks[r][c] or _shown(v, col, page.lang), (wrap or {}).get(col, 200))
                 for c, (col, v) in enumerate(zip(cols, row, strict=True))]
        for xi, text, col, wd in zip(x, cells, cols, widths, strict=True):
            right = KIND[col] != "text"
            fig.text(xi + (wd - 0.006 if right else 0.003), y - 0.002, text, fontsize=7, va="top",
                     ha="right" if right else "left", color="#808080" if text in marks[r] or text == DASH
                     else "black", linespacing=1.2)
        y -= row_h * max(t.count("\n") + 1 for t in cells)
        fig.add_artist(Line2D([0.06, 0.06 + sum(widths)], [y + 0.001, y + 0.001], transform=fig.transFigure,
                              color="#DDDDDD", lw=0.5))
    return y - 0.01

"""Member feedback files: one workbook (and optionally a one-page PDF) per company, and the clerk's index.

What a member receives must read without the association on the phone: its own name, the sector and
year in words, its scores as percentages beside its peers' median and quartiles, a picture, the items
to work on first in the checklist's own words, who its peers are and how scores are made. The numbers
come from :func:`pipeline.scoring.feedback.feedback_tables`; this module only shows them.

Files are named ``<sector>_<year>_<NNNN>.xlsx`` (a running number by company name), not by respondent
key, so a clerk can find and attach them; ``index.xlsx`` beside them maps each file to the company
name and 法人番号 with an empty email column. The index is the association's only list of names beside
files: a member file carries its own company's name and nobody else's.

The workbook follows the people's workbook of :mod:`pipeline.publish.render_xlsx` (same styles, number
formats and width fitting): numbers stay numbers, with percent formats.
"""

from __future__ import annotations

import io
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from pipeline import catalogs
from pipeline.catalogs._files import read_yaml
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

FIGURE_DPI = 200
"""XlsxWriter sizes an image by its DPI: 7 inches at 200 dpi shows about 670 pixels wide in Excel."""
A4 = (8.27, 11.69)
NO_LINE_START = "、。，．・：；？！）」』】％ー"
"""Japanese punctuation that must not begin a line (kinsoku): it stays on the line before."""
COMPANY_COLOUR = style.PALETTE[3]  # vermilion: stands out against the blue peer band, also in greyscale
PEER_COLOUR = style.PALETTE[0]
SCORE_COLUMNS = ["node", "score", "p50", "p25", "p75", "peer_mean", "peer_n", "percentile", "deviation",
                 "peer_group"]
ITEM_COLUMNS = ["rank", "item_id", "text", "answer", "peer_rate", "n_applicable"]
KIND = {"node": "text", "score": "score", "p25": "score", "p50": "score", "p75": "score", "peer_mean": "score",
        "peer_n": "count", "percentile": "int", "deviation": "int", "peer_group": "text", "rank": "int",
        "item_id": "text", "text": "text", "answer": "text", "peer_rate": "percent", "n_applicable": "count"}
"""How each column is shown (the kinds of catalogs/columns.yaml): scores in percent with one decimal,
percentile rank and 偏差値 as whole numbers (the value stays exact; only its format rounds)."""
PROXY = {"score": "mean", "percent": "share", "count": "n", "int": "rank", "text": "node_name"}
"""A columns.yaml column of each kind, so display text (used to fit widths) is formatted as in reports."""
PEER_STATS = ["peer_mean", "p25", "p50", "p75", "peer_n", "percentile", "deviation"]


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
                   year: int, out: Path, lang: str = "ja", pdf: bool = False, k: int | None = None) -> FeedbackFiles:
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
        removed first, so the folder never holds a file the new index does not list.
    lang : {'ja', 'en'}
    pdf : bool
        Also write a one-page A4 PDF per company, drawn by matplotlib from the same content.
    k : int, optional
        The k the tables were made with (default ``min_cell``), quoted in the notes.

    Returns
    -------
    FeedbackFiles
    """
    w = words(lang)
    k = catalogs.scoring_rules()["min_cell"] if k is None else k
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    pattern = re.compile(rf"^{re.escape(sector)}_{year}_\d{{4}}\.(xlsx|pdf)$")
    for old in out.iterdir():
        if pattern.match(old.name):
            old.unlink()
    ident = identities[identities["sector"].eq(sector) & identities["year"].eq(year)] \
        if "sector" in identities.columns else identities
    ident = ident.drop_duplicates("respondent_key").set_index("respondent_key")
    order = sorted(tables, key=lambda key: (str(ident["company_name"].get(key, "")), key))
    style.apply()
    result = FeedbackFiles(workbooks=[], index=out / "index.xlsx")
    rows = []
    for number, key in enumerate(order, start=1):
        name = str(ident["company_name"].get(key, "") or "")
        page = member_page(key, name, *tables[key], sector, year, lang, k)
        stem = f"{sector}_{year}_{number:04d}"
        result.workbooks.append(write_member_workbook(out / f"{stem}.xlsx", page))
        if pdf:
            result.pdfs.append(write_member_pdf(out / f"{stem}.pdf", page))
        rows.append({w["index"]["file"]: f"{stem}.xlsx", w["index"]["company"]: name,
                     w["index"]["number"]: str(ident["corporate_number"].get(key, "") or ""),
                     w["index"]["email"]: ""})
    _write_index(result.index, pd.DataFrame(rows, columns=[w["index"][c] for c in ("file", "company", "number",
                                                                                    "email")]), w)
    return result


@dataclass
class MemberPage:
    """Everything one member's workbook and PDF show, already in the report language."""

    company: str
    sector: str  # 電力分野
    year: str  # 2024年度
    scores: pd.DataFrame  # SCORE_COLUMNS, numbers as numbers
    items: pd.DataFrame  # ITEM_COLUMNS
    peers: list[str]  # sentences: how the peer group was chosen, its size, what was left out and why
    reading: str
    rules: str
    symbols: str
    lang: str
    words: dict[str, Any]
    figure_png: bytes = b""


def member_page(key: str, company: str, headline: pd.DataFrame, weak: pd.DataFrame, sector: str, year: int,
                lang: str, k: int) -> MemberPage:
    """One member's page content: labels in words, peer sentences, the figure as PNG bytes."""
    w = words(lang)
    sector_words = w["sector"][sector]
    all_label = w["all_group"].format(sector=sector_words)
    h = headline.reset_index(drop=True)
    scores = pd.DataFrame({
        "node": [_node_label(f, n, lang) for f, n in zip(h["framework"], h["node_id"], strict=True)],
        "score": h["score"], "p50": h["p50"], "p25": h["p25"], "p75": h["p75"], "peer_mean": h["peer_mean"],
        "peer_n": h["peer_n"], "percentile": h["percentile"], "deviation": h["deviation"],
        "peer_group": [_group_label(g, sector, lang, all_label) for g in h["peer_group"]],
        "_hidden": h["hidden"], "_group": h["peer_group"]})
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
    page = MemberPage(company=company, sector=sector_words, year=w["year"].format(year=year), scores=scores,
                      items=items, peers=_peer_sentences(h, sector, lang, k, all_label, n_items),
                      reading=w["reading"].format(sector=sector_words),
                      rules=" ".join([style.labels(lang)["rules_text"],  # the member's own sector's rules only
                                      style.labels(lang)["rules_sector"].get(sector, "")]).format(threshold=threshold),
                      symbols=w["symbols"], lang=lang, words=w)
    fig = Figure(figsize=(7.0, 1.2 + 0.42 * max(len(scores), 1)))
    ax = fig.add_axes((0.3, 0.12, 0.62, 0.88 - 0.9 / fig.get_figheight()))
    peer_dots(scores, ax, w)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI)
    page.figure_png = buf.getvalue()
    return page


def _node_label(framework: str, node_id: str, lang: str) -> str:
    if framework == "csf2":
        names = catalogs.csf2().set_index("node_id")["name_ja" if lang == "ja" else "name_en"]
        return f"{node_id} {names.get(node_id, '')}".strip()
    return str(words(lang)["nodes"].get(node_id, node_id))


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
    """How the peer group was chosen and how big it is, per kind of row, and what is left out and why."""
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
    n = len(scores)
    pos = np.arange(n, dtype=float)
    csf = scores["node"].str.match(r"^(GV|ID|PR|DE|RS|RC) ").to_numpy()
    pos[~csf] += 0.6 if csf.any() else 0.0  # a visible break between CSF functions and levels / ★
    for p, row in zip(pos, scores.itertuples(index=False), strict=True):
        if pd.notna(row.p25) and pd.notna(row.p75):
            ax.add_patch(Rectangle((row.p25, p - 0.28), row.p75 - row.p25, 0.56, facecolor=PEER_COLOUR, alpha=0.3,
                                   edgecolor=PEER_COLOUR, linewidth=0.6))
        if pd.notna(row.p50):
            ax.plot([row.p50, row.p50], [p - 0.32, p + 0.32], color="black", lw=2.2, solid_capstyle="butt")
        if pd.notna(row.peer_mean):
            ax.plot([row.peer_mean], [p], marker="o", markersize=6, markerfacecolor="white", markeredgecolor="black",
                    markeredgewidth=1.2, linestyle="none", zorder=4)
        if pd.notna(row.score):
            ax.plot([row.score], [p], marker="D", markersize=7, color=COMPANY_COLOUR, markeredgecolor="white",
                    linestyle="none", zorder=5)
            ax.text(1.03, p, f"{row.score:.1%}", ha="left", va="center", fontsize=8, color=COMPANY_COLOUR,
                    transform=ax.get_yaxis_transform())
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
    return ax


# --- the workbook ------------------------------------------------------------------------------------

def _head(column: str, page: MemberPage) -> str:
    """Header of a feedback column: the feedback labels first (own score, percentile, 偏差値…), else
    catalogs/columns.yaml (中央値, 25パーセンタイル, 項目番号…)."""
    own = page.words["columns"].get(column)
    return str(own).format(sector=page.sector) if own else header(column, page.lang)


def _shown(value: object, column: str, lang: str) -> str:
    return format_value(value, PROXY[KIND[column]], lang)


def write_member_workbook(path: Path, page: MemberPage) -> Path:
    """The member's workbook: 概要 (who, what, peers, rules, the figure), スコア, 優先して取り組む項目.

    Written beside ``path`` and moved into place, so a clerk never attaches a half-written file.
    """
    tmp = path.with_name(path.name + ".tmp")
    wb = workbook(tmp)
    wb.set_properties({"created": FIXED_CREATED, "title": page.words["title"], "company": ""})
    try:
        styles = cell_styles(wb, page.lang)
        _cover_sheet(wb, styles, page)
        score_hidden = [[_peer_hidden(page.scores, r, c) for c in SCORE_COLUMNS] for r in range(len(page.scores))]
        _table_sheet(wb, styles, page, page.words["sheets"]["scores"], page.words["scores_title"],
                     page.scores, SCORE_COLUMNS, score_hidden)
        item_hidden = [[c in ("peer_rate", "n_applicable") and pd.isna(page.items.at[r, "peer_rate"])
                        for c in ITEM_COLUMNS] for r in range(len(page.items))]
        _table_sheet(wb, styles, page, page.words["sheets"]["items"], page.words["items_title"], page.items,
                     ITEM_COLUMNS, item_hidden, empty=page.words["items_none"])
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
    value = scores.at[r, col]
    if scores.at[r, "_hidden"] != "":
        return True  # the count too, as in published tables: with it, a hidden value would say why
    return col in ("p25", "p50", "p75") and pd.isna(value)


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
                 cols: list[str], hidden: list[list[bool]], empty: str = "") -> None:
    """A table in the people's-workbook layout (title, header on row 4, frozen, fitted widths); a
    hidden peer value reads '非表示', a not-assessed one '—'."""
    ws = wb.add_worksheet(name)
    lang = page.lang
    mark = page.words["hidden"]
    frame = frame.reset_index(drop=True)
    ws.write_string(0, 0, title, styles["title"])
    ws.set_row(0, 21)
    ws.write_string(1, 0, page.words["addressee"].format(company=page.company) + " ・ " + page.year, styles["note"])
    heads = [_head(c, page) for c in cols]
    shown = [[mark if hidden[r][c] else _shown(frame.at[r, col], col, lang) for c, col in enumerate(cols)]
             for r in range(len(frame))]
    widths = [column_width(head, [row[c] for row in shown], KIND[col]) for c, (head, col)
              in enumerate(zip(heads, cols, strict=True))]
    for c, head in enumerate(heads):
        ws.write_string(HEADER_ROW, c, head, styles["header"])
        wrap = KIND[cols[c]] == "text" and widths[c] >= TEXT_WRAP_AT
        ws.set_column(c, c, widths[c], styles["text_wrap"] if wrap else None)
    ws.set_row(HEADER_ROW, row_height(heads, widths))
    for r in range(len(frame)):
        for c, col in enumerate(cols):
            write_cell(ws, HEADER_ROW + 1 + r, c, frame.at[r, col], shown[r][c], KIND[col], hidden[r][c], mark,
                        widths[c], styles)
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
    """The clerk's list: file ↔ company ↔ 法人番号 ↔ email (blank), 法人番号 kept as text (leading zeros)."""
    tmp = path.with_name(path.name + ".tmp")
    wb = workbook(tmp)
    try:
        write_sheet(wb, w["index"]["title"], frame, widths=[None, None, 16, 36])
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
        for token in re.findall(r"[ -~]+ ?|.", para):  # runs of ASCII stay together, other characters alone
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
    fig_h = 0.03 + 0.015 * n
    top = 0.845  # the band above holds the figure title and a two-row legend
    ax = fig.add_axes((0.3, top - fig_h, 0.58, fig_h))
    fig.text(0.06, 0.905, w["figure_title"], fontsize=10, va="top")
    peer_dots(page.scores, ax, w)
    y = top - fig_h - 0.04
    y = _pdf_table(fig, page, page.scores, SCORE_COLUMNS, w["scores_title"], y,
                   widths=[0.16, 0.08, 0.07, 0.08, 0.08, 0.08, 0.07, 0.08, 0.06, 0.12],
                   wrap={"node": 26, "peer_group": 22})
    item_cols = ["rank", "item_id", "text", "answer", "peer_rate"]
    y = _pdf_table(fig, page, page.items, item_cols, w["items_title"], y - 0.015,
                   widths=[0.05, 0.09, 0.50, 0.14, 0.10], wrap={"text": 80, "answer": 22})
    cover = w["cover"]
    for label, text in [(cover["peers"], "\n".join(page.peers)), (cover["reading"], page.reading),
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
    os.replace(tmp, path)
    return path


def _pdf_table(fig: Figure, page: MemberPage, frame: pd.DataFrame, cols: list[str], title: str, y: float,
               widths: list[float], wrap: dict[str, int] | None = None) -> float:
    """A table drawn with text at fixed column positions; returns the y under it."""
    fig.text(0.06, y, title, fontsize=10, va="bottom")
    mark = page.words["hidden"]
    x = 0.06 + np.concatenate([[0], np.cumsum(widths)[:-1]])
    row_h = 0.0125
    y -= 0.006
    heads = [_wrap(_head(c, page), max(int(wd * 150), 6)) for c, wd in zip(cols, widths, strict=True)]
    head_lines = max(h.count("\n") + 1 for h in heads)
    fig.patches.append(Rectangle((0.06, y - row_h * head_lines), sum(widths), row_h * head_lines,
                                 transform=fig.transFigure, facecolor="#D9D9D9", edgecolor="none"))
    for xi, head, col in zip(x, heads, cols, strict=True):
        right = KIND[col] != "text"
        fig.text(xi + (widths[cols.index(col)] - 0.006 if right else 0.003), y - 0.002, head, fontsize=6.5,
                 va="top", ha="right" if right else "left", linespacing=1.2)
    y -= row_h * head_lines + 0.002
    if frame.empty:
        fig.text(0.063, y - 0.002, page.words["items_none"], fontsize=7, va="top")
        return y - row_h
    for r in range(len(frame)):
        cells = []
        for col in cols:
            value = frame.at[r, col]
            hid = _peer_hidden(frame, r, col) if "_hidden" in frame else col == "peer_rate" and pd.isna(value)
            text = mark if hid else _shown(value, col, page.lang)
            cells.append(_wrap(text, (wrap or {}).get(col, 200)))
        lines = max(t.count("\n") + 1 for t in cells)
        for xi, text, col, wd in zip(x, cells, cols, widths, strict=True):
            right = KIND[col] != "text"
            fig.text(xi + (wd - 0.006 if right else 0.003), y - 0.002, text, fontsize=7, va="top",
                     ha="right" if right else "left", color="#808080" if text in (mark, DASH) else "black",
                     linespacing=1.2)
        y -= row_h * lines
        fig.add_artist(Line2D([0.06, 0.06 + sum(widths)], [y + 0.001, y + 0.001], transform=fig.transFigure,
                              color="#DDDDDD", lw=0.5))
    return y - 0.01

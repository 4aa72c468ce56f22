"""One briefing style: Japanese glyphs without system fonts, series told apart by colour, hatch, marker and line
style (so greyscale and colour-blind readers can), 16:9 slides, consistent titles and a source line in plain
words. The colours themselves are named in :mod:`pipeline.palette`.

This module never chooses a matplotlib backend: that is the caller's choice (JupyterLab uses its
inline backend; batch runs set ``MPLBACKEND=Agg`` in the environment).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import matplotlib.pyplot as plt
import matplotlib_fontja  # noqa: F401 - registers IPAexGothic for Japanese labels
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from pipeline import catalogs, ruleset
from pipeline.catalogs import catalog_cache
from pipeline.palette import NOTE_COLOUR, PALETTE
from pipeline.publish.figure_files import STRICT_GLYPHS as STRICT_GLYPHS  # the report tests set it
from pipeline.publish.figure_files import share_text_metrics, strict_glyphs
from pipeline.publish.slides import (  # noqa: F401 — part of the figure style figures and tests use
    SLIDE_FIGURE,
    SLIDE_MIN_PT,
    fs,
    keep_note,
    min_text_size,
    on_slide,
    short_key,
    short_label,
    short_labels,
    slide_mode,
)
from pipeline.report import rule_words
from pipeline.report.scheme_names import scheme_version
from pipeline.ruleset import RulesSource

# Colour is never the only cue: each series index also has a hatch (bars), a marker and a line style
# (lines), so a greyscale print or a colour-blind reader can still tell series apart.
HATCHES = ["", "//", "..", "xx", "\\\\", "++", "oo", "--"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 1)), (0, (8, 2)), (0, (3, 1, 3, 3))]
SLIDE = (10.0, 5.625)  # inches, 16:9
DPI = 300
# IPAexGothic (the only face with Japanese glyphs we ship) has no bold: asking for bold makes
# matplotlib log a red 'findfont' warning and fall back anyway. Titles stand out by size instead.
TITLE_WEIGHT = "normal"


def series_style(j: int) -> dict[str, Any]:
    """Colour, hatch, marker and line style of the ``j``-th series, so every figure pairs them the same way.

    Parameters
    ----------
    j : int
        Position of the series in drawing order (0-based); wraps around after the palette is used up.

    Returns
    -------
    dict
        Keys ``color``, ``hatch``, ``marker``, ``linestyle``.
    """
    return {"color": PALETTE[j % len(PALETTE)], "hatch": HATCHES[j % len(HATCHES)],
            "marker": MARKERS[j % len(MARKERS)], "linestyle": LINESTYLES[j % len(LINESTYLES)]}


def apply() -> None:
    """Set the figure style for this process (fonts, palette, sizes, text extents measured once); never the backend."""
    strict_glyphs()
    share_text_metrics()
    plt.rcParams.update({
        "figure.figsize": SLIDE, "figure.dpi": 100, "savefig.dpi": DPI, "font.size": 11,
        "axes.titlesize": 15, "axes.titleweight": TITLE_WEIGHT, "axes.titlelocation": "left",
        "figure.titleweight": TITLE_WEIGHT,
        "axes.spines.top": False, "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.3,
        "axes.prop_cycle": plt.cycler(color=PALETTE), "legend.frameon": False, "svg.fonttype": "path",
    })


@catalog_cache
def _labels() -> dict[str, Any]:
    return catalogs.report_labels()


def labels(lang: str) -> dict[str, Any]:
    """The report's fixed texts (titles, notes, axis labels) in ``lang`` ('ja' or 'en'); ``sector`` names
    each registered sector as catalogs/sectors.yaml does, and what a report says of one sector's scoring
    (``rules_sector``, the deck's ``rules_slide.sector``, the figures' ``mapping_note``) comes from that
    sector's ``report_words`` there, so a sector is added in one entry."""
    if lang not in _labels():
        raise ValueError(f"lang must be one of {', '.join(_labels())}, not {lang!r}")
    return _labels_in(lang)


@catalog_cache
def _labels_in(lang: str) -> dict[str, Any]:
    words = dict(_labels()[lang])
    names = {s: str(info["name"][lang]) for s, info in catalogs.sectors().items()}
    words["sector"] = {**names, **words.get("sector", {})}
    own = {s: info.get("report_words", {}).get(lang, {}) for s, info in catalogs.sectors().items()}
    for key in ("rules_sector", "mapping_note"):
        words[key] = {s: w[key] for s, w in own.items() if key in w}
    words["rules_slide"] = {**words["rules_slide"], "sector": {s: w["rules_slide"] for s, w in own.items()
                                                               if "rules_slide" in w}}
    words["lang"] = lang  # the language the texts written from rules (rule_words) are in
    return words


def threshold_text(rules: RulesSource = None) -> str:
    """The level threshold as a page prints it ('90%'): :func:`pipeline.ruleset.level_threshold` of ``rules`` (a
    path or mapping overriding scoring.yaml, as scoring takes), so a page states the rule its levels were scored by."""
    return f"{ruleset.level_threshold(rules):.0%}"


def rules_bullets(labels: dict[str, Any], sectors: list[str], threshold: str, k: int, mapping_only: bool = False
                  ) -> list[str]:
    """The deck's rules slide as short bullets: each sector's scoring in its own answer words (``rule_scoring``) and
    what only it adds, each labelled with the sector it is about (so a cross-sector slide keeps power's and
    automotive's rules apart), then the disclosure rules with ``k`` from the rules, and every mark a table shows
    (x, —, … and the bands 「90%以上」「10%未満」). ``mapping_only``: of what a sector adds, only how it maps to
    CSF 2.0 (a cross-sector comparison shows no levels or ★)."""
    words = labels["rules_slide"]
    out = []
    for s in sectors:  # a page about one sector need not name it on every line
        at = words["at"].format(sector=labels["sector"].get(s, s)) if len(sectors) > 1 else ""
        out.append(words["scoring"].format(at=at, scoring=rule_words.rule_line(s, labels, labels["lang"])))
        adds = words["sector"].get(s, [])
        out += [line.format(at=at, threshold=threshold) for line in (adds[:1] if mapping_only else adds)]
    out += [line.format(k=k) for line in (*words["disclosure"], *words["marks"])]
    return [*out, words["more"]]


def sectors_name(labels: dict[str, Any], sectors: list[str]) -> str:
    """The name of a page about ``sectors``: their names from catalogs/sectors.yaml in the page's order,
    joined by the language's ``sectors_joiner`` (電力・自動車), so a new sector needs no label of its own."""
    return labels["sectors_joiner"].join(labels["sector"][s] for s in sectors)


def rules_text(labels: dict[str, Any], sectors: list[str], threshold: str) -> str:
    """The scoring rules of a page about ``sectors``, in their own answer words (``rules_answers``) and with
    what each of them adds (``rules_sector``): a power page must not describe automotive answers, levels or ★.
    A page about several sectors states each sector's answers."""
    own = " ".join(dict.fromkeys(rule_words.rules_sentence(s, labels, labels["lang"]) for s in sectors))
    text = " ".join([labels["rules_text"].replace("{answers}", own),
                     *(labels["rules_sector"].get(s, "") for s in sectors)])
    # the ★ table's version only where a sector's text names it: the table in force, as its provenance says
    version = scheme_version(labels["lang"]) if "{scheme_version}" in text else ""
    return text.format(threshold=threshold, scheme_version=version)


def rule_line(labels: dict[str, Any], sectors: list[str], k: int) -> str:
    """A figure's one-line scoring rule and hidden mark, in the answer words of ``sectors`` (``rule_scoring``):
    an automotive figure must not read 「一部実施=0.5」, an answer its checklist does not have."""
    own = "; ".join(dict.fromkeys(rule_words.rule_line(s, labels, labels["lang"]) for s in sectors))
    return labels["rule"].format(scoring=own, k=k)


def new_figure(size: tuple[float, float] = SLIDE, polar: bool = False, left: float = 0.08, right: float = 0.94,
               top: float = 0.84) -> tuple[Figure, Axes]:
    """A 16:9 figure with one Axes and fixed margins for the parts drawn outside it.

    Parameters
    ----------
    size : tuple of float
        Figure size in inches.
    polar : bool
        Make the Axes polar (radar charts).
    left : float
        Left edge of the Axes (figure fraction); widen it for long row labels.
    right : float
        Right edge of the Axes; use about 0.78 when the figure's legend sits to the right
        (``trend_lines``, ``panel_vs_all``), so the legend is not cut off.
    top : float
        Top edge of the Axes; the band above it (up to the title) holds a legend placed above the
        plot, so a legend never covers data.

    Returns
    -------
    (Figure, Axes)
        The bottom 17% is left free for ``finish``'s source line and stamp.
    """
    if on_slide():  # the slide's own title and source line sit outside the picture
        size = (SLIDE_FIGURE[0], SLIDE_FIGURE[1] * size[1] / SLIDE[1]) if size != SLIDE else SLIDE_FIGURE
        top = min(top, 0.84)
    bottom = 0.25 if on_slide() else 0.17  # a slide's notes and wrapped labels are 14 pt
    fig = plt.figure(figsize=size)
    ax = fig.add_axes((left, bottom, right - left, top - bottom), polar=polar)
    return fig, ax


def finish(fig: Figure, title: str, source: str, rule: str, note: str = "", shared: str = "") -> None:
    """Title at the top left; source, scoring rule and any note at the bottom left, in plain words.

    No content hash, code version or run parameter is printed: a reader pastes the figure as it is, and those
    belong to the report's appendix (and the PNG's metadata, written by the publisher).

    Parameters
    ----------
    fig : Figure
        The figure to annotate.
    title : str
        Figure title (drawn large rather than bold: the Japanese font has no bold face).
    source, rule : str
        Source line (every figure says n) and the scoring rule used.
    note : str, optional
        Extra line under the rule, e.g. what '—' means.
    shared : str, optional
        The caveats every figure of the page shares (a company in several segments, the merged segments): after
        ``note`` on the page; on a slide in the slide's notes only (the deck's caveats slide says them).
    """
    if on_slide():  # the slide carries the title, the one source line and the note (a footnote and its notes)
        keep_note(fig, note, shared)
        fill_down(fig)
        clear_header(fig)
        return
    note = " / ".join(x for x in (note, shared) if x)
    fig.suptitle(title, x=0.02, y=0.97, ha="left", fontsize=17, fontweight=TITLE_WEIGHT)
    lines = [_fit(line, fig, 8.5) for line in [source, rule] + ([note] if note else [])]
    footer = fig.text(0.02, 0.015, "\n".join(lines), ha="left", va="bottom", fontsize=8.5, color=NOTE_COLOUR)
    clear_footer(fig, footer)
    clear_header(fig)


def clear_header(fig: Figure, pad_pt: float = 4.0) -> None:
    """Lower the top of every Axes until each Axes' legend sits under the title and any caveat (on a slide,
    where the picture has no title, inside the picture), so a legend of three or more rows above the plot
    neither covers the title nor is cut off at the top of a slide picture."""
    renderer = fig.canvas.get_renderer()
    pad = pad_pt * fig.dpi / 72
    ceiling = fig.bbox.y1 - pad
    title = fig.get_suptitle() and fig._suptitle  # noqa: SLF001 - matplotlib keeps the suptitle Text here
    heads = [t for t in fig.texts if t.get_text() and t.get_gid() == "caveat"] + ([title] if title else [])
    for text in heads:
        ceiling = min(ceiling, text.get_window_extent(renderer).y0 - pad)
    legends = [ax.get_legend() for ax in fig.axes if ax.get_visible() and ax.get_legend() is not None]
    if not legends:
        return
    highest = max(legend.get_window_extent(renderer).y1 for legend in legends)
    if highest <= ceiling:
        return
    lower = (highest - ceiling) / fig.bbox.height
    for ax in fig.axes:
        if ax.get_visible():
            box = ax.get_position()
            ax.set_position([box.x0, box.y0, box.width, max(box.height - lower, 0.05)])


def fill_down(fig: Figure, pad_pt: float = 4.0) -> None:
    """Stretch the Axes down until their lowest text (tick labels, staggered segment names) sits ``pad_pt`` above the
    picture's bottom edge, and up until their highest (a legend above the plot, a panel's title) sits ``pad_pt`` under
    the caveat or the picture's top: a slide figure keeps no footer, and the room left for one (and for a legend a
    heatmap without hidden cells does not draw) made the heatmap's cells a third of the slide. Every Axes moves by the
    same amount (a heatmap's colour bar stays beside its cells)."""
    renderer = fig.canvas.get_renderer()
    axes = [ax for ax in fig.axes if ax.get_visible()]
    if not axes:
        return
    lowest = min(ax.get_tightbbox(renderer).y0 for ax in axes)
    drop = (lowest - pad_pt * fig.dpi / 72) / fig.bbox.height
    if drop > 0:
        for ax in axes:
            box = ax.get_position()
            ax.set_position([box.x0, box.y0 - drop, box.width, box.height + drop])
    # and up to the caveat (or the picture's top) where no legend above the plot takes the band left for one
    pad = pad_pt * fig.dpi / 72
    ceiling = min([fig.bbox.y1 - pad, *(t.get_window_extent(renderer).y0 - pad for t in fig.texts
                                        if t.get_text() and t.get_gid() == "caveat")])
    highest = max(ax.get_tightbbox(renderer).y1 for ax in axes)
    rise = (ceiling - highest) / fig.bbox.height
    if rise > 0:
        for ax in axes:
            box = ax.get_position()
            ax.set_position([box.x0, box.y0, box.width, box.height + rise])


def clear_footer(fig: Figure, footer: Any, pad_pt: float = 4.0) -> None:
    """Lift every Axes (tick labels included) above ``footer`` when a long note or wrapped category labels
    would meet it (an English heatmap's five footer lines against its three-line segment names, say)."""
    renderer = fig.canvas.get_renderer()
    top = footer.get_window_extent(renderer).y1 + pad_pt * fig.dpi / 72
    axes = [ax for ax in fig.axes if ax.get_visible()]
    if not axes:
        return
    lowest = min(ax.get_tightbbox(renderer).y0 for ax in axes)
    if lowest >= top:
        return
    lift = (top - lowest) / fig.bbox.height
    for ax in axes:
        box = ax.get_position()
        ax.set_position([box.x0, box.y0 + lift, box.width, max(box.height - lift, 0.05)])


def _fit(text: str, fig: Figure, size: float) -> str:
    """``text`` broken over lines that fit the figure's width at ``size`` points (so a long footer note
    stays inside the right edge)."""
    chars = fig.get_figwidth() * 72 * 0.96 / size * 1.9  # Latin characters per line; a kanji counts two
    return "\n".join(fill(line, chars) for line in str(text).split("\n"))


def fill(text: str, width: float) -> str:
    """``text`` over as many lines of about ``width`` Latin characters as it needs (a kanji counts two),
    breaking after a space, 、, 。, / or ) where the line has one, else anywhere: a note mixing Japanese
    and Latin has spaces too few to break at (textwrap left it running off the figure)."""
    from pipeline.xlsx import display_width

    lines: list[str] = []
    line = ""
    for ch in str(text):
        if display_width(line + ch) > width and line:
            cut = max(line.rfind(c) for c in " 、。/)")
            head, rest = (line[: cut + 1], line[cut + 1:]) if cut > len(line) // 2 else (line, "")
            lines.append(head.rstrip())
            line = rest.lstrip()
        line += ch
    return "\n".join([*lines, line] if line else lines)


def fill_phrases(text: str, width: float) -> str:
    """``text`` over lines of at most ``width`` Latin characters (a kanji counts two), broken only between phrases
    (:mod:`pipeline.linebreak`): a legend entry read 「…算出できるた / め)」 when broken at the width."""
    from pipeline.linebreak import pack
    from pipeline.xlsx import display_width

    return "\n".join("\n".join(pack(line, lambda s: display_width(s) <= width)) for line in str(text).split("\n"))


def caveat(target: Axes | Figure, text: str) -> None:
    """An italic caveat the reader must see with the data (not only in the footer).

    It goes just under the title (which ``finish`` places at the top), above the band where legends sit,
    never inside the plot area: in the automotive heatmap a caveat drawn in the corner covered five of the
    GV.OC row's six values. ``target`` may be the Axes or its Figure. Use it for breaks in comparability,
    e.g.
    "自動車の CSF 2.0 対応付けは本プロジェクト独自" or "template version changed between FY2023 and FY2024".

    Parameters
    ----------
    target : Axes or Figure
        Where to print the caveat.
    text : str
        The caveat.
    """
    # IPAexGothic has no italic face: Latin text takes DejaVu Sans Oblique, Japanese glyphs fall back
    # to IPAexGothic (upright), so the note still reads as a note in both languages.
    kw = {"fontsize": fs(8.5), "fontstyle": "italic", "family": ["DejaVu Sans", "IPAexGothic"],
          "color": NOTE_COLOUR, "ha": "left"}
    fig = target if isinstance(target, Figure) else target.figure
    fig.text(0.02, 0.995 if on_slide() else 0.915, _fit(text, fig, kw["fontsize"]), va="top", gid="caveat", **kw)


def wrap(text: str, width: float) -> str:
    """Break a category label over lines of about ``width`` Latin characters (a Japanese character counts two), so
    that neighbouring labels under a bar chart or a heatmap do not run into each other: only between phrases
    (:mod:`pipeline.linebreak`: at spaces, after 「・」 in a list of names, after 「〜」 in a range, between
    BudouX's phrases), never inside a word (not 「一般送配 / 電」, equal parts of a name). A phrase wider than
    ``width`` keeps a line of its own: the caller makes room for it (:func:`pipeline.report.figures.spread_ticks`).
    At most four lines; a longer rest is shortened."""
    from pipeline.linebreak import pack
    from pipeline.xlsx import display_width

    text, width = str(text), max(int(width), 4)
    if display_width(text) <= width:
        return text
    lines = pack(text, lambda s: display_width(s) <= width)
    if len(lines) > 4:
        lines = [*lines[:3], short((" " if " " in text else "").join(lines[3:]), width)]
    return "\n".join(lines)


def short(text: str, limit: int) -> str:
    """Shorten a label to ``limit`` characters with an ellipsis (Japanese labels have no spaces to wrap at).

    On a slide (:func:`on_slide`) the label stays whole: the slide figure widens or wraps its labels instead
    (``figures._row_labels``), since a label cut with "…" cannot be read out in a briefing."""
    text = str(text)
    return text if len(text) <= limit or on_slide() else text[: limit - 1] + "…"


def node_row_labels(ids: Iterable[str], names: dict[str, str]) -> dict[str, str]:
    """Heatmap row labels of CSF nodes, 'PR.AA ID管理、認証及びアクセス制御': the id and the whole name, on the
    page as on the slide (the heatmap widens or wraps its label column; a cut name made RC.RP and RC.CO alike)."""
    return {n: f"{n} {names.get(n, '')}".rstrip() for n in ids}


def slide_half(frame: pd.DataFrame, part: int | None, column: str = "node_id") -> pd.DataFrame:
    """The rows of one half of a figure split over two slides (``part`` 0: the first half of the ``column``
    values in their order, 1: the rest; None: every row). 22 categories do not fit one slide at 14 pt."""
    if part is None:
        return frame
    ids = list(dict.fromkeys(frame[column]))
    half = (len(ids) + 1) // 2
    return frame[frame[column].isin(ids[:half] if part == 0 else ids[half:])]

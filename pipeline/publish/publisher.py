"""Every table and figure a report publishes passes through one :class:`Publisher`, last.

In a notebook it shows each table and figure as the reader will see them (a formatted HTML table; the
figure as an inline image, so the HTML export carries it), saves figures as PNG and SVG, and at
:meth:`Publisher.close` writes the people's workbook, the machine copy, the deck (when asked) and the
disclosure audit — and fails the report when the intruder check finds anything.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import dataclasses
import io
import json
import shutil
import sys
import tempfile
from html import escape
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.png import save_figure_png
from pipeline.publish.audit import (
    DisclosureError,
    Finding,
    hidden_row_numbers,
    intruder_check,
    private_dir,
    write_audit,
)
from pipeline.publish.cells import hidden_cells
from pipeline.publish.figure_files import FigureFile, FigureWriter
from pipeline.publish.forked import Forked
from pipeline.publish.intervals import Relation, SolverStats
from pipeline.publish.model import Provenance, PublishedFigure, PublishedTable, SlidePivot, TableSpec
from pipeline.scoring.disclosure import HIDDEN_COUNT, HIDDEN_COUNTS, MEMBERS_BEHIND
from pipeline.scoring.disclosure_rounding import ROUNDED
from pipeline.scoring.segments import ALL, NA_BEHIND

HTML_DPI = 144  # inline figures: sharp on screen and on A4, a fraction of the 300-dpi files' size
SLIDE_DPI = 200  # a deck figure's pixels per inch: the deck reads its size in inches from the PNG
# every figure PNG (files, slides, inline) is written by pipeline.png: zlib level 1 and no per-row filter search
# (Pillow's took most of the encoding time); the pixels are matplotlib's either way


UNCHECKED = ".unaudited-{name}"
"""The workbook's and the deck's names until the audit has passed (a failed report's folder is withdrawn whole)."""
PAGE_IMAGES_PREFIX = ".page-images-"  # the hidden folder, in the report's, of page images drawn by the figure worker

HIDDEN_ROW = "hidden"  # the machine copy's mark for a row that prints nothing but its key
WITHHELD_ROW = "withheld"  # …for a row whose statistics are withheld but which prints its open counts (respondents)


def published_frame(frame: pd.DataFrame, keys: list[str] | None = None,
                    open_counts: list[str] | None = None) -> pd.DataFrame:
    """A protected table as readers get it: the true counts behind hidden cells stay in the audit log,
    a hidden row carries no number but its key (no n, n_scored, roster_n… in any output: a segment's size
    beside a hidden share is half of the split) and its ``open_counts`` (the respondents, which protection
    has already hidden by their own rule where needed), and *why* a cell is hidden is not said (a reason
    "uniform" would tell that everyone scored 0% or 100%)."""
    out = frame.drop(columns=[HIDDEN_COUNT, *HIDDEN_COUNTS.values(), MEMBERS_BEHIND, NA_BEHIND, "uniform"],
                      errors="ignore")
    if "suppressed" in out:
        hidden = out["suppressed"].fillna("").ne("")
        numbers = [c for c in hidden_row_numbers(out, keys) if c not in (open_counts or [])]
        if hidden.any() and numbers:
            out = out.astype({c: float for c in numbers if out[c].dtype.kind in "iub"})
            out.loc[hidden, numbers] = np.nan
        # a hidden row that still prints an open count (the respondents) is not hidden whole: its statistics are
        # withheld cell by cell, so the machine copy says 'withheld', as the HTML and workbook mark those cells
        # alone — no output prints a number on a row it calls hidden (docs/method.md §11)
        printed = pd.Series(False, index=out.index)
        for c in [c for c in (open_counts or []) if c in out]:
            printed |= pd.to_numeric(out[c], errors="coerce").notna()
        marks = np.where(hidden & printed, WITHHELD_ROW, np.where(hidden, HIDDEN_ROW, ""))
        out = out.assign(suppressed=marks)
        if ROUNDED in out:  # a hidden row prints no share, rounded or not: it must not claim one (the machine copy)
            out[ROUNDED] = out[ROUNDED].fillna(False).astype(bool) & ~hidden
    return out


PROVENANCE_KEY = "sdw:provenance"
"""The PNG text chunk holding a figure's provenance stamp (:meth:`Provenance.stamp`)."""


def _inline_html(title: str, png: bytes) -> str:
    """A figure as the page shows it: the 144-dpi PNG inside the page, so the HTML export carries it."""
    data = base64.b64encode(png).decode("ascii")
    return f'<figure class="sdw-figure"><img alt="{escape(title)}" src="data:image/png;base64,{data}"/></figure>'


class Publisher:
    """Collects what one report publishes and writes it out, audited, at :meth:`close`."""

    def __init__(self, figures_dir: Path | str, report_dir: Path | str, lang: str, k: int,
                 provenance: Provenance, total_label: str = ALL, show: bool = True,
                 relations: list[Relation] | None = None, deck: bool = False, store: Path | str | None = None) -> None:
        self.figures_dir = Path(figures_dir)
        self.store = Path(store) if store else None  # where the full audit log goes (audit.private_dir)
        self.report_dir = Path(report_dir)
        self.lang, self.k, self.provenance, self.total_label, self.show = lang, k, provenance, total_label, show
        self.deck = deck  # figures given as a drawing function are drawn a second time for the slide
        self.views: dict[str, PublishedTable] = {}  # the page views the deck shows as table slides
        self.tables: list[PublishedTable] = []
        self.figures: list[PublishedFigure] = []
        self._hidden: list[pd.DataFrame] = []
        # the process writing the figure files (:meth:`_save_files`); its job files wait in the report's folder
        self._files = FigureWriter(self.report_dir)
        self._inline: list[tuple[Any, str, Path]] = []  # page images drawn by it: (display handle, title, file)
        self._scratch: Path | None = None  # where those images wait until :meth:`wait_files`
        # the public item map's exact relations between nodes (pipeline.publish.intervals.hierarchy): the
        # intruder uses them, so the audit does
        self.relations: list[Relation] = list(relations or [])
        self.solver_stats = SolverStats()  # the check's interval solver (its errors go to tables.json)
        self.figures_dir.mkdir(parents=True, exist_ok=True)
        self.report_dir.mkdir(parents=True, exist_ok=True)
        shell = sys.modules.get("IPython.core.interactiveshell")
        if show and shell is not None and shell.InteractiveShell.initialized():
            # in a notebook's kernel the worker starts now, so its imports are done while the first tables are made
            self._files.start()

    def _rounded_note(self, frame: pd.DataFrame, columns: list[str]) -> str:
        """Why some shares read in whole percent: an item table's rows for few "not applicable" answers, a node or ★
        table's for a base 1 … k − 1 below its respondents or a single item (docs/method.md §5.4). Where the
        columns shown leave the base out (the what-if view), the note does not speak of a base shown as x."""
        from pipeline import catalogs

        key = "rounded_note" if "n_applicable" in frame else "rounded_note_base"
        if ("n_applicable" if key == "rounded_note" else "n_scored") not in columns:
            key += "_unshown"
        return str(catalogs.report_labels()[self.lang].get(key, "")).format(k=self.k, k_less=self.k - 1)

    def table(self, name: str, frame: pd.DataFrame, spec: TableSpec | None, title: str, columns: list[str],
              note: str = "", show: bool | None = None, view: pd.Series | None = None,
              view_columns: list[str] | None = None, view_title: str | None = None, slide: bool = False,
              source: str = "", slide_pivot: SlidePivot | None = None, slide_note: str | None = None) -> None:
        """Publish one protected table: record its hidden cells for the audit, then show it formatted.

        ``view`` (a row mask) and ``view_columns`` pick what the report page shows of a long table, under
        ``view_title`` when the view holds less than ``title`` promises (one year of a table by year); the
        workbook and the machine copy always hold all of it. ``slide``: the page view is also a table
        slide of the deck, under the source line ``source``, read across when ``slide_pivot`` says how (a long
        table of bands by segment), under ``slide_note`` where given (the deck's rules slide explains the marks at
        length, so a table slide's note can be short), else the page's note. Returns nothing, so a notebook cell
        that ends with it prints no object."""
        if spec is not None and spec.total == ALL:
            spec = dataclasses.replace(spec, total=self.total_label)  # every other field kept (open_counts too)
        frame = frame.reset_index(drop=True)
        page_note = note
        shown_rows = frame["suppressed"].fillna("").eq("") if "suppressed" in frame else True
        if ROUNDED in frame and (frame[ROUNDED].fillna(False).astype(bool) & shown_rows).any():  # why whole percent
            note, page_note = (f"{note} {self._rounded_note(frame, cols)}".strip()
                               for cols in (columns, view_columns or columns))
            if slide_note is not None:
                slide_note = f"{slide_note} {self._rounded_note(frame, view_columns or columns)}".strip()
        full = PublishedTable(name=name, title=title, frame=frame, columns=columns, note=note, k=self.k, spec=spec)
        self._hidden.append(hidden_cells([full]))
        shown = PublishedTable(name=name, title=title, frame=published_frame(frame, spec.keys if spec else None,
                                                                       spec.open_counts if spec else None),
                               columns=columns, note=note,
                               k=self.k, spec=spec)
        self.tables.append(shown)
        page = shown if view is None and view_columns is None else PublishedTable(
            name=name, title=view_title or title,
            frame=shown.frame[view.to_numpy()] if view is not None else shown.frame,
            columns=view_columns or columns, note=page_note, k=self.k, spec=spec)
        if slide:
            from dataclasses import replace

            page = replace(page, source=source)
            self.views[name] = replace(page, pivot=slide_pivot, note=page.note if slide_note is None else slide_note)
        if self.show if show is None else show:
            from IPython.display import HTML, display

            from pipeline.publish.render_html import table_html

            display(HTML(table_html(page, self.lang)))

    def figure(self, fig, name: str, title: str, source: str = "", notes: list[str] | None = None,
               slide_parts: int = 1) -> None:
        """Save ``fig`` as NAME.png (300 dpi) and NAME.svg, show it inline, and close it (returns nothing,
        so a notebook cell that ends with it prints no object).

        ``fig`` may be a function that draws the figure and returns it: for a deck it is then drawn a second
        time for the slide (``slides.slide_mode``: the slide's size, text of 14 pt or more, no title or
        source inside the picture) and saved as NAME_slide.png, which the deck places unscaled. A figure too
        tall for one slide at 14 pt (the category heatmap's 22 rows) asks for ``slide_parts``: the function is
        then called with ``part=0, 1, …`` and each part gets its own slide (NAME_slide.png, NAME_slide2.png)."""
        import matplotlib.pyplot as plt

        draw = fig if callable(fig) else None
        if draw is not None:
            fig = draw()
        slide_pngs: list[Path] = []
        slide_min, slide_note, shared = None, "", ""
        if draw is not None and self.deck:
            from pipeline.publish import slides

            with slides.slide_mode():
                for part in range(slide_parts):
                    slide_fig = draw(part=part) if slide_parts > 1 else draw()
                    own, common = slides.kept_note(slide_fig)
                    slide_note, shared = slide_note or own, shared or common
                    smallest = slides.min_text_size(slide_fig)
                    slide_min = smallest if slide_min is None else min(slide_min, smallest)
                    path = self.figures_dir / f"{name}_slide{part + 1 if part else ''}.png"
                    # what the deck's checks read back from the picture itself: its smallest text and its titles
                    self._files.submit(slide_fig, [FigureFile(path, dpi=SLIDE_DPI, text={
                        "sdw:min_pt": f"{smallest:.1f}", "sdw:titles": str(int(bool(slide_fig.get_suptitle()))),
                        "sdw:facts": json.dumps(slides.figure_facts(slide_fig), ensure_ascii=True)})])
                    plt.close(slide_fig)
                    slide_pngs.append(path)
        png, svg = self.figures_dir / f"{name}.png", self.figures_dir / f"{name}.svg"
        self._save_files(fig, png, svg, title if self.show else None)
        plt.close(fig)
        self.figures.append(PublishedFigure(name=name, title=title, png=png, svg=svg, source=source,
                                            notes=list(notes or []), slide_png=slide_pngs[0] if slide_pngs else None,
                                            slide_min_pt=slide_min, slide_more=slide_pngs[1:],
                                            slide_note=slide_note, slide_shared=shared))

    def _save_files(self, fig, png: Path, svg: Path, inline: str | None) -> None:
        """Write the 300-dpi PNG and the SVG, and with ``inline`` (the figure's title) show it on the page, through
        the figure worker (:mod:`pipeline.publish.figure_files`), so that rendering runs on the second core while
        this one goes on with the next cell. The page's image is then shown as a placeholder under a display id
        that :meth:`wait_files` fills with the 144-dpi picture (the executed notebook and its HTML carry the
        picture) — in a batch run only: a live notebook draws its page image at once. The run's provenance (data
        snapshot, code version, parameters) rides in the PNG's metadata, for the analyst tracing a pasted figure:
        the reader's footer has plain words only (the HTML's appendix has it in full)."""
        files = [FigureFile(png, text={PROVENANCE_KEY: self.provenance.stamp()}), FigureFile(svg, kind="svg")]
        if inline is None:
            self._files.submit(fig, files)
            return
        import matplotlib as mpl
        from IPython.core.interactiveshell import InteractiveShell
        from IPython.display import HTML, display

        # drawn now where there is no display to update later, and in a live notebook (JupyterLab's inline backend):
        # the analyst sees each figure as its cell runs; a batch run (papermill, Agg) fills the placeholders at close
        if self._files.in_process or not InteractiveShell.initialized() or mpl.get_backend().lower() != "agg":
            self._files.submit(fig, files)
            buf = io.BytesIO()
            save_figure_png(fig, buf, dpi=HTML_DPI)
            display(HTML(_inline_html(inline, buf.getvalue())))
            return
        if self._scratch is None:
            # in the report's folder: a report that fails is withdrawn with its page images (report.run.withdraw)
            self._scratch = Path(tempfile.mkdtemp(prefix=PAGE_IMAGES_PREFIX, dir=self.report_dir))
            atexit.register(shutil.rmtree, self._scratch, True)  # a report that stops before close leaves nothing
        picture = self._scratch / f"{len(self._inline)}.png"
        self._files.submit(fig, [*files, FigureFile(picture, dpi=HTML_DPI)])
        shown = display(HTML(f'<figure class="sdw-figure"><p>{escape(inline)}</p></figure>'), display_id=True)
        self._inline.append((shown, inline, picture))

    def wait_files(self) -> None:
        """Wait for every figure file handed to the figure worker (raise if one could not be written), then put each
        page image the worker drew in its placeholder."""
        from IPython.display import HTML

        self._files.join()
        shown, self._inline = self._inline, []
        for handle, title, picture in shown:
            handle.update(HTML(_inline_html(title, picture.read_bytes())))
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None

    def audit(self) -> list[Finding]:
        """The intruder check over every table published so far."""
        return intruder_check(self.tables, self.hidden_log(), self.k, self.relations)

    def hidden_log(self) -> pd.DataFrame:
        frames = [h for h in self._hidden if len(h)]
        return pd.concat(frames, ignore_index=True) if frames else hidden_cells([])

    def close(self, about: list[tuple[str, str]], deck: dict | None = None) -> dict[str, Path]:
        """Write tables/*.csv (machine copy), disclosure_audit.csv, tables.xlsx (people) and, with ``deck`` (title,
        subtitle, headline), a 16:9 deck; raise :class:`DisclosureError` on any finding.

        The audit runs in a forked copy of this process (:mod:`pipeline.publish.forked`) while this one writes the
        machine copy and the workbook, waits for the figure worker and builds the deck: none of them needs the
        audit, nor it them. The workbook and the deck are written under hidden names and put in place only once
        the audit has passed, so a finding leaves neither, as when the audit ran first. A failed check or a failed
        figure file waits for every figure file and for the audit before it raises (a report withdrawn then must
        find every file its figures wrote, and the audit's files whole). A figure file that fails leaves the new
        tables beside the old figures: `sdw report` withdraws the folder; a notebook run by hand does not."""
        from pipeline.publish.render_xlsx import write_machine_copy, write_people_workbook

        audit = Forked(self._write_audit)
        out: dict[str, Path] = {}
        unchecked: dict[str, tuple[Path, Path]] = {}  # part → (its name until the audit passed, its own)

        def hidden(part: str, name: str) -> Path:
            unchecked[part] = (self.report_dir / UNCHECKED.format(name=name), self.report_dir / name)
            return unchecked[part][0]

        try:
            machine = self.report_dir / "tables"
            machine.mkdir(exist_ok=True)
            for old in machine.glob("*.csv"):
                old.unlink()
            write_machine_copy(machine, self.tables)
            write_people_workbook(hidden("tables", "tables.xlsx"), self.tables, about, self.provenance, self.lang)
            self.wait_files()  # every figure on disk before the deck reads them
            if deck is not None:
                from pipeline.publish.deck import write_deck

                write_deck(hidden("deck", "deck.pptx"), deck["title"], deck["subtitle"], deck["headline"],
                           self.figures, self.provenance, self.lang, caveats=deck.get("caveats", []),
                           rules=deck.get("rules", []), tables=list(self.views.values()),
                           sources=deck.get("sources"), source=deck.get("source", ""))
            out["audit"], findings, stats = audit.result()
            vars(self.solver_stats).update(vars(stats))
            if findings:
                shown = "; ".join(f.line() for f in findings[:5])
                raise DisclosureError(f"the disclosure check found {len(findings)} statistic(s) about fewer than "
                                      f"{self.k} companies (see {out['audit']}): {shown}")
            for part, (path, own) in unchecked.items():
                out[part] = path.replace(own)
        except Exception:
            with contextlib.suppress(Exception):
                self.wait_files()  # a report withdrawn now must find every file its figures wrote…
            audit.finish()  # …and the audit's files whole
            raise
        except BaseException:  # interrupted: the audit's child is ended with this process's run
            audit.stop()
            raise
        finally:
            for path, _ in unchecked.values():
                path.unlink(missing_ok=True)
        return out

    def _write_audit(self) -> tuple[Path, list[Finding], SolverStats]:
        """The intruder check over every table, its files written (:func:`pipeline.publish.audit.write_audit`); its
        path, findings and what the solver did (run in a forked child at :meth:`close`, which hands these back)."""
        hidden = self.hidden_log()
        stats = dataclasses.replace(self.solver_stats)
        path, findings = write_audit(self.report_dir, self.tables, self.k, hidden=hidden, relations=self.relations,
                                     private=private_dir(self.report_dir, self.store), provenance=self.provenance,
                                     stats=stats)
        return path, findings, stats


__all__ = ["DisclosureError", "Publisher"]

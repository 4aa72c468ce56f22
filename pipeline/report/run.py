"""``sdw report``: execute the report notebooks with papermill and write the HTML, figures and tables.

Outputs (stable names, so decks can link to them):
- reports/<sector>/<years>/sector_trend_report.ipynb (executed) and .html (no code cells)
- reports/<sector>/<years>/tables.xlsx
- figures/<sector>/<years>/<figure>.png (300 dpi) and .svg
For ``--sector all`` also the cross-sector notebook under reports/all/<years>/.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import config

NOTEBOOKS = {"sector": "sector_trend_report", "cross": "cross_sector"}


class ReportError(RuntimeError):
    """A notebook cell failed: names the cell and its error."""


@dataclass
class ReportResult:
    html: list[Path] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _span(years: tuple[int, int] | None) -> str:
    return "all" if years is None else (f"{years[0]}" if years[0] == years[1] else f"{years[0]}-{years[1]}")


def execute(name: str, parameters: dict, out_dir: Path, notebooks_dir: Path = config.NOTEBOOKS_DIR) -> Path:
    """Run one jupytext notebook through papermill; write the executed .ipynb and a code-free .html."""
    import jupytext
    import nbformat
    import papermill
    from nbconvert import HTMLExporter

    out_dir.mkdir(parents=True, exist_ok=True)
    source = jupytext.read(notebooks_dir / f"{name}.py")
    source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    src_path = out_dir / f".{name}.input.ipynb"
    nbformat.write(source, src_path)
    executed = out_dir / f"{name}.ipynb"
    try:
        papermill.execute_notebook(str(src_path), str(executed), parameters=parameters, kernel_name="python3",
                                   progress_bar=False, log_output=False, cwd=str(config.ROOT),
                                   extra_arguments=["--IPKernelApp.log_level=ERROR"])  # no transport chatter
    except papermill.PapermillExecutionError as e:
        raise ReportError(f"{name}: cell {e.exec_count} failed: {e.ename}: {e.evalue}") from None
    finally:
        src_path.unlink(missing_ok=True)
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(executed, as_version=4))
    html = out_dir / f"{name}.html"
    html.write_text(body, encoding="utf-8")
    return html


def run_report(sector: str, years: tuple[int, int] | None, store: Path, out: Path = config.REPORTS_DIR,
               figures: Path = config.FIGURES_DIR, lang: str = "ja", min_cell: int | None = None,
               segment_by: str = "", framework: str = "csf2") -> ReportResult:
    """Reports for one sector, or for both and side by side with ``sector='all'``."""
    from pipeline import catalogs

    k = catalogs.scoring_rules()["min_cell"] if min_cell is None else min_cell
    span = _span(years)
    common = {"years": "" if years is None else f"{years[0]}-{years[1]}", "min_cell": k, "lang": lang,
              "store": str(store.resolve())}
    result = ReportResult()

    def run(notebook: str, label: str, extra: dict) -> None:
        t0 = time.perf_counter()
        fig_dir, rep_dir = figures / label / span, out / label / span
        params = common | extra | {"figures_dir": str(fig_dir.resolve()),
                                   "tables_path": str((rep_dir / "tables.xlsx").resolve())}
        result.html.append(execute(notebook, params, rep_dir))
        result.tables.append(rep_dir / "tables.xlsx")
        result.figures += sorted(fig_dir.glob("*.png"))
        result.seconds[label] = time.perf_counter() - t0

    for s in (config.SECTORS if sector == "all" else (sector,)):
        run(NOTEBOOKS["sector"], s, {"sector": s, "segment_by": segment_by, "framework": framework})
    if sector == "all":
        run(NOTEBOOKS["cross"], "all", {})
    return result

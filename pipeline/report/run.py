"""``sdw report``: execute the report notebooks with papermill and write the HTML, figures and tables.

Outputs (stable names, so decks can link to them); ``<years>`` is the span (``all``, ``2024-2026``), followed,
for a report other than the default, by what differs (``all_en``, ``all_by-industry``: :func:`folder_name`):
- reports/<sector>/<years>/sector_trend_report.ipynb (executed) and .html (no code cells, figures inline)
- reports/<sector>/<years>/tables.xlsx (for people: 説明 sheet, Japanese headers, formats), tables/*.csv
  (the machine-readable copy), tables.json (what each table's cells are), disclosure_audit.csv (every
  hidden cell and the intruder check), and deck.pptx with ``pptx=True``
- figures/<sector>/<years>/<figure>.png (300 dpi) and .svg
For ``--sector all`` also the cross-sector notebook under reports/all/<years>/ (not for a what-if run, which
writes only the ★ sectors' reports: the others would repeat the default ones).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pipeline import catalogs, config, ruleset

NOTEBOOKS = {"sector": "sector_trend_report", "cross": "cross_sector"}
log = logging.getLogger(__name__)


class ReportError(RuntimeError):
    """A notebook cell failed: names the cell and its error."""


@dataclass
class ReportResult:
    html: list[Path] = field(default_factory=list)
    figures: list[Path] = field(default_factory=list)
    tables: list[Path] = field(default_factory=list)
    decks: list[Path] = field(default_factory=list)
    audits: list[Path] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """Reports a what-if run leaves as they are (sectors off the ★ scheme, the cross-sector page ``all``)."""

    def add(self, part: ReportResult) -> None:
        """Append another run's files, times and skipped reports after this one's."""
        self.html += part.html
        self.figures += part.figures
        self.tables += part.tables
        self.decks += part.decks
        self.audits += part.audits
        self.seconds |= part.seconds
        self.skipped += part.skipped


def _span(years: tuple[int, int] | None) -> str:
    return "all" if years is None else (f"{years[0]}" if years[0] == years[1] else f"{years[0]}-{years[1]}")


def _safe(text: str) -> str:
    """``text`` as one folder-name part: letters, digits (Japanese too), ``〜 , . + _`` kept, anything a
    filesystem or shell treats specially (``/ : = * ?``, spaces…) made ``-``."""
    return re.sub(r"[^\w〜,.+-]", "-", text)


def folder_name(span: str, sector: str, lang: str = "ja", segment_by: str = "", framework: str = "csf2",
                k: int | None = None, what_if: str = "") -> str:
    """The report folder under ``reports/<sector>/``: the span alone for the default report (Japanese, the
    sector's own segment, CSF 2.0, the default k, no what-if), else the span and what differs, joined by ``_``
    (``all_en``, ``2024-2026_by-industry``, ``all_csf11_k10_en``, ``all_whatif-star3-size_band-101〜300人``),
    so that a variant never overwrites the default report or another variant (docs/architecture.md §5)."""
    from pipeline import catalogs

    parts = [span]
    own = catalogs.sector_info(sector).get("segment", "") if sector in catalogs.sectors() else ""
    if segment_by and segment_by != own:
        parts.append(f"by-{segment_by}")
    if framework and framework != "csf2":
        parts.append(framework)
    if k is not None and k != ruleset.min_cell():
        parts.append(f"k{k}")
    if what_if:  # ``star3:size_band=101〜300人`` → ``whatif-star3-size_band-101〜300人``
        parts.append("whatif-" + _safe(what_if))
    if lang != "ja":
        parts.append(lang)
    return "_".join(parts)


def _on_star(sector: str) -> bool:
    return "star" in catalogs.sector_info(sector)["frameworks"]


# How the report kernel allocates: the year's tables are read as Arrow-backed columns, and every filter, merge and
# 300-dpi figure makes and frees copies of tens of MB. Arrow's default pool (mimalloc) and glibc's growing mmap
# threshold both keep such freed blocks for reuse, so the kernel's resident size only climbs. Arrow's system pool and
# a fixed 64 KiB mmap threshold hand large blocks back when they are freed (a full automotive year, in-process: peak
# 686 → 567–607 MB; benchmarks/README.md). Set for the kernel only, and only where the user has not chosen.
KERNEL_ALLOCATOR = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_MMAP_THRESHOLD_": "65536"}


@contextmanager
def batch_backend():
    """Notebooks run by papermill draw off-screen: the kernel inherits MPLBACKEND=Agg from this process
    (style.py never picks a backend, so the explorer keeps JupyterLab's inline one). It inherits the project
    folder too (SDW_HOME): the paths it is given are relative to it (:func:`project_relative`), and the kernel runs
    in the report folder, where a project found from the current directory would be the report folder. And it
    inherits :data:`KERNEL_ALLOCATOR` (memory freed by the kernel goes back to the system)."""
    keep = {name: os.environ.get(name) for name in ("MPLBACKEND", config.HOME_ENV, *KERNEL_ALLOCATOR)}
    os.environ["MPLBACKEND"] = "Agg"
    os.environ[config.HOME_ENV] = str(config.project_dir())
    for name, value in KERNEL_ALLOCATOR.items():
        os.environ.setdefault(name, value)
    try:
        yield
    finally:
        for name, before in keep.items():
            if before is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = before


def _reader_notebook(nb) -> tuple[object, list[str]]:
    """The executed notebook as a reader gets it: warnings written to stderr leave the page (they are
    returned, for the console) and nothing else changes."""
    warnings = []
    for cell in nb.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                warnings.append(output.get("text", "").strip())
            else:
                kept.append(output)
        cell["outputs"] = kept
    return nb, [w for w in warnings if w]


def quiet_shutdown_manager(started: Callable[[], None] | None = None) -> type:
    """The kernel manager papermill runs each notebook with: jupyter_client's own, except that shutting a kernel
    down sends it no interrupt first, and that ``started()`` is called once the kernel's process is running (what
    this process does while the kernel runs: :func:`_prepare_export`).

    jupyter_client interrupts a kernel (SIGINT to its process group) before every shutdown request. After a
    notebook's last cell papermill asks the kernel for its info and shuts it down as soon as the reply arrives;
    when the signal lands while the kernel is still inside that request's handler (a race lost about one run in
    five here), ipykernel logs 「[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.」 on the console, at the
    end of one report — that is, just as the next one starts. Nothing is lost (every output has arrived), but an
    ERROR line under a report that succeeded sends a clerk looking for a failure. A kernel that is being shut
    down has nothing left to interrupt; every other interrupt is sent as jupyter_client sends it.
    """
    from jupyter_client import AsyncKernelManager

    class QuietShutdownKernelManager(AsyncKernelManager):
        async def _async_post_start_kernel(self, **kw) -> None:
            await super()._async_post_start_kernel(**kw)
            if started is not None:
                started()

        async def _async_interrupt_kernel(self) -> None:
            if self.shutting_down:  # set by shutdown_kernel just before it interrupts: the request follows
                return
            await super()._async_interrupt_kernel()

    return QuietShutdownKernelManager


def project_relative(path: Path | str) -> str:
    """``path`` relative to the project folder (SDW_HOME) where it lies inside it, else as given: parameters of
    a published notebook do not print where the association keeps its store."""
    p = Path(path).resolve()
    home = config.project_dir().resolve()
    return p.relative_to(home).as_posix() if p.is_relative_to(home) else str(path)


def _relative_paths(nb) -> None:
    """papermill's record of the run (input and output paths, parameters) with project paths made relative."""
    meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if meta.get(key):
            meta[key] = Path(meta[key]).name
    params = meta.get("parameters", {})
    for key in ("store", "figures_dir", "report_dir"):
        if isinstance(params.get(key), str) and params[key]:
            params[key] = project_relative(params[key])


_REMOTE_SCRIPT = re.compile(r"<script[^>]*\ssrc=[\"']https?://[^>]*>\s*</script>", re.IGNORECASE)


def _skip_iri_grammar() -> None:
    """Keep jsonschema (imported by nbformat) from loading ``rfc3987_syntax``, where it is installed.

    jsonschema imports that package, when present, for its optional ``iri`` format check, and the package
    builds a Lark parser of RFC 3987 at import: 1.3 s of CPU of each ``sdw report`` (a tenth of the parent
    process) for a check the notebook schemas never ask for (they name no ``format``). Marking the module
    absent makes jsonschema skip that one format; nothing in sdw validates IRIs. A process that imported it
    already keeps it."""
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: "not importable"


EXPORT = {"exclude_input": True, "exclude_input_prompt": True, "exclude_output_prompt": True, "embed_images": True}
"""How the executed notebook becomes the report's HTML (nbconvert's ``HTMLExporter``): no code, figures inline."""


def _prepare_export() -> None:
    """What this process needs once its kernel has run, made while the kernel runs (on the core the kernel leaves
    free): the modules the end of the run imports (nbconvert's exporter, the audit's folder checks, the report's
    words) and the exporter's first-use work, by exporting a two-cell notebook — its template compiled, the CSS
    selectors of its accessibility pass compiled (soupsieve caches them per process), its Markdown renderer built.
    Nothing is kept but those caches: the report's own export builds its exporter anew. A failure here is left
    for that export to raise."""
    try:
        import nbformat
        from nbconvert import HTMLExporter

        import pipeline.publish.audit  # noqa: F401 - _same_run, and `sdw report`'s solver errors
        import pipeline.report.style  # noqa: F401 - the page's title (labels)

        v4 = nbformat.v4
        sample = v4.new_notebook(cells=[v4.new_markdown_cell("# a\n\n**b** $c$"), v4.new_code_cell(
            "1", outputs=[v4.new_output("display_data", {"text/html": "<p>d</p>", "text/markdown": "e"})])])
        HTMLExporter(**EXPORT).from_notebook_node(sample, resources={"metadata": {"name": "sample"}})
    except Exception:  # noqa: BLE001, S110 - the report's own export raises it, with its notebook
        pass


def execute(name: str, parameters: dict, out_dir: Path, notebooks_dir: Path | None = None,
            title: str | Callable[[], str] = "") -> Path:
    """Run one jupytext notebook through papermill; write the executed .ipynb and a code-free HTML that
    stands alone (figures inline, no script fetched from the network, no warnings).

    ``title`` (the page's, or a function giving it: called once the notebook has run) names the HTML. The
    kernel is ended at once after its last cell (``shutdown_kernel="immediate"``): every output has arrived by
    then, and a graceful shutdown waits for the kernel's interpreter to free a report's data object by object
    only to exit. Meanwhile this process prepares the export (:func:`_prepare_export`).

    The notebooks come from ``notebooks_dir``, by default :func:`config.notebooks_dir`: the checkout's
    ``notebooks/`` or, in a built install, the copy shipped as ``pipeline/notebooks``. The kernel runs
    in ``out_dir`` (the report folder), so anything a notebook writes by a relative name stays beside
    its report and never lands in the package or the caller's folder.
    """
    _skip_iri_grammar()
    import jupytext
    import nbformat
    import papermill

    prepared = threading.Thread(target=_prepare_export, name="sdw-report-export", daemon=True)

    def kernel_started() -> None:
        if prepared.ident is None:  # once, whatever the kernel manager does
            prepared.start()

    out_dir.mkdir(parents=True, exist_ok=True)
    source = jupytext.read((notebooks_dir or config.notebooks_dir()) / f"{name}.py")
    source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    src_path = out_dir / f".{name}.input.ipynb"
    nbformat.write(source, src_path)
    executed = out_dir / f"{name}.ipynb"
    try:
        with batch_backend():
            # the kernel starts in out_dir (nbclient's resources path): papermill's own cwd= would change this whole
            # process's folder while the notebook runs, under the feet of a notebook run beside it (run_report)
            papermill.execute_notebook(str(src_path), str(executed), parameters=parameters, kernel_name="python3",
                                       progress_bar=False, log_output=False,
                                       resources={"metadata": {"path": str(out_dir)}},
                                       extra_arguments=["--IPKernelApp.log_level=ERROR"],  # no transport chatter
                                       kernel_manager_class=quiet_shutdown_manager(kernel_started),
                                       shutdown_kernel="immediate")
    except papermill.PapermillExecutionError as e:
        raise ReportError(f"{name}: cell {e.exec_count} failed: {e.ename}: {e.evalue}") from None
    finally:
        src_path.unlink(missing_ok=True)
    nb, warnings = _reader_notebook(nbformat.read(executed, as_version=4))
    _relative_paths(nb)
    nbformat.write(nb, executed)  # the executed notebook published beside the report names no absolute path
    who = f"{name} ({parameters['sector']})" if parameters.get("sector") else name  # two run side by side
    for w in warnings:
        log.warning("%s: %s", who, w.splitlines()[-1][:300])
    if prepared.is_alive():
        prepared.join(PREPARE_SECONDS)  # a preparation that hangs costs its time, not the report
    from nbconvert import HTMLExporter

    try:
        heading = title() if callable(title) else title
    except Exception as e:  # noqa: BLE001 - after the notebook ran: a report without its page is withdrawn
        raise ReportError(f"{name}: the page's title could not be made ({type(e).__name__}: {e})") from None
    body, _ = HTMLExporter(**EXPORT).from_notebook_node(nb, resources={"metadata": {"name": heading or name}})
    html = out_dir / f"{name}.html"
    html.write_text(_REMOTE_SCRIPT.sub("", body), encoding="utf-8")
    return html


PREPARE_SECONDS = 60.0  # the HTML exporter's preparation beside the kernel takes about a second


def withdraw(rep_dir: Path, fig_dir: Path) -> None:
    """Remove what a failed report had written (figures, the machine copy, the workbook, the deck, the
    executed notebook): a report whose disclosure check failed had already saved figures and tables that
    publish what the check refused. The audit files stay, so the association can see why."""
    from pipeline.publish.audit import AUDIT_FILE, INTERVALS_FILE

    for path in fig_dir.glob("*.*"):
        path.unlink()
    if not rep_dir.is_dir():
        return
    for path in rep_dir.iterdir():
        if path.name in (AUDIT_FILE, INTERVALS_FILE):  # the association's own: what was hidden and why
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def _same_run(rep_dir: Path, variant: bool) -> None:
    """Report folders of the same sector and years beside the one just written must come from the same code and
    data (:func:`pipeline.publish.audit.same_versions`). A variant written beside an older default folder is
    refused (rebuild the default first); a default folder written beside older variants warns that they are
    stale and that ``sdw audit`` will refuse them until rebuilt or removed."""
    from pipeline.publish.audit import MixedVersions, same_versions

    if not rep_dir.is_dir():  # nothing was written (a run that stopped, or a test's stand-in): nothing to compare
        return
    try:
        same_versions([rep_dir])
    except MixedVersions as e:
        if variant:
            raise ReportError(f"{e} (this run wrote {rep_dir})") from None
        log.warning("stale report folder beside %s: %s", rep_dir, e)


def report_workers(notebooks: int, workers: int | None = None) -> int:
    """How many report notebooks run at once: one per core (``workers``, else every core this process may use),
    never more than there are notebooks.

    Each notebook runs in a kernel of its own and reads the store only, so the kernels of one run are
    independent: on two cores the automotive report runs beside the power report and then the cross-sector
    page, instead of after them. Each kernel holds one report's data (≈ 0.4–0.5 GB on the demo store), so
    running them together adds one kernel's memory to the peak."""
    return max(1, min(notebooks, config.workers(workers)))


@dataclass(frozen=True)
class _Job:
    """One notebook of a run: which, for which label (sector, or ``all``), with what."""

    notebook: str
    label: str
    extra: dict

    def title(self, lang: str) -> str:
        """The page's title in ``lang`` (its HTML's name): the sector's report, or the cross-sector page."""
        from pipeline.report.style import labels

        words = labels(lang)
        if self.notebook == NOTEBOOKS["cross"]:
            return words["cross_title"]
        return words["report_title"].format(sector=words["sector"][self.label])


def run_report(sector: str, years: tuple[int, int] | None, store: Path, out: Path | None = None,
               figures: Path | None = None, lang: str = "ja", min_cell: int | None = None,
               segment_by: str = "", framework: str = "csf2", pptx: bool = False,
               quiet: bool = False, weights: str = "roster", what_if: str = "",
               workers: int | None = None, skip: tuple[str, ...] = ()) -> ReportResult:
    """Reports for one sector, or for both and side by side with ``sector='all'``.

    Progress (notebooks run) shows as a bar on a terminal and one summary line otherwise; none when ``quiet``.

    ``out`` and ``figures`` default to the project folder's ``reports/`` and ``figures/``, resolved
    at call time (never the package's folder). ``what_if`` (``star3:size_band=101〜300人``) adds a what-if
    section to the reports of sectors scored on the ★ scheme. With several notebooks, up to ``workers`` of them
    (default: one per core, :func:`report_workers`) run at the same time; each writes only its own folders, and
    the result lists them in the order of a run one after another. ``skip`` names notebooks (a sector, or ``all``
    for the cross-sector page) the caller has run already with the same parameters (``sdw demo`` starts its longest
    report early): they are left out, and :func:`combine` puts the results together.
    """
    out = config.reports_dir() if out is None else out
    figures = config.figures_dir() if figures is None else figures
    from pipeline.report.data import cross_sector_sectors, sectors_in, unscored

    k = ruleset.min_cell(min_cell)
    span = _span(years)
    common = {"years": "" if years is None else f"{years[0]}-{years[1]}", "min_cell": k, "lang": lang,
              "store": project_relative(store), "pptx": pptx}

    def run(job: _Job) -> ReportResult:
        t0 = time.perf_counter()
        done = ReportResult()
        label, extra = job.label, job.extra
        folder = folder_name(span, label, lang, extra.get("segment_by", ""), extra.get("framework", "csf2"), k,
                             extra.get("what_if", ""))
        fig_dir, rep_dir = figures / label / folder, out / label / folder
        for old in fig_dir.glob("*.*"):  # a figure a new run no longer draws must not linger beside the report
            old.unlink()
        params = common | extra | {"figures_dir": project_relative(fig_dir), "report_dir": project_relative(rep_dir)}
        try:
            done.html.append(execute(job.notebook, params, rep_dir, title=lambda: job.title(lang)))
        except ReportError as e:
            from pipeline.publish.audit import AUDIT_FILE

            withdraw(rep_dir, fig_dir)
            raise ReportError(f"{e} — nothing of this report is published: its outputs in {rep_dir} and "
                              f"{fig_dir} were removed ({AUDIT_FILE} stays, for the association)") from None
        from pipeline.publish.audit import AUDIT_FILE  # imported while the kernel ran (_prepare_export)

        _same_run(rep_dir, variant=folder != span)
        done.tables.append(rep_dir / "tables.xlsx")
        done.audits.append(rep_dir / AUDIT_FILE)
        if pptx:
            done.decks.append(rep_dir / "deck.pptx")
        done.figures += sorted(fig_dir.glob("*.png"))
        done.seconds[label] = time.perf_counter() - t0
        return done

    present = sectors_in(store) if sector == "all" else [sector]
    stale = unscored(store, list(catalogs.sectors()) if sector == "all" else present, years)
    if stale:
        raise RuntimeError("no scores for " + ", ".join(f"{s} FY{y}" for s, y in stale)
                           + " (ingested since the last scoring): run `sdw score` first")
    from pipeline.progress import progress

    # the cross-sector page compares every sector scored on CSF 2.0, where there are two or more
    cross = sector == "all" and len(cross_sector_sectors(store)) >= 2
    skipped: list[str] = []
    if what_if:
        # a what-if changes only the reports of sectors on the ★ scheme: any other report (and the cross-sector page,
        # which takes no what-if) would be the default one again, written over the default folder (reports/all/all)
        skipped = [s for s in present if not _on_star(s)] + (["all"] if cross else [])
        present, cross = [s for s in present if _on_star(s)], False
    jobs = [_Job(NOTEBOOKS["sector"], s, {"sector": s, "segment_by": segment_by, "framework": framework,
                                         "weights": weights, **({"what_if": what_if} if what_if else {})})
            for s in present]
    if cross:
        jobs.append(_Job(NOTEBOOKS["cross"], "all", {}))
    jobs = [job for job in jobs if job.label not in skip]
    with progress(len(jobs), f"report {sector}: notebooks run", quiet=quiet) as bar, batch_backend():
        # the kernels' environment set once for the whole run: notebooks running side by side each set and restore
        # it in execute(), which must not take it away from a kernel another thread is still starting
        parts = _run_jobs(jobs, run, report_workers(len(jobs), workers), bar.update)
    result = ReportResult(skipped=skipped)
    for part in parts:  # in the order of the jobs, whichever finished first
        result.add(part)
    return result


def combine(parts: list[ReportResult], labels: list[str]) -> ReportResult:
    """Results of reports run in separate calls as one, each list in the order of ``labels`` (sectors, then
    ``all``: the order of a run one after another), whichever call ran first. Reports and figures are told
    apart by their folder: ``<reports or figures>/<label>/<span>/<file>``."""
    order = {label: i for i, label in enumerate(labels)}

    def ordered(paths: list[Path]) -> list[Path]:
        return sorted(paths, key=lambda p: order.get(p.parent.parent.name, len(order)))

    got = ReportResult()
    for part in parts:
        got.add(part)
    got.seconds = {k: got.seconds[k] for k in sorted(got.seconds, key=lambda k: order.get(k, len(order)))}
    for name in ("html", "figures", "tables", "decks", "audits"):
        setattr(got, name, ordered(getattr(got, name)))
    return got


def _run_jobs(jobs: list[_Job], run: Callable[[_Job], ReportResult], workers: int,
              done: Callable[[], None]) -> list[ReportResult]:
    """``run`` each job, ``workers`` at a time (threads: the work is in each notebook's kernel process); ``done()``
    after each. Results in the order of ``jobs``. The first job to fail (in that order) is raised once the jobs
    already running have ended; jobs not yet started are not started. Interrupted (Ctrl-C reaches this thread
    only), it returns at once instead of waiting for the notebooks still running: their kernels run in sessions of
    their own, and each ends itself when this process has ended (ipykernel watches its parent)."""
    if workers <= 1:
        parts = []
        for job in jobs:
            parts.append(run(job))
            done()
        return parts
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    pool = ThreadPoolExecutor(workers, thread_name_prefix="sdw-report")
    interrupted = False
    try:
        futures = [pool.submit(run, job) for job in jobs]
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)  # counted as each ends
            for f in finished:
                if f.exception() is None:
                    done()
            if any(f.exception() is not None for f in finished):
                for f in pending:
                    f.cancel()  # not started: left out; running: waited for below
                wait(pending)
                break
    except BaseException:  # KeyboardInterrupt: leave the running notebooks to end with this process
        interrupted = True
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
    for f in futures:
        if not f.cancelled() and f.exception() is not None:
            raise f.exception()
    return [f.result() for f in futures]

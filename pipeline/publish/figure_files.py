"""A report's figure files written by a second process while the report goes on with its next cells.

A report kernel runs on one core, and rendering a figure's files (the 300-dpi PNG, the SVG, a deck's slide PNG) is
mostly text layout repeated per render. :class:`FigureWriter` hands each figure, pickled, to one worker process per
report (``python -m pipeline.publish.figure_files``, a fresh interpreter rather than a fork of the kernel:
matplotlib's drawing would run in a copy of a process whose message threads may hold locks), with the matplotlib
settings and fonts in force when it was handed over, so the worker draws the same pixels the kernel would.
:meth:`FigureWriter.join` draws, last first, the jobs the worker has not taken yet (a job is taken by renaming its
file, so by one process only: both cores draw the last figures while the kernel would otherwise wait), waits for
every file and raises if one could not be written, and repeats the worker's warnings (a glyph missing from the
fonts) in the report. The files are written by the same calls (:func:`pipeline.png.save_figure_png`,
``Figure.savefig``) either way; ``SDW_FIGURE_WORKER=0`` writes them in the calling process instead.

The worker's job files live in a hidden folder of the report's own folder, so a report that fails leaves nothing
elsewhere: :func:`pipeline.report.run.withdraw` removes that folder with the report. The report's process stops the
worker when it ends, and the worker stops by itself when that process is gone.
"""

from __future__ import annotations

import atexit
import builtins
import contextlib
import os
import pickle
import re
import shutil
import signal
import site
import subprocess
import sys
import sysconfig
import tempfile
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import config

WORKER_ENV = "SDW_FIGURE_WORKER"
"""Environment variable: ``0`` writes figure files in the report's own process (one core, same files)."""
STRICT_GLYPHS = "SDW_STRICT_GLYPHS"
"""Environment variable: when set, a glyph missing from the figure fonts is an error, not a warning (the report
tests set it: "≤" once printed as an empty box in every English figure); in the report and in its figure worker."""
GLYPH_MISSING = r"Glyph \d+ .* missing from font"
"""matplotlib's warning of a character the fonts cannot draw (printed as an empty box)."""
JOBS_PREFIX = ".figure-jobs-"
"""The hidden folder, inside the report's folder, where the figures wait for the worker."""
WARNING_LINE = re.compile(r"^.+?:(\d+): (\w+): (.+)$")
"""A warning as Python prints it on stderr (``file:line: Category: message``): how the worker's reach its log."""
NOT_SENT = ("backend", "backend_fallback", "interactive")
"""Settings of the calling process that say how it shows figures, not how they look: the worker draws with Agg."""
METRICS_KEPT = 50_000
"""Text extents :func:`share_text_metrics` keeps before it starts afresh (a report measures a few thousand)."""
_METRICS: dict[tuple, tuple[float, float, float]] = {}
FONT_SETTINGS = (*(f"font.{k}" for k in ("family", "style", "variant", "weight", "stretch", "size", "serif",
                                           "sans-serif", "cursive", "fantasy", "monospace")),
                 "text.hinting", "text.hinting_factor", "text.kerning_factor")
"""The settings a text's extent depends on besides its font properties: what matplotlib's font lookup keys on, and
how glyphs are hinted and kerned."""


@dataclass(frozen=True)
class FigureFile:
    """One file drawn from a figure: a PNG at ``dpi`` (``None``: ``savefig.dpi``) with ``text`` chunks, or an SVG."""

    path: Path
    kind: str = "png"
    dpi: float | None = None
    text: dict[str, str] | None = None


def write_files(fig: Any, files: list[FigureFile]) -> None:
    """Write ``files`` from ``fig`` in this process, in the order given."""
    from pipeline.png import save_figure_png

    for f in files:
        if f.kind == "svg":
            fig.savefig(f.path, format="svg", metadata={"Date": None})
        else:
            save_figure_png(fig, f.path, dpi=f.dpi, text=f.text)


def strict_glyphs() -> None:
    """With :data:`STRICT_GLYPHS` set, make a glyph missing from the fonts an error in this process."""
    if os.environ.get(STRICT_GLYPHS):
        warnings.filterwarnings("error", message=GLYPH_MISSING)


_MEASURE: dict[type, Any] = {}
"""Each renderer class's own measuring (``get_text_width_height_descent``), kept by :func:`share_text_metrics`."""


def _measured_once(renderer: Any, text: str, fontprop: Any, ismath: Any) -> tuple[float, float, float]:
    """``renderer``'s extent of ``text`` (width, height, descent in pixels), measured once per process for a renderer
    of the same kind at the same resolution, with the same font settings (those matplotlib's font lookup keys on, the
    fonts registered) and hinting rules."""
    import matplotlib as mpl
    from matplotlib import font_manager

    measure = next(_MEASURE[c] for c in type(renderer).__mro__ if c in _MEASURE)
    if ismath:  # mathtext and TeX: measured as matplotlib does
        return measure(renderer, text, fontprop, ismath)
    rc = [dict.__getitem__(mpl.rcParams, k) for k in FONT_SETTINGS]  # read as stored: no validation per text
    key = (type(renderer), getattr(renderer, "dpi", None), text, fontprop.copy(),
           len(font_manager.fontManager.ttflist), *(tuple(v) if isinstance(v, list) else v for v in rc))
    extent = _METRICS.get(key)
    if extent is None:
        if len(_METRICS) >= METRICS_KEPT:
            _METRICS.clear()
        extent = _METRICS[key] = tuple(measure(renderer, text, fontprop, ismath))
    return extent


def share_text_metrics() -> None:
    """Measure each text once per process, not once per renderer: matplotlib keeps a text's extent per renderer
    object, and every figure, every resolution it is saved at and every layout pass after a save has a renderer of its
    own, so the report measured the same tick labels, legends and footers with FreeType again for each (about 3,500
    measurements, 1,400 distinct, in the demo's automotive report). The extent depends only on the renderer's kind and
    resolution, the text, its font properties, the font settings and fonts registered and the hinting settings, which
    make the key: the same numbers, so the same layout and pixels. matplotlib's own cache per renderer stays in front
    (a text met again by the same renderer costs what it did); only what it would measure comes here. Agg (the PNGs)
    and SVG renderers; idempotent."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.backends.backend_svg import RendererSVG

    for cls in (RendererAgg, RendererSVG):
        if cls not in _MEASURE:
            _MEASURE[cls] = cls.get_text_width_height_descent
            cls.get_text_width_height_descent = _measured_once


def worker_pythonpath(code: Path, current: str | None) -> str | None:
    """The worker's ``PYTHONPATH``: ``code`` (the folder holding this package) ahead of ``current``, so the worker
    imports the same package as the report (whose kernel may have been given the folder), unless ``code`` is one
    of the interpreter's own folders (a built install's site-packages): ahead of the standard library it would
    shadow it."""
    own = {*sysconfig.get_paths().values(), *site.getsitepackages(), site.getusersitepackages()}
    if any(Path(p).resolve() == code.resolve() for p in own if p):
        return current
    return os.pathsep.join([str(code), *filter(None, [current])])


def _reemit(log: str) -> None:
    """Warn in this process with each warning the worker printed to its log (a glyph missing from the fonts)."""
    for line in log.splitlines():
        m = WARNING_LINE.match(line)
        if m is None or not m[2].endswith("Warning"):
            continue
        category = getattr(builtins, m[2], UserWarning)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        warnings.warn_explicit(m[3], category, "figure worker", int(m[1]))


def _settings() -> tuple[dict[str, Any], list[str]]:
    """The matplotlib settings in force and the font files registered (``matplotlib_fontja`` adds IPAexGothic)."""
    import matplotlib as mpl
    from matplotlib import font_manager

    rc = {k: v for k, v in mpl.rcParams.items() if k not in NOT_SENT}
    return rc, sorted({f.fname for f in font_manager.fontManager.ttflist})


class FigureWriter:
    """Writes figure files in one worker process per report (started by :meth:`start`, else at the first figure);
    see the module."""

    def __init__(self, folder: Path | str | None = None) -> None:
        self._folder = Path(folder) if folder is not None else None  # where the job folder goes (the report's)
        self._proc: subprocess.Popen | None = None
        self._dir: Path | None = None
        self._log: Any = None
        self._sent = 0
        self._stops_at_exit = False

    @property
    def in_process(self) -> bool:
        """Whether files are written in the calling process (``SDW_FIGURE_WORKER=0``)."""
        return os.environ.get(WORKER_ENV, "1") == "0"

    def submit(self, fig: Any, files: list[FigureFile]) -> None:
        """Have ``files`` drawn from ``fig`` as it is now; the caller may close ``fig`` right after. A figure that
        does not pickle, or ``SDW_FIGURE_WORKER=0``, is written here and now."""
        if self.in_process:
            write_files(fig, files)
            return
        try:
            job = pickle.dumps((*_settings(), fig, files), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - e.g. a formatter holding a lambda: the same files, written here
            write_files(fig, files)
            return
        if b"__main__" in job:  # e.g. a formatter defined in the notebook: the worker has no such module
            write_files(fig, files)
            return
        self.start()
        assert self._dir is not None and self._proc is not None and self._proc.stdin is not None
        path = self._dir / f"{self._sent:04d}.pickle"
        path.write_bytes(job)
        self._sent += 1
        try:
            self._proc.stdin.write(f"{path}\n".encode())
            self._proc.stdin.flush()
        except BrokenPipeError:  # the worker has stopped: join says why
            self.join()

    def start(self) -> None:
        """Start the worker now, if it is not running and files are not written here: a report that starts it before
        its first figure has the worker's imports (matplotlib's) done on the other core by the time it draws."""
        if self._proc is not None or self.in_process:
            return
        if self._folder is not None:
            self._folder.mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix=JOBS_PREFIX, dir=self._folder))
        if not self._stops_at_exit:  # a report that ends before join leaves no worker and no job files
            atexit.register(self.stop)
            self._stops_at_exit = True
        self._log = open(self._dir / "worker.log", "w+b")  # noqa: SIM115 - closed by join
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"} | {"MPLBACKEND": "Agg"}
        path = worker_pythonpath(Path(__file__).resolve().parents[2], os.environ.get("PYTHONPATH"))
        if path:
            env["PYTHONPATH"] = path
        self._proc = subprocess.Popen([sys.executable, "-m", "pipeline.publish.figure_files", str(os.getpid())],
                                      env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._log)

    def stop(self) -> None:
        """Stop the worker now (kill it and wait for it) and remove its job files: the report has ended."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(OSError):
                proc.kill()
            proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir, self._sent = None, 0

    def join(self) -> None:
        """Wait until every figure handed over is written; raise :class:`RuntimeError` naming the first file that
        could not be, with the worker's reason."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        here: str | None = None
        code: int | None = None
        try:
            if proc.stdin is not None:
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.close()
            assert self._dir is not None
            here = _draw_left(self._dir)
            code = proc.wait()
            self._log.seek(0)
            log = self._log.read().decode("utf-8", "replace").strip()
        finally:
            if code is None:  # interrupted while drawing or waiting: the worker is ended, not left drawing
                with contextlib.suppress(OSError):
                    proc.kill()
                proc.wait()
            self._log.close()
            self._log = None
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir, self._sent = None, 0
        _reemit(log)
        problems = [] if here is None else [f"writing {here}"]
        if code != 0:
            lines = log.splitlines()
            failed = next((ln for ln in lines if ln.startswith("failed: ")), "failed: ?")[len("failed: "):]
            problems.append(f"writing {failed} failed in the figure process (exit {code}): "
                            f"{lines[-1] if lines else 'no message'}; set {WORKER_ENV}=0 to see it in the report")
        if problems:
            raise RuntimeError("; ".join(problems))


def _serve(parent: int) -> int:
    """The worker: one job file name per line on stdin until it closes; exit 1 if any file failed. It ignores the
    interrupts sent to the report's process group (the report stops it) and ends when ``parent`` is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    config.end_with_parent(parent, lambda: os._exit(3), every=0.05)  # the report's gone: drawn for nobody
    # what the first figure's files need, imported before it comes
    import matplotlib.backends.backend_agg  # noqa: F401
    import matplotlib.backends.backend_svg  # noqa: F401
    import matplotlib.pyplot  # noqa: F401

    import pipeline.png  # noqa: F401

    strict_glyphs()
    share_text_metrics()
    failed = False
    for line in sys.stdin.buffer:
        path = _taken(Path(line.decode().strip()), TAKEN_BY_WORKER)
        if path is None:  # the report drew it while waiting for this process (join)
            continue
        files: list[FigureFile] = []
        try:
            _draw_job(path, files)
        except Exception:  # noqa: BLE001 - reported to the report at join, the other figures still written
            failed = True
            print(f"failed: {', '.join(f.path.name for f in files) or path.name}", file=sys.stderr)
            traceback.print_exc(file=sys.stderr)
        finally:
            path.unlink(missing_ok=True)
    return 1 if failed else 0


TAKEN_BY_WORKER = ".drawing"
TAKEN_HERE = ".drawn-by-report"
"""A job file's suffix once a process has taken it: the worker (in order) or the report at its join (last first)."""


def _taken(job: Path, suffix: str) -> Path | None:
    """``job`` renamed to ``suffix``, or ``None`` where the other process took it first: a rename succeeds once."""
    mine = job.with_suffix(suffix)
    try:
        job.rename(mine)
    except FileNotFoundError:
        return None
    return mine


def _draw_job(path: Path, files: list[FigureFile]) -> None:
    """Draw the files of one job (written by :meth:`FigureWriter.submit`) in this process, with the settings and
    fonts it was handed; ``files`` gets the job's files (named by a caller whose job failed)."""
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from matplotlib import font_manager

    rc, fonts, fig, job_files = pickle.loads(path.read_bytes())
    files.extend(job_files)
    try:
        known = {f.fname for f in font_manager.fontManager.ttflist}
        for font in fonts:
            if font not in known:
                font_manager.fontManager.addfont(font)
                known.add(font)
        with mpl.rc_context(rc):
            write_files(fig, job_files)
    finally:
        plt.close(fig)  # unpickled into pyplot's figures (a live notebook would show it at the cell's end)


def _draw_left(jobs: Path) -> str | None:
    """Draw here, last first, the jobs the worker has not taken yet, while it draws in order: the report would
    otherwise wait idle at its join for the worker's last figures (both cores drawing instead of one). The names of
    the files of a job that failed, with the reason (the other jobs left to the worker), else ``None``."""
    for job in sorted(jobs.glob("*.pickle"), reverse=True):
        path = _taken(job, TAKEN_HERE)
        if path is None:
            continue
        files: list[FigureFile] = []
        try:
            _draw_job(path, files)
        except Exception as e:  # noqa: BLE001 - raised by join once the worker has ended, as the worker's would be
            names = ", ".join(f.path.name for f in files) or job.name
            return (f"{names} failed in the report's process: {type(e).__name__}: {e} (drawn there at the join; "
                    f"set {WORKER_ENV}=0 to see it where the figure is made)")
        finally:
            path.unlink(missing_ok=True)
    return None


def _exit(code: int) -> None:
    """End the worker at once once its last file is written: the report waits for this process to end (``join``),
    and an interpreter's orderly exit (freeing matplotlib's caches and modules object by object) writes nothing."""
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(_serve(int(sys.argv[1])))

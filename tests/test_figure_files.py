"""The figure worker: the page's image it draws reaches the executed notebook (and so the HTML); a report that fails
leaves none of its files behind; its warnings reach the report; what it cannot unpickle is drawn in the report."""

from __future__ import annotations

import base64
import os
import re
import sys
import sysconfig
from pathlib import Path

import matplotlib.pyplot as plt
import nbformat
import pytest
from matplotlib.ticker import FuncFormatter
from nbclient import NotebookClient

from pipeline.publish.figure_files import STRICT_GLYPHS, FigureFile, FigureWriter, worker_pythonpath
from pipeline.report.run import ReportError, execute, withdraw

CELLS = [
    """import matplotlib
matplotlib.use({backend!r})
import matplotlib.pyplot as plt
import matplotlib_fontja
from pipeline.publish.model import Provenance
from pipeline.publish.publisher import Publisher
pub = Publisher({figures!r}, {report!r}, "ja", 5, Provenance("abc", "0"))
fig, ax = plt.subplots(figsize=(4, 3))
ax.bar([0, 1, 2], [3, 1, 2])
ax.set_title("回答率")
pub.figure(fig, "bars", "回答率の図")""",
    "print('next cell')",
    "pub.close([])",
]


def _run(tmp_path: Path, worker: str, backend: str = "Agg", close: bool = True) -> list[bytes]:
    """The small report run in a kernel drawing with ``backend`` (Agg: a batch run, as papermill's), closed or not;
    the page images of its executed notebook, decoded."""
    folder = tmp_path / f"{worker}-{backend.rsplit('.', 1)[-1]}-{close}"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.format(
        figures=str(folder / "f"), report=str(folder / "r"), backend=backend)) for c in CELLS[:None if close else -1]])
    env_cell = nbformat.v4.new_code_cell(f"import os; os.environ['SDW_FIGURE_WORKER'] = {worker!r}")
    nb.cells.insert(0, env_cell)
    NotebookClient(nb, timeout=None, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    html = [o["data"]["text/html"] for o in nb.cells[1].outputs if "text/html" in o.get("data", {})]
    return [base64.b64decode(m) for h in html for m in re.findall(r'src="data:image/png;base64,([^"]+)"', h)]


def test_the_page_image_drawn_by_the_worker_is_in_the_executed_notebook(tmp_path):
    """The figure's cell shows a placeholder while the worker draws; close() puts the 144-dpi picture in it, and the
    executed notebook carries exactly the picture the report's own process draws (SDW_FIGURE_WORKER=0)."""
    drawn = _run(tmp_path, "1")
    here = _run(tmp_path, "0")
    assert len(drawn) == 1 and drawn[0].startswith(b"\x89PNG")
    assert drawn == here
    assert (tmp_path / "1-Agg-True" / "f" / "bars.png").read_bytes() == (
        tmp_path / "0-Agg-True" / "f" / "bars.png").read_bytes()


def test_a_live_notebook_shows_the_page_image_as_its_cell_runs(tmp_path):
    """In a live notebook (JupyterLab's inline backend) the page image is drawn at once, not at close(): a notebook
    never closed shows it; a batch run (Agg) never closed shows only the placeholder."""
    live = _run(tmp_path, "1", backend="module://matplotlib_inline.backend_inline", close=False)
    batch = _run(tmp_path, "1", close=False)
    assert len(live) == 1 and live[0].startswith(b"\x89PNG")
    assert batch == []


def test_a_report_figure_unpickles_without_the_reports_tables(tmp_path):
    """The figure worker unpickles what the figures refer to: the percent ticks of a share axis come from
    pipeline.report.ticks, so the worker imports neither pandas nor the report's modules (≈ 130 MB)."""
    import pickle
    import subprocess
    import sys

    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    from pipeline.report.figures import percent_ticks

    fig, ax = plt.subplots()
    ax.bar([0, 1], [0.4, 0.7])
    ax.yaxis.set_major_formatter(FuncFormatter(percent_ticks))
    (tmp_path / "fig.pickle").write_bytes(pickle.dumps(fig))
    plt.close(fig)
    code = ("import pickle, sys; fig = pickle.load(open(sys.argv[1], 'rb')); "
            "print(fig.axes[0].yaxis.get_major_formatter()(0.5), 'pandas' in sys.modules, "
            "'pipeline.report.figures' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "fig.pickle")], capture_output=True, text=True,
                         check=True, env={**os.environ, "MPLBACKEND": "Agg",
                                          "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert out.stdout.split() == ["50%", "False", "False"]


FAILING = """# %% tags=["parameters"]
figures_dir = ""
report_dir = ""

# %%
import matplotlib.pyplot as plt
from pipeline.publish.model import Provenance
from pipeline.publish.publisher import Publisher
pub = Publisher(figures_dir, report_dir, "ja", 5, Provenance("abc", "0"))
for i in range(12):
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(range(200), [j % (i + 3) for j in range(200)])
    pub.figure(fig, f"f{i}", f"figure {i}")

# %%
raise ValueError("the disclosure check refused the report")
"""


def test_a_failing_report_leaves_nothing_in_the_temp_folder(tmp_path, monkeypatch):
    """A report whose cell fails after 12 figures, run as `sdw report` runs it (papermill, then withdraw): no job file,
    worker log or page image is left in the temp folder, nor in the withdrawn report's folder."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("SDW_FIGURE_WORKER", "1")
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "failing.py").write_text(FAILING)
    figs, rep = tmp_path / "figures", tmp_path / "report"
    with pytest.raises(ReportError, match="refused the report"):
        execute("failing", {"figures_dir": str(figs), "report_dir": str(rep)}, rep, notebooks_dir=tmp_path / "nb")
    withdraw(rep, figs)
    assert sorted(p.name for p in tmp.rglob("*")) == []
    assert sorted(p.name for p in rep.rglob("*")) == []
    assert sorted(p.name for p in figs.rglob("*")) == []


def test_the_workers_warnings_reach_the_report(tmp_path, monkeypatch):
    """A title in Tamil, which the figure fonts cannot draw: matplotlib's "Glyph … missing" warning, printed by the
    worker, is given again in the report's process when the files are written (the files are, the test not strict)."""
    monkeypatch.delenv(STRICT_GLYPHS, raising=False)
    monkeypatch.setenv("SDW_FIGURE_WORKER", "1")
    writer = FigureWriter(tmp_path)
    fig, ax = plt.subplots()
    ax.set_title("தமிழ்")
    writer.submit(fig, [FigureFile(tmp_path / "tamil.png")])
    plt.close(fig)
    with pytest.warns(UserWarning, match=r"Glyph \d+ .* missing from font"):
        writer.join()
    assert (tmp_path / "tamil.png").read_bytes().startswith(b"\x89PNG")
    assert [p.name for p in tmp_path.iterdir()] == ["tamil.png"]


def _ticks(x, pos):  # a formatter as a notebook defines it: in __main__ (see the test below)
    return f"{x:.0f} 件"


def test_a_figure_referring_to_the_notebook_is_drawn_in_the_report(tmp_path, monkeypatch):
    """A figure whose tick formatter is defined in the notebook (module __main__) pickles, but the worker has no such
    function: the report draws it itself, and the file is written."""
    monkeypatch.setenv("SDW_FIGURE_WORKER", "1")
    monkeypatch.setattr(_ticks, "__module__", "__main__")
    monkeypatch.setattr(sys.modules["__main__"], "_ticks", _ticks, raising=False)
    writer = FigureWriter(tmp_path)
    fig, ax = plt.subplots()
    ax.bar([0, 1], [3, 5])
    ax.yaxis.set_major_formatter(FuncFormatter(_ticks))
    writer.submit(fig, [FigureFile(tmp_path / "counts.png")])
    plt.close(fig)
    writer.join()
    assert (tmp_path / "counts.png").read_bytes().startswith(b"\x89PNG")


def test_the_worker_is_given_the_package_folder_only_when_it_is_not_the_interpreters(tmp_path):
    """A checkout or worktree is put ahead on the worker's PYTHONPATH (it imports the report's own code); a built
    install's site-packages is not (ahead of the standard library it would shadow it)."""
    site_packages = Path(sysconfig.get_paths()["purelib"])
    assert worker_pythonpath(site_packages, None) is None
    assert worker_pythonpath(site_packages, "/opt/extra") == "/opt/extra"
    assert worker_pythonpath(tmp_path, None) == str(tmp_path)
    assert worker_pythonpath(tmp_path, "/opt/extra") == os.pathsep.join([str(tmp_path), "/opt/extra"])


def _closing_order(tmp_path: Path, monkeypatch, findings: list, done: list[str]) -> list[str]:
    """What Publisher.close does in the report's process, in order, into ``done`` (the writers stubbed to record
    themselves and write their file; the audit finding ``findings``, and saying in which process it ran)."""
    import pipeline.publish.deck as deck_module
    import pipeline.publish.render_xlsx as render_xlsx
    from pipeline.publish.model import Provenance
    from pipeline.publish.publisher import Publisher

    def writes(what: str):
        def write(path: Path, *args, **kwargs) -> Path:
            done.append(what)
            path.write_bytes(b"")
            return path
        return write

    pub = Publisher(tmp_path / "f", tmp_path / "r", "ja", 5, Provenance("abc", "0"), show=False)
    monkeypatch.setattr(render_xlsx, "write_machine_copy", lambda folder, tables: done.append("machine copy"))
    monkeypatch.setattr(render_xlsx, "write_people_workbook", writes("workbook"))
    monkeypatch.setattr(deck_module, "write_deck", writes("deck"))
    audited = tmp_path / "audited by"

    def audit():
        audited.write_text(str(os.getpid()))
        return tmp_path / "audit.csv", findings, pub.solver_stats

    monkeypatch.setattr(pub, "_write_audit", audit)
    monkeypatch.setattr(pub, "wait_files", lambda: done.append("figures waited for"))
    try:
        pub.close([], {"title": "t", "subtitle": "s", "headline": []})
    finally:
        done.append(f"audit in {'this' if audited.read_text() == str(os.getpid()) else 'another'} process")
    return done


def test_the_tables_are_written_while_the_worker_draws_and_the_deck_after_it(tmp_path, monkeypatch):
    """close() writes the machine copy and the workbook (none needs a figure) before it waits for the figure
    worker, and the deck, which places the slide pictures, after, while the audit runs in another process."""
    assert _closing_order(tmp_path, monkeypatch, [], []) == [
        "machine copy", "workbook", "figures waited for", "deck", "audit in another process"]
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["deck.pptx", "tables", "tables.xlsx"]


def test_a_failed_check_waits_for_the_figures_and_leaves_no_workbook_or_deck(tmp_path, monkeypatch):
    """A report the check refuses raises once every figure file is on disk (the report is then withdrawn, figures
    too), and leaves neither the workbook nor the deck (written under hidden names beside the audit, removed)."""
    from pipeline.publish.audit import DisclosureError, Finding

    done: list[str] = []
    with pytest.raises(DisclosureError, match=r"found 1 statistic.*direct: responses \[segment=x\] n: a segment of 2"):
        _closing_order(tmp_path, monkeypatch, [Finding("direct", "responses", "segment=x", "n", "a segment of 2")],
                       done)
    assert done[-1] == "audit in another process" and "figures waited for" in done
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["tables"]


def _lines(i: int):
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot(range(50), [j % (i + 2) for j in range(50)])
    ax.set_title(f"図 {i}")
    return fig


def _drawn(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix == ".png"}


def test_the_report_draws_what_the_worker_has_not_taken_when_it_waits(tmp_path, monkeypatch):
    """At its join the report draws, last first, the jobs the worker has not taken yet (each job taken by one process
    only): with the worker held still, the report draws all four figures itself, the worker then finds none left,
    and the files are byte for byte those the worker draws alone."""
    import signal

    from pipeline.publish import figure_files

    monkeypatch.setenv("SDW_FIGURE_WORKER", "1")
    by_worker = FigureWriter(tmp_path / "w")
    for i in range(4):
        fig = _lines(i)
        by_worker.submit(fig, [FigureFile(tmp_path / "w" / f"f{i}.png")])
        plt.close(fig)
    monkeypatch.setattr(figure_files, "_draw_left", lambda jobs: None)  # the worker draws every one
    by_worker.join()
    monkeypatch.undo()
    monkeypatch.setenv("SDW_FIGURE_WORKER", "1")

    here = FigureWriter(tmp_path / "r")
    here.start()
    os.kill(here._proc.pid, signal.SIGSTOP)  # the worker takes nothing until the report has drawn
    for i in range(4):
        fig = _lines(i)
        here.submit(fig, [FigureFile(tmp_path / "r" / f"f{i}.png")])
        plt.close(fig)
    jobs = here._dir
    taken = []
    draw = figure_files._draw_job
    monkeypatch.setattr(figure_files, "_draw_job", lambda path, files: (taken.append(path.name), draw(path, files)))
    assert figure_files._draw_left(jobs) is None
    os.kill(here._proc.pid, signal.SIGCONT)
    here.join()
    assert taken == [f"000{i}.drawn-by-report" for i in (3, 2, 1, 0)]
    assert _drawn(tmp_path / "r") == _drawn(tmp_path / "w")
    assert sorted(_drawn(tmp_path / "r")) == ["f0.png", "f1.png", "f2.png", "f3.png"]
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == ["f0.png", "f1.png", "f2.png", "f3.png"]


def test_a_job_is_taken_once(tmp_path):
    """The worker and the report each take a job by renaming its file: the second to try finds it gone."""
    from pipeline.publish.figure_files import TAKEN_BY_WORKER, TAKEN_HERE, _taken

    job = tmp_path / "0007.pickle"
    job.write_bytes(b"job")
    assert _taken(job, TAKEN_HERE) == tmp_path / "0007.drawn-by-report"
    assert _taken(job, TAKEN_BY_WORKER) is None
    assert [p.name for p in tmp_path.iterdir()] == ["0007.drawn-by-report"]


def test_a_figure_the_report_cannot_draw_at_its_join_fails_it_by_name(tmp_path, monkeypatch):
    """A job the report took at its join and could not write: join raises, naming the files and the reason, once the
    worker has ended; no job file is left."""
    import signal

    monkeypatch.setenv("SDW_FIGURE_WORKER", "1")
    writer = FigureWriter(tmp_path)
    writer.start()
    os.kill(writer._proc.pid, signal.SIGSTOP)
    (tmp_path / "broken.png").mkdir()  # a folder where the PNG must go
    fig = _lines(0)
    writer.submit(fig, [FigureFile(tmp_path / "broken.png")])
    plt.close(fig)
    from pipeline.publish import figure_files

    draw_left, pid = figure_files._draw_left, writer._proc.pid

    def then_resume(jobs):  # the worker goes on once the report has taken and tried every job
        try:
            return draw_left(jobs)
        finally:
            os.kill(pid, signal.SIGCONT)

    monkeypatch.setattr(figure_files, "_draw_left", then_resume)
    with pytest.raises(RuntimeError, match=r"writing broken\.png failed in the report's process: IsADirectoryError"):
        writer.join()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.png"]

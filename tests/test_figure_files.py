"""The page's image of a figure drawn by the figure worker reaches the executed notebook (and so the HTML)."""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

import nbformat
from nbclient import NotebookClient

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
    # the worker's job folder under tmp_path: a kernel stopped without close() leaves it behind
    env_cell = nbformat.v4.new_code_cell(f"import os, tempfile; os.environ['SDW_FIGURE_WORKER'] = {worker!r}; "
                                         f"tempfile.tempdir = {str(folder)!r}")
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

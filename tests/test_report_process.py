"""The `sdw report` process around its kernel: the kernel starts before the modules only the end of the run needs
are imported (they are imported while it runs), the HTML export prepared meanwhile writes the same page, the kernel
is ended at once after its last cell, and the figure worker starts with the page's publisher."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

LATE = ("pipeline.publish.audit", "matplotlib", "nbconvert", "pipeline.report.style")

BEFORE_THE_KERNEL = """
import sys
import papermill
from pipeline import stages, preconditions, lock  # what `sdw report` imports before run_report
from pipeline.report import run, data  # what run_report imports before its first notebook
seen = {}
def execute_notebook(src, out, **kwargs):
    seen["late"] = [m for m in %r if m in sys.modules]
    seen["shutdown"] = kwargs.get("shutdown_kernel")
    raise papermill.PapermillExecutionError(1, 1, "stop", "Stop", "here", [])
papermill.execute_notebook = execute_notebook
try:
    run.execute("sector_trend_report", {}, __import__("pathlib").Path(sys.argv[1]))
except run.ReportError:
    pass
print(seen["late"], seen["shutdown"])
"""


def test_the_kernel_starts_before_the_audit_matplotlib_or_nbconvert_are_imported(tmp_path):
    # a fresh interpreter: the test process has imported them all
    out = subprocess.run([sys.executable, "-c", BEFORE_THE_KERNEL % (LATE,), str(tmp_path)], capture_output=True,
                         text=True, check=True)
    assert out.stdout.split() == ["[]", "immediate"]


def test_what_the_end_of_the_run_needs_is_prepared_once_the_kernel_has_started(monkeypatch):
    from jupyter_client import AsyncKernelManager

    from pipeline.report.run import quiet_shutdown_manager

    # the hook jupyter_client calls once a kernel has started: were it renamed, nothing would be prepared (and this
    # test's stand-in below would still pass), so its presence is checked first
    assert callable(getattr(AsyncKernelManager, "_async_post_start_kernel", None))
    calls = []

    async def started_by_jupyter_client(self, **kw):
        calls.append("kernel running")

    monkeypatch.setattr(AsyncKernelManager, "_async_post_start_kernel", started_by_jupyter_client)
    km = quiet_shutdown_manager(lambda: calls.append("prepare"))(kernel_name="python3")
    asyncio.run(km._async_post_start_kernel())
    assert calls == ["kernel running", "prepare"]


EXPORT = """
import sys
import nbformat
from nbconvert import HTMLExporter
from pipeline.report import run
if sys.argv[2] == "prepared":
    run._prepare_export()
nb = nbformat.read(sys.argv[1], as_version=4)
body, _ = HTMLExporter(**run.EXPORT).from_notebook_node(nb, resources={"metadata": {"name": "回答の概要"}})
sys.stdout.buffer.write(body.encode())
"""


def test_the_prepared_export_writes_the_same_page(tmp_path):
    """The page exported after :func:`_prepare_export` (its caches filled by a sample) is the page a fresh process
    exports: headings, a table, a formula, an image and a code cell's hidden input alike."""
    v4 = nbformat.v4
    png = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
    nb = v4.new_notebook(cells=[
        v4.new_markdown_cell("# 自動車業界 回答の概要\n\n回答率 **62%** (n = 3,079)、$k = 5$"),
        v4.new_code_cell("show(table)", outputs=[
            v4.new_output("display_data", {"text/html": "<table><tr><th>規模</th><td>x</td></tr></table>"}),
            v4.new_output("display_data", {"text/html": f'<figure><img alt="回答率" src="data:image/png;base64,{png}"/>'
                                                        "</figure>"}),
            v4.new_output("display_data", {"text/markdown": "## 付録"})])])
    path = tmp_path / "page.ipynb"
    nbformat.write(nb, path)
    pages = [subprocess.run([sys.executable, "-c", EXPORT, str(path), how], capture_output=True, check=True).stdout
             for how in ("fresh", "prepared")]
    assert "自動車業界 回答の概要".encode() in pages[0] and b"<th>\xe8\xa6\x8f\xe6\xa8\xa1</th>" in pages[0]
    assert pages[0] == pages[1]


WORKER = """
import matplotlib
matplotlib.use("Agg")
from pipeline.publish.model import Provenance
from pipeline.publish.publisher import Publisher
pub = Publisher({figures!r}, {report!r}, "ja", 5, Provenance("abc", "0"))
running = pub._files._proc is not None and pub._files._proc.poll() is None
print(running)
written = pub.close([])
"""


def test_in_a_kernel_the_figure_worker_starts_with_the_publisher(tmp_path):
    """In a notebook's kernel the worker is running before the page's first figure (its imports done meanwhile);
    a publisher made outside a kernel (a test, a script) starts none until it has a figure."""
    from pipeline.publish.model import Provenance
    from pipeline.publish.publisher import Publisher

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(WORKER.format(
        figures=str(tmp_path / "f"), report=str(tmp_path / "r")))])
    NotebookClient(nb, timeout=None, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert [o.get("text", "").strip() for o in nb.cells[0].outputs] == ["True"]
    assert not any(p.name.startswith(".figure-jobs-") for p in Path(tmp_path / "r").iterdir())  # joined at close
    here = Publisher(tmp_path / "f2", tmp_path / "r2", "ja", 5, Provenance("abc", "0"))
    assert here._files._proc is None

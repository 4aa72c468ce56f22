"""The report process imports nbformat without building jsonschema's optional IRI grammar (rfc3987_syntax: a Lark
parser built at import, 1.3 s of CPU per `sdw report`), and still validates notebooks."""

from __future__ import annotations

import subprocess
import sys

CHILD = """
import sys
from pipeline.report.run import _skip_iri_grammar
_skip_iri_grammar()
import nbformat, papermill  # noqa: F401 - what execute() imports
from nbconvert import HTMLExporter  # noqa: F401
assert sys.modules.get("rfc3987_syntax") is None, "rfc3987_syntax was imported"
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)
bad = nbformat.v4.new_notebook()
bad.cells.append({"cell_type": "code", "source": "x"})  # no metadata, outputs or execution_count
try:
    nbformat.validate(bad)
except nbformat.ValidationError:
    print("refused")
"""


def test_report_imports_skip_the_iri_grammar_and_still_validate():
    # a fresh interpreter: the test process may have imported jsonschema (and the grammar) already
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "refused"


def test_the_report_kernel_gets_an_allocator_that_returns_freed_memory(monkeypatch):
    """The kernel papermill starts inherits the report process's environment: while a notebook runs, Arrow's pool is
    the system allocator and glibc's mmap threshold is fixed at 64 KiB (freed tables and figure buffers go back to
    the system); afterwards the process's environment is as it was. A user's own choice is kept."""
    import os

    from pipeline.report.run import batch_backend

    monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "1048576")  # the user's own
    with batch_backend():
        assert os.environ["ARROW_DEFAULT_MEMORY_POOL"] == "system"
        assert os.environ["MALLOC_MMAP_THRESHOLD_"] == "1048576"
    assert "ARROW_DEFAULT_MEMORY_POOL" not in os.environ
    assert os.environ["MALLOC_MMAP_THRESHOLD_"] == "1048576"
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")
    with batch_backend():
        assert os.environ["MALLOC_MMAP_THRESHOLD_"] == "65536"
    assert "MALLOC_MMAP_THRESHOLD_" not in os.environ

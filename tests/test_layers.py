"""The package's layers (pyproject.toml [tool.importlinter]) hold, and an upward import breaks them.

`make test` runs ``lint-imports`` itself; these tests show the contract can fail: a copy of the package
with one import pointing the wrong way is refused, naming the import.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

pytestmark = pytest.mark.skipif(not LINT.exists(), reason="import-linter is a dev dependency: pip install -e .[dev]")


def lint(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package under ``root`` (first on the path), without a cache."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([str(LINT), str(root / "pyproject.toml"), "--no-cache"], cwd=root, env=env,
                          capture_output=True, text=True, check=False)


def copy_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline",
                    ignore=shutil.ignore_patterns("__pycache__", "*.csv", "*.yaml", "*.md"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def add_import(module: Path, line: str) -> None:
    text = module.read_text(encoding="utf-8")
    head, sep, rest = text.partition("from __future__ import annotations\n")
    module.write_text(head + sep + "\n" + line + "\n" + rest, encoding="utf-8")


def test_the_package_keeps_its_layers():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 kept, 0 broken" in done.stdout


def test_a_circle_between_sibling_modules_breaks_the_contract(tmp_path):
    """The layers contract cannot see two modules of one package importing each other (publish.audit and
    publish.intervals did): the acyclic-siblings contract does."""
    root = copy_package(tmp_path)
    add_import(root / "pipeline" / "publish" / "cells.py", "import pipeline.publish.audit")
    done = lint(root)
    assert done.returncode == 1
    assert "No cycles are allowed in pipeline.publish." in done.stdout
    assert ".cells -> .audit" in done.stdout


@pytest.mark.parametrize(("module", "line", "broken"), [
    # the bottom layer reaching up into a stage (what catalogs/form.py once did)
    ("catalogs/files.py", "import pipeline.ingest.locate", "pipeline.catalogs.files -> pipeline.ingest.locate"),
    # a stage reaching sideways into another (what ingest/assemble.py once did for points per answer)
    ("ingest/assemble.py", "import pipeline.scoring.rules", "pipeline.ingest.assemble -> pipeline.scoring.rules"),
    # the generator borrowing the reader's vocabulary (what synth/generic.py once did for size bands)
    ("synth/population.py", "import pipeline.ingest.attributes",
     "pipeline.synth.population -> pipeline.ingest.attributes"),
    # config reading the catalogs: the circle config <-> catalogs
    ("config.py", "import pipeline.catalogs", "pipeline.config -> pipeline.catalogs"),
])
def test_an_upward_or_sideways_import_breaks_the_contract(tmp_path, module, line, broken):
    root = copy_package(tmp_path)
    add_import(root / "pipeline" / module, line)
    done = lint(root)
    assert done.returncode == 1
    assert "leaves BROKEN" in done.stdout  # the layers contract, whose name ends "… config, leaves"
    assert broken in done.stdout


def test_a_module_reaching_into_the_catalogs_breaks_the_contract(tmp_path):
    """Catalog files are read through ``pipeline.catalogs`` alone: a stage importing one of its modules (as
    a stage importing the cache helpers from ``pipeline.catalogs.files``, say) is refused, naming the import."""
    root = copy_package(tmp_path)
    add_import(root / "pipeline" / "scoring" / "maps.py", "from pipeline.catalogs.files import catalog_cache")
    done = lint(root)
    assert done.returncode == 1
    assert "never one of its modules BROKEN" in " ".join(done.stdout.split())
    assert "pipeline.scoring.maps -> pipeline.catalogs.files" in done.stdout


def test_every_module_outside_the_catalogs_is_held_to_the_one_catalog_module():
    """A new top-level module is listed in the contract's sources, or it could import a catalog module unseen."""
    import tomllib

    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (one,) = [c for c in contracts["contracts"] if c["id"] == "one-catalog-module"]
    top = {f"pipeline.{p.stem if p.is_file() else p.name}" for p in (ROOT / "pipeline").iterdir()
           if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()}
    assert sorted(top - {"pipeline.catalogs"}) == sorted(one["source_modules"])
    catalog_modules = {f"pipeline.catalogs.{p.stem}" for p in (ROOT / "pipeline" / "catalogs").glob("*.py")}
    assert sorted(catalog_modules - {"pipeline.catalogs.__init__"}) == sorted(one["forbidden_modules"])


# Each stage package's entry point is its run.py (pipeline.ingest.run, pipeline.scoring.run, pipeline.synth.run,
# pipeline.report.run): one role, always imported by its package's name, so the shared name says the role.
SHARED_NAMES = {"__init__", "__main__", "run"}


def private_imports(root: Path) -> list[str]:
    """Every ``from pipeline.x import _y`` and ``x._y`` (x a pipeline module) outside the module defining _y."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pipeline"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.append(f"{path.relative_to(root)}:{node.lineno} from {node.module} import {alias.name}")
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                modules |= {a.asname or a.name: a.name for a in node.names if a.name.startswith("pipeline")}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                    and isinstance(node.value, ast.Name) and node.value.id in modules):
                found.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_no_module_reaches_into_another_ones_private_names():
    """A name with a leading underscore is its module's own: one another module needs is made public (named for
    what it does) or moves to the module that owns the concept. The tests may call private helpers."""
    folders = ("pipeline", "notebooks", "tools", "benchmarks")
    found = [hit for folder in folders for hit in private_imports(ROOT / folder)]
    assert found == []


def test_the_check_sees_a_private_import(tmp_path):
    (tmp_path / "a.py").write_text("from pipeline.publish.intervals import _hide\n"
                                   "import pipeline.ingest.discover as d\nd._error_text(None)\n", encoding="utf-8")
    assert private_imports(tmp_path) == ["a.py:1 from pipeline.publish.intervals import _hide", "a.py:3 d._error_text"]


def test_no_two_modules_share_a_name():
    """A reader who meets ``feedback_star`` in a traceback or a search should find one file."""
    names: dict[str, list[str]] = {}
    for path in (ROOT / "pipeline").rglob("*.py"):
        if path.stem not in SHARED_NAMES:
            names.setdefault(path.stem, []).append(str(path.relative_to(ROOT)))
    assert {n: p for n, p in names.items() if len(p) > 1} == {}

"""Installable anywhere: default folders hang from the project folder, never from the package, and a
built (non-editable) install runs synth → ingest → score → report from an empty folder.

The project-folder tests are fast and run in-process. The install test builds the wheel from a copy
of the source, installs it alone (``--no-deps``) into a fresh venv, and borrows only the third-party
libraries from this venv through ``PYTHONPATH``: re-downloading pandas, Jupyter and friends would take
minutes and test PyPI rather than us. ``PYTHONPATH`` entries are not site folders, so this venv's
editable ``.pth`` hook does not run there and ``import pipeline`` can only find the installed wheel
(the test checks that it does). ``JUPYTER_PATH`` lends their data files (nbconvert's templates) the same way.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pipeline import cli, config

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def no_home(monkeypatch):
    monkeypatch.delenv(config.HOME_ENV, raising=False)


def test_sdw_home_wins_over_everything(tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    (tmp_path / "here" / "sdw.toml").write_text("")
    monkeypatch.setenv(config.HOME_ENV, str(tmp_path / "elsewhere"))
    project = config.find_project(tmp_path / "here")
    assert project.path == (tmp_path / "elsewhere").resolve() and project.reason == "SDW_HOME"


def test_the_nearest_pyproject_naming_sdw_is_the_project(tmp_path, no_home):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "sdw"\n')
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "pyproject.toml").write_text('[project]\nname = "someone-else"\n')
    deep = tmp_path / "other" / "notebooks" / "drafts"
    deep.mkdir(parents=True)
    project = config.find_project(deep)  # a foreign pyproject on the way up is not a marker
    assert project.path == tmp_path.resolve() and project.reason == "pyproject.toml"


def test_an_sdw_toml_marks_a_users_folder(tmp_path, no_home):
    (tmp_path / "sdw.toml").write_text("")
    (tmp_path / "reports").mkdir()
    project = config.find_project(tmp_path / "reports")
    assert project.path == tmp_path.resolve() and project.reason == "sdw.toml"


def test_without_a_marker_the_current_folder_is_the_project(tmp_path, no_home, monkeypatch):
    monkeypatch.chdir(tmp_path)
    project = config.find_project()
    assert project.path == tmp_path.resolve() and project.reason == "current directory"
    # the old constants follow, computed on access
    home = tmp_path.resolve()
    lazy = (config.STORE_DIR, config.FIGURES_DIR, config.REPORTS_DIR)
    assert lazy == (home / "data" / "processed", home / "figures", home / "reports")


def test_a_folder_inside_the_installed_package_is_refused(tmp_path, no_home, monkeypatch):
    package = tmp_path / "site-packages" / "pipeline"
    (package / "catalogs").mkdir(parents=True)
    monkeypatch.setattr(config, "PACKAGE_DIR", package.resolve())
    with pytest.raises(RuntimeError, match="SDW_HOME"):
        config.find_project(package / "catalogs")


def test_sdw_says_which_project_folder_it_uses(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(config.HOME_ENV, str(tmp_path))
    cli.main(["sql", "SELECT 1"])  # no store there: fails, after naming the folder it looked in
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"sdw: project folder {tmp_path.resolve()} (SDW_HOME)"
    assert str(tmp_path.resolve() / "data" / "processed") in err[1]


def test_the_package_list_names_every_subpackage():
    """pyproject.toml spells the packages out (to map pipeline.notebooks to notebooks/): none may be missing."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "pipeline").rglob("__init__.py")}
    assert on_disk | {"pipeline.notebooks"} == listed


def _files(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.suffix != ".pyc"}


@pytest.mark.slow
def test_a_built_install_runs_from_an_empty_folder(tmp_path, monkeypatch):
    src, venv, project = tmp_path / "src", tmp_path / "venv", tmp_path / "project"
    for part in ("pipeline", "notebooks"):
        shutil.copytree(ROOT / part, src / part, ignore=shutil.ignore_patterns("__pycache__", "*.ipynb"))
    for part in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / part, src / part)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(tmp_path / "dist"),
                    str(src)], check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("sdw-*.whl"))
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "--quiet",
                    "--no-deps", str(wheel)], check=True, capture_output=True)
    installed = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; "
                                     "print(sysconfig.get_path('purelib'))"],
                                    check=True, capture_output=True, text=True).stdout.strip())
    before = _files(installed)

    project.mkdir()
    monkeypatch.delenv(config.HOME_ENV, raising=False)
    # the borrowed libraries' data files too: nbconvert's HTML templates live in <prefix>/share/jupyter
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(site.getsitepackages()), "SDW_SECRET_KEY": "install-test",
           "JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    env.pop(config.HOME_ENV, None)

    def sdw(*args: str) -> subprocess.CompletedProcess:
        done = subprocess.run([str(venv / "bin" / "sdw"), *args], cwd=project, env=env, capture_output=True,
                              text=True)
        assert done.returncode == 0, f"sdw {args[0]}: {done.stderr}"
        return done

    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import pipeline; print(pipeline.__file__)"],
                           cwd=project, env=env, check=True, capture_output=True, text=True).stdout.strip()
    assert Path(where).is_relative_to(installed), where  # the wheel, not the checkout

    sdw("synth", "--sector", "power", "--year", "2024", "--out", "data/raw/power/2024", "--n", "30", "--seed", "3")
    ingest = sdw("ingest", "--sector", "power", "--year", "2024", "--raw", "data/raw/power/2024")
    assert f"sdw: project folder {project.resolve()} (current directory)" in ingest.stderr
    sdw("score")
    sdw("report", "--sector", "power")
    counted = sdw("sql", "SELECT count(*) AS n FROM respondents")

    for table in ("manifest", "respondents", "responses", "scores"):
        assert (project / "data" / "processed" / table).exists()
    html = project / "reports" / "power" / "all" / "sector_trend_report.html"
    assert html.exists() and "<html" in html.read_text(encoding="utf-8")[:2000].lower()
    assert (project / "reports" / "power" / "all" / "tables.xlsx").exists()
    assert list((project / "figures" / "power" / "all").glob("*.png"))
    assert "(1 rows)" in counted.stdout
    assert _files(installed) == before  # nothing written into site-packages
    assert not (installed / "data").exists() and not (installed.parent / "data").exists()

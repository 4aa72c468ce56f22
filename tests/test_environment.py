"""environment.yml (conda users) and pyproject.toml (pip users) must name the same dependencies.

`drift` compares the two files' texts and lists every difference a user would meet: a package one file
installs and the other does not, a different version bound, a different Python. The real files must show
none; hand-made pairs (and a scratch copy of the real environment.yml with one package added) show that
each kind of difference is reported.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> tuple[str, str]:
    """'Python_Calamine >= 0.2' → ('python-calamine', '>=0.2') (PEP 503 names, spaces dropped)."""
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def pyproject_requirements(text: str) -> dict[str, str]:
    """name → version spec of every dependency pyproject.toml installs (core and every extra), and python."""
    meta = tomllib.loads(text)["project"]
    reqs = list(meta.get("dependencies", []))
    reqs += [r for extra in meta.get("optional-dependencies", {}).values() for r in extra]
    out = dict(_norm(r) for r in reqs)
    out["python"] = meta.get("requires-python", "").replace(" ", "")
    return out


def conda_requirements(text: str) -> dict[str, str]:
    """name → version spec of every package environment.yml installs (conda and its pip section), and python;
    pip itself and pip options such as `-e .` (the project) are left out."""
    env = yaml.safe_load(text)
    out: dict[str, str] = {}
    for dep in env["dependencies"]:
        for req in dep["pip"] if isinstance(dep, dict) else [dep]:
            if req.startswith("-"):
                continue
            name, spec = _norm(req)
            if name != "pip":
                out[name] = spec
    return out


def drift(pyproject_text: str, env_text: str) -> list[str]:
    """Every difference between the two files, one readable line each; empty when they agree."""
    pip, conda = pyproject_requirements(pyproject_text), conda_requirements(env_text)
    lines = [f"{n}: only in pyproject.toml" for n in sorted(pip.keys() - conda.keys())]
    lines += [f"{n}: only in environment.yml" for n in sorted(conda.keys() - pip.keys())]
    lines += [f"{n}: pyproject.toml says {pip[n]!r}, environment.yml says {conda[n]!r}"
              for n in sorted(pip.keys() & conda.keys()) if pip[n] != conda[n]]
    return lines


PYPROJECT = """
[project]
name = "x"
requires-python = ">=3.11"
dependencies = ["pandas>=2.1", "python_calamine>=0.2"]
[project.optional-dependencies]
dev = ["pytest>=8"]
"""
ENV = """
dependencies:
  - python>=3.11
  - pandas >=2.1
  - python-calamine>=0.2
  - pytest>=8
  - pip
  - pip:
      - -e .
"""


def test_environment_yml_mirrors_pyproject():
    assert drift((ROOT / "pyproject.toml").read_text(), (ROOT / "environment.yml").read_text()) == []


def test_matching_pair_shows_no_drift():
    # spelling (python_calamine / python-calamine), spaces, pip and `-e .` are not differences
    assert drift(PYPROJECT, ENV) == []


def test_package_missing_from_either_file_is_reported():
    assert drift(PYPROJECT, ENV.replace("  - pytest>=8\n", "")) == ["pytest: only in pyproject.toml"]
    assert drift(PYPROJECT, ENV + "  - numpy>=1.26\n") == ["numpy: only in environment.yml"]


def test_pip_section_package_counts():
    moved = ENV.replace("  - pytest>=8\n", "").replace("      - -e .\n", "      - -e .\n      - pytest>=8\n")
    assert drift(PYPROJECT, moved) == []
    assert drift(PYPROJECT, ENV + "      - matplotlib-fontja>=1.0\n") == ["matplotlib-fontja: only in environment.yml"]


def test_lower_bound_difference_is_reported():
    assert drift(PYPROJECT, ENV.replace("pandas >=2.1", "pandas>=2.0")) == [
        "pandas: pyproject.toml says '>=2.1', environment.yml says '>=2.0'"]
    assert drift(PYPROJECT, ENV.replace("pandas >=2.1", "pandas")) == [
        "pandas: pyproject.toml says '>=2.1', environment.yml says ''"]


def test_python_version_difference_is_reported():
    assert drift(PYPROJECT, ENV.replace("python>=3.11", "python>=3.10")) == [
        "python: pyproject.toml says '>=3.11', environment.yml says '>=3.10'"]


def test_real_files_drift_is_caught():
    """The real check is not vacuous: a scratch copy of the real environment.yml with one more package,
    or with one bound changed, no longer matches the real pyproject.toml (the real files are untouched)."""
    pyproject, env = (ROOT / "pyproject.toml").read_text(), (ROOT / "environment.yml").read_text()
    added = env.replace("  - pip\n", "  - sympy>=1.12\n  - pip\n", 1)
    assert added != env
    assert drift(pyproject, added) == ["sympy: only in environment.yml"]
    lowered = env.replace("pandas>=2.1", "pandas>=2.0", 1)
    assert lowered != env
    assert drift(pyproject, lowered) == ["pandas: pyproject.toml says '>=2.1', environment.yml says '>=2.0'"]

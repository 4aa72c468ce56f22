"""environment.yml (conda users) and pyproject.toml (pip users) must name the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _norm(req: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def _pyproject() -> set[tuple[str, str]]:
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = meta["dependencies"] + [r for extra in meta["optional-dependencies"].values() for r in extra]
    return {_norm(r) for r in reqs}


def _conda() -> set[tuple[str, str]]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    out: set[tuple[str, str]] = set()
    for dep in env["dependencies"]:
        for req in dep["pip"] if isinstance(dep, dict) else [dep]:
            name, spec = _norm(req) if not req.startswith("-") else ("", "")
            if name and name not in {"python", "pip"}:
                out.add((name, spec))
    return out


def test_environment_yml_mirrors_pyproject():
    assert _conda() == _pyproject()


def test_drift_is_detected(tmp_path):
    drifted = {("pandas", ">=2.1")} ^ _pyproject()
    assert drifted != _conda()

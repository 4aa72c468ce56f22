"""The repository's scripts (benchmarks/, tools/) loaded as modules, so tests call their functions."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def script(relative: str) -> ModuleType:
    """The script at ``relative`` (to the repository's root, e.g. ``tools/stress_store.py``), executed as a module."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name while the script runs
    spec.loader.exec_module(module)
    return module

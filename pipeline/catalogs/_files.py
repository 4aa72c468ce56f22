"""Reading catalog files once and handing out copies."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent


@cache
def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(HERE / name, dtype=str, keep_default_na=False)


def read_csv(name: str) -> pd.DataFrame:
    """A catalog CSV with every column as text (IDs such as ``01`` keep their zeros)."""
    return _csv(name).copy()


@cache
def read_yaml(relpath: str) -> dict[str, Any]:
    """A catalog YAML file; callers must not mutate the returned mapping."""
    with open(HERE / relpath, encoding="utf-8") as fh:
        return yaml.safe_load(fh)

"""Reading catalog files once and handing out copies.

pandas is imported on first use, not at import: the ingest workers read catalogs through
:func:`read_records` only and start without it (see ingest/run.py).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

if TYPE_CHECKING:
    import pandas as pd

HERE = Path(__file__).resolve().parent


@cache
def _csv(name: str) -> pd.DataFrame:
    import pandas as pd

    return pd.read_csv(HERE / name, dtype=str, keep_default_na=False)


@cache
def read_records(name: str) -> tuple[dict[str, str], ...]:
    """A catalog CSV as plain rows (no pandas): for code that must start fast."""
    with open(HERE / name, encoding="utf-8", newline="") as fh:
        return tuple(csv.DictReader(fh))


def read_csv(name: str) -> pd.DataFrame:
    """A catalog CSV with every column as text (IDs such as ``01`` keep their zeros)."""
    return _csv(name).copy()


@cache
def read_yaml(relpath: str) -> dict[str, Any]:
    """A catalog YAML file; callers must not mutate the returned mapping."""
    with open(HERE / relpath, encoding="utf-8") as fh:
        return yaml.safe_load(fh)

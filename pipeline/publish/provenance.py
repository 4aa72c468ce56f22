"""The provenance stamp of a report: which data, which code, which parameters.

The snapshot id is a hash of what the numbers rest on — every input file's content hash and fate in
the manifest for the sectors and years shown, and the scoring rules in force — so two reports with the
same id and parameters show the same numbers, and a re-ingested or re-scored store shows a new id.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import date
from functools import cache
from importlib import metadata
from pathlib import Path

import pandas as pd
import yaml

from pipeline.publish.model import Provenance
from pipeline.scoring.rules import load_rules
from pipeline.store import opened


def snapshot_id(store: Path, sectors: list[str], years: list[int]) -> str:
    """12 hex digits identifying the store content behind a report (manifest rows and scoring rules)."""
    h = hashlib.sha256()
    path = Path(store) / "manifest"
    if path.exists():
        with opened(path) as f:  # one open file: the manifest replaced meanwhile is read from before or after
            m = pd.read_parquet(f, columns=["sector", "year", "source_path", "sha256", "status"])
        m = m[m["sector"].isin(sectors) & m["year"].isin(years)].sort_values(["sector", "year", "source_path"])
        for row in m.itertuples(index=False):
            h.update("\t".join(str(v) for v in row).encode("utf-8") + b"\n")
    h.update(yaml.safe_dump(load_rules(), sort_keys=True, allow_unicode=True).encode("utf-8"))
    return h.hexdigest()[:12]


@cache
def code_version() -> str:
    """The package version, and the git commit when the code runs from a checkout."""
    try:
        version = metadata.version("sdw")
    except metadata.PackageNotFoundError:
        version = "0"
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{version}+{commit}" if commit else version


def scheme_stamp(sectors: list[str]) -> str:
    """The ★ scheme table's version, date and origin (``2026-03 (shipped)``) where a sector shown is scored on
    it; '' otherwise (a power report rests on no ★ table)."""
    from pipeline import catalogs

    if not any("star" in catalogs.sector_info(s)["frameworks"] for s in sectors if s in catalogs.sectors()):
        return ""
    return catalogs.scheme_info()["label"]


def scheme_shown(stamp: str, lang: str) -> str:
    """A scheme stamp (``2026-03 (shipped)``) as a reader of ``lang`` reads it: its origin in the language's words
    (「2026-03(同梱)」; catalogs/report_labels.yaml ``scheme_words``). The machine copy keeps the stamp as is."""
    import re

    from pipeline import catalogs

    m = re.fullmatch(r"(.*) \((.+)\)", stamp)
    if not m:
        return stamp
    words = catalogs.report_labels()[lang]["scheme_words"]
    origin = m.group(2)
    for word, said in words["origin"].items():
        origin = re.sub(rf"\b{word}\b", said, origin)
    return m.group(1) + words["origin_brackets"].format(origin=origin)


def provenance(store: Path, sectors: list[str], years: list[int], parameters: dict[str, object]) -> Provenance:
    return Provenance(snapshot=snapshot_id(store, sectors, years), code_version=code_version(),
                      parameters=dict(parameters), generated=date.today().isoformat(), scheme=scheme_stamp(sectors))

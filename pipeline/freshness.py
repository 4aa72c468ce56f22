"""When each part of the store was ingested and scored, and whether its scores still follow.

Scores are stale when something they rest on changed after ``sdw score`` ran: the year was ingested
again (ingest empties that year's scores), the scoring rules (catalogs/scoring.yaml) differ, or the
scoring code or catalogs differ. Ingest and score each leave a line in the store's ``history.json``
(when, and under which rules and code), which :func:`staleness` compares with what is in force now.
A store written before history was kept says "unknown", never "stale": nothing is refused on a guess.

Only what scoring rests on counts as "code": pipeline/scoring/, pipeline/ruleset.py (the rules' loader)
and the catalogs (shipped and the project's own), not the whole package, so an edit to the command line
or a report leaves scores fresh.
The catalogs' label-only files (:data:`LABEL_FILES`: report words, column headers, header-recognition labels,
quarantine reason texts) are left out too: no score reads them, so a corrected label or a comment must not
make ``sdw report`` ask for ``sdw score`` again. So are the label-only columns of a scored table
(:data:`LABEL_COLUMNS`: the ★ requirements' English names), hashed as if the file did not have them.
They still count where they matter: the demo's build stamp (pipeline/builds.py) hashes the whole package,
and a report reads them afresh on every run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.catalogs import LABEL_COLUMNS, LABEL_FILES

HISTORY_FILE = "history.json"
PACKAGE = Path(__file__).resolve().parent
SCORING_CODE = (PACKAGE / "scoring", PACKAGE / "catalogs", PACKAGE / "ruleset.py")


def hash_file(h: hashlib._Hash, path: Path) -> None:
    """Feed a file's content digest into ``h`` (an unreadable file feeds its error: its state is input too)."""
    try:
        with open(path, "rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    except OSError as e:  # a dangling link or an unreadable file: its state is part of the input too
        h.update(f"unreadable:{type(e).__name__}".encode())


def hash_without_labels(h: hashlib._Hash, path: Path, labels: frozenset[str]) -> None:
    """Feed ``path`` as if its label-only columns were absent: the digest of the CSV rewritten without them.

    A file without any of them feeds its bytes unchanged, so a store scored before the columns existed (or on
    a project's table without them) stays fresh; one with them feeds what the same table without them would.
    """
    import csv
    import io

    try:
        text = path.read_bytes().decode("utf-8")  # as written: its line ends are kept
    except (OSError, UnicodeDecodeError):
        hash_file(h, path)
        return
    rows = list(csv.reader(io.StringIO(text, newline="")))
    keep = [i for i, name in enumerate(rows[0] if rows else []) if name not in labels]
    if not rows or len(keep) == len(rows[0]):
        hash_file(h, path)
        return
    out = io.StringIO()  # written as the file writes its lines, so the same table without them is the same bytes
    writer = csv.writer(out, lineterminator="\r\n" if "\r\n" in text else "\n")
    writer.writerows([r[i] for i in keep if i < len(r)] for r in rows)
    h.update(hashlib.sha256(out.getvalue().encode("utf-8")).digest())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def scoring_code_digest(catalogs: Path | None = None) -> str:
    """A digest of the scoring code and the catalogs (shipped, and the project's own when given)."""
    h = hashlib.sha256()
    for root in (*SCORING_CODE, catalogs):
        if root is not None and root.is_file():
            h.update(os.fsencode(root.name) + b"\0")
            hash_file(h, root)
        if root is None or not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root).as_posix()
            if root.name == "catalogs" and relative in LABEL_FILES:
                continue  # words only: a label or a comment changes no score
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                h.update(os.fsencode(f"{root.name}/{relative}") + b"\0")
                if root.name == "catalogs" and relative in LABEL_COLUMNS:
                    hash_without_labels(h, path, LABEL_COLUMNS[relative])
                else:
                    hash_file(h, path)
    return h.hexdigest()


def read_history(store: Path) -> dict:
    """The store's history (``{}`` when none was kept, or the file is unreadable)."""
    try:
        data = json.loads((Path(store) / HISTORY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write(store: Path, history: dict) -> None:
    tmp = store / f".{HISTORY_FILE}.tmp"
    tmp.write_text(json.dumps(history, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, store / HISTORY_FILE)


def record_ingest(store: Path, sector: str, year: int) -> None:
    """Note that (sector, year) was ingested now (called after the tables are in place)."""
    history = read_history(store)
    history.setdefault("ingested", {})[f"{sector}/{year}"] = _now()
    _write(store, history)


def rules_digest(rules: dict | None = None) -> str:
    """A digest of scoring rules as resolved (default: catalogs/scoring.yaml as in force now)."""
    import yaml

    from pipeline.ruleset import load_rules

    resolved = load_rules() if rules is None else rules
    return hashlib.sha256(yaml.safe_dump(resolved, sort_keys=True, allow_unicode=True).encode()).hexdigest()


def record_score(store: Path, rules_digest: str, catalogs: Path | None = None) -> None:
    """Note that the whole store was scored now, under these rules and the current scoring code."""
    history = read_history(store)
    history["scored"] = {"at": _now(), "rules": rules_digest, "code": scoring_code_digest(catalogs)}
    _write(store, history)


@dataclass(frozen=True)
class Freshness:
    """Whether one (sector, year)'s scores follow from what is in the store and in force now."""

    ingested_at: str | None
    scored_at: str | None
    reasons: tuple[str, ...]  # why the scores are stale; empty when they are not (or it is unknown)
    known: bool  # False when the store kept no history to judge by

    @property
    def stale(self) -> bool:
        return bool(self.reasons)

    def text(self) -> str:
        if self.reasons:
            return "stale: " + "; ".join(self.reasons)
        return "up to date" if self.known else "unknown (no history kept when it was scored)"


def staleness(store: Path, scored: bool, sector: str, year: int, history: dict | None = None,
              rules_digest: str | None = None, code_digest: str | None = None) -> Freshness:
    """Judge one (sector, year) that has respondents; ``scored`` says whether the scores table has it.

    ``rules_digest`` and ``code_digest`` are what is in force now (computed when not given; pass them
    when judging many partitions).
    """
    history = read_history(store) if history is None else history
    ingested = history.get("ingested", {}).get(f"{sector}/{year}")
    score = history.get("scored") or {}
    at = score.get("at")
    if not scored:  # scored_at: when the store was last scored (before this year's ingest), if ever
        return Freshness(ingested, at, ("not scored since its last ingest",), True)
    if not score:
        return Freshness(ingested, None, (), False)
    reasons = []
    if ingested and ingested > at:
        reasons.append("ingested again since scoring")
    if rules_digest is None:
        rules_digest = globals()["rules_digest"]()
    if score.get("rules") != rules_digest:
        reasons.append("scored under other scoring rules")
    if code_digest is None:
        from pipeline import config

        code_digest = scoring_code_digest(config.catalogs_dir())
    if score.get("code") != code_digest:
        reasons.append("scoring code or catalogs changed since")
    return Freshness(ingested, at, tuple(reasons), True)

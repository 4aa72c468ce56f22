"""Why a file was not ingested: a stable code for scripts, Japanese text a clerk can act on.

The texts live in catalogs/reasons.yaml; codes are part of the manifest contract.
"""

from __future__ import annotations

from pipeline.catalogs import quarantine_reasons

_TEXTS = quarantine_reasons()
REASONS: dict[str, tuple[str, str]] = {k: (v["problem"], v["action"]) for k, v in _TEXTS["quarantine"].items()}
FLAGS: dict[str, tuple[str, str]] = {k: (v["problem"], v["action"]) for k, v in _TEXTS["flags"].items()}
DETAIL_SEP = "\n"
"""Between the details of one file in the quarantine table's 詳細 (the reader's message, then each flag's): one a line
in the clerk's sheets, and never inside a detail (a version list reads 'auto-v2.1 / auto-v2.2')."""


class Rejected(Exception):
    """A file (or archive member, or export row) that must be quarantined, with a reason code."""

    def __init__(self, code: str, detail: str = "", attributes: dict | None = None) -> None:
        if code not in REASONS:
            raise ValueError(f"unknown quarantine reason {code!r}")
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
        self.attributes = attributes or {}  # whatever the cover said, so the clerk knows whom to ask

"""What a sector report is about, decided once: the framework it draws, its names, k and the notes that follow.

The trend report, its headline and the explorer read these here, so a notebook only says what to show and
the framework's name, its node names and the fallback to CSF 2.0 are written in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline import catalogs, ruleset
from pipeline.report.data import ReportData
from pipeline.report.tables import not_assessed_subcategories

FRAMEWORK_NAMES = {"csf2": "NIST CSF 2.0", "csf11": "NIST CSF 1.1"}
"""Frameworks a report or the explorer draws functions and categories of, where a sector is scored on them."""


def framework_nodes(framework: str) -> pd.DataFrame:
    """The node catalog of ``framework`` ('csf2' or 'csf11'), in catalog order."""
    if framework not in FRAMEWORK_NAMES:
        raise ValueError(f"framework must be one of {', '.join(FRAMEWORK_NAMES)}, not {framework!r}")
    return catalogs.csf2() if framework == "csf2" else catalogs.csf11()


def node_names(framework: str, lang: str) -> dict[str, str]:
    """Node id → name in ``lang``; the English name where a Japanese one is missing (never blank)."""
    cat = framework_nodes(framework)
    en = cat["name_en"].fillna("")
    name = cat["name_ja"].fillna("").where(cat["name_ja"].fillna("").ne(""), en) if lang == "ja" else en
    return dict(zip(cat["node_id"], name, strict=True))


def report_framework(sector: str, requested: str) -> str:
    """The framework a sector's report draws: ``requested`` where the sector is scored on it, else CSF 2.0.

    ``sdw report --sector all --framework csf11`` asks every sector for CSF 1.1, and only power's checklist
    is written in it; every sector is scored on CSF 2.0, so the others draw that instead of failing (the
    report says so: :meth:`ReportContext.framework_note`). A name that is no report framework at all is a
    mistake, refused rather than drawn as CSF 2.0 under the reader's nose.
    """
    if requested not in FRAMEWORK_NAMES:
        raise ValueError(f"unknown framework {requested!r}: a report draws one of {', '.join(FRAMEWORK_NAMES)}")
    scored = catalogs.sector_info(sector)["frameworks"]
    return requested if requested in scored else "csf2"


@dataclass(frozen=True)
class ReportContext:
    """One sector report's framework (id and printed name), node names in its language, k and rule line."""

    sector: str
    framework: str
    framework_label: str
    lang: str
    k: int
    node_names: dict[str, str]
    frameworks_scored: tuple[str, ...]
    requested: str = ""  # the framework asked for, where the sector is not scored on it and draws CSF 2.0

    @classmethod
    def build(cls, sector: str, framework: str = "csf2", lang: str = "ja", k: int | None = None) -> ReportContext:
        """The context of ``sector``'s report; ``k`` None reads it from the rules (catalogs/scoring.yaml)."""
        fw = report_framework(sector, framework)
        return cls(sector=sector, framework=fw, framework_label=FRAMEWORK_NAMES[fw], lang=lang,
                   k=ruleset.min_cell(k), node_names=node_names(fw, lang),
                   frameworks_scored=tuple(catalogs.sector_info(sector)["frameworks"]),
                   requested="" if fw == framework else framework)

    @property
    def frameworks_to_load(self) -> list[str]:
        """What the page reads from the store: its framework, CSF 2.0, and levels and ★ where scored on them."""
        return sorted({self.framework, "csf2"} | ({"level", "star"} & set(self.frameworks_scored)))

    def framework_note(self, labels: dict) -> str:
        """Why the page draws another framework than the one asked for ('' when it draws that one)."""
        if not self.requested:
            return ""
        return labels["framework_fallback"].format(asked=FRAMEWORK_NAMES[self.requested],
                                                   sector=labels["sector"][self.sector], label=self.framework_label)

    def not_assessed_note(self, data: ReportData, labels: dict) -> str:
        """Under CSF 2.0 categories of a sector whose checklist is CSF 1.1: how many subcategories no answer
        reaches (shown as not assessed, never as 0); the dash elsewhere."""
        if self.framework == "csf2" and "csf11" in self.frameworks_scored:
            return labels["not_assessed"].format(n=not_assessed_subcategories(data))
        return labels["dash"]


def hidden_count(tables) -> int:
    """How many values the published tables hide (a non-empty ``suppressed`` mark), for the headline."""
    return int(sum((t.frame["suppressed"].fillna("") != "").sum() for t in tables if "suppressed" in t.frame))

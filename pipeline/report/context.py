"""What a sector report is about, decided once: the framework it draws, its names, k, the level threshold and notes.

The trend report, its headline and the explorer read these here, so a notebook only says what to show and
the framework's name, its node names, the rules' values and the fallback to CSF 2.0 are written in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from pipeline import catalogs, ruleset
from pipeline.report.data import ReportData
from pipeline.report.style import threshold_text
from pipeline.report.tables import not_assessed_subcategories
from pipeline.ruleset import RulesSource

DRAWN = catalogs.DRAWN
"""Frameworks a report or the explorer draws functions and categories of, where a sector is scored on them."""
COMMON_FRAMEWORK = catalogs.COMMON_FRAMEWORK
"""The framework every sector is scored on: a report's unless it asks for another, the cross-sector page's."""


def framework_names() -> dict[str, str]:
    """Each drawn framework's printed name ('NIST CSF 2.0'), as the published ``framework`` column names it
    (catalogs/columns.yaml)."""
    values = catalogs.columns()["framework"]["values"]["en"]
    return {f: str(values[f]) for f in DRAWN}


def framework_nodes(framework: str) -> pd.DataFrame:
    """The node catalog of ``framework`` ('csf2' or 'csf11'), in catalog order."""
    if framework not in DRAWN:
        raise ValueError(f"framework must be one of {', '.join(DRAWN)}, not {framework!r}")
    return catalogs.csf2() if framework == "csf2" else catalogs.csf11()


def node_names(framework: str, lang: str) -> dict[str, str]:
    """Node id → name in ``lang``; the English name where a Japanese one is missing (never blank)."""
    cat = framework_nodes(framework)
    en = cat["name_en"].fillna("")
    name = cat["name_ja"].fillna("").where(cat["name_ja"].fillna("").ne(""), en) if lang == "ja" else en
    return dict(zip(cat["node_id"], name, strict=True))


def report_framework(sector: str, requested: str = "") -> str:
    """The framework a sector's report draws: ``requested`` where the sector is scored on it, else (and when
    ``requested`` is empty) :data:`COMMON_FRAMEWORK`, CSF 2.0.

    ``sdw report --sector all --framework csf11`` asks every sector for CSF 1.1, and only power's checklist
    is written in it; every sector is scored on CSF 2.0, so the others draw that instead of failing (the
    report says so: :meth:`ReportContext.framework_note`). A name that is no report framework at all is a
    mistake, refused rather than drawn as CSF 2.0 under the reader's nose.
    """
    if not requested:
        return COMMON_FRAMEWORK
    if requested not in DRAWN:
        raise ValueError(f"unknown framework {requested!r}: a report draws one of {', '.join(DRAWN)}")
    scored = catalogs.sector_info(sector)["frameworks"]
    return requested if requested in scored else COMMON_FRAMEWORK


@dataclass(frozen=True)
class ReportContext:
    """One sector report's framework (id and printed name), node names in its language, k and the level threshold
    as printed ('90%'), each from the rules unless the run gives its own."""

    sector: str
    framework: str
    framework_label: str
    lang: str
    k: int
    node_names: dict[str, str]
    frameworks_scored: tuple[str, ...]
    requested: str = ""  # the framework asked for, where the sector is not scored on it and draws CSF 2.0
    threshold_text: str = ""  # the level threshold as the page prints it ('90%')

    @classmethod
    def build(cls, sector: str, framework: str = "", lang: str = "ja", k: int | None = None,
              rules: RulesSource = None) -> ReportContext:
        """The context of ``sector``'s report. From the rules (catalogs/scoring.yaml, or ``rules`` overriding
        it as scoring does) where not given: ``framework`` empty draws :data:`COMMON_FRAMEWORK`, ``k`` None is
        ``min_cell``, and the level threshold is always the rules'."""
        fw = report_framework(sector, framework)
        return cls(sector=sector, framework=fw, framework_label=framework_names()[fw], lang=lang,
                   k=ruleset.min_cell(k, rules), node_names=node_names(fw, lang),
                   frameworks_scored=tuple(catalogs.sector_info(sector)["frameworks"]),
                   requested="" if fw == framework or not framework else framework,
                   threshold_text=threshold_text(rules))

    @property
    def frameworks_to_load(self) -> list[str]:
        """What the page reads from the store: its framework, CSF 2.0, and levels and ★ where scored on them."""
        return sorted({self.framework, COMMON_FRAMEWORK} | ({"level", "star"} & set(self.frameworks_scored)))

    def framework_note(self, labels: dict) -> str:
        """Why the page draws another framework than the one asked for ('' when it draws that one)."""
        if not self.requested:
            return ""
        return labels["framework_fallback"].format(asked=framework_names()[self.requested],
                                                   sector=labels["sector"][self.sector], label=self.framework_label)

    def mapping_note(self, labels: dict) -> str:
        """The project's own mapping of the sector's items to CSF 2.0, said under the page's figures ('' for a
        sector without one: a CSF 1.1 checklist reaches CSF 2.0 by NIST's crosswalk, said by its not-assessed
        note)."""
        return str(labels["mapping_note"].get(self.sector, ""))

    def not_assessed_note(self, data: ReportData, labels: dict) -> str:
        """:func:`not_assessed_text` under the page's categories; the dash where it has none."""
        return not_assessed_text(self.sector, self.framework, data, labels) or labels["dash"]


def not_assessed_text(sector: str, framework: str, data: ReportData, labels: dict) -> str:
    """Under CSF 2.0 categories of a sector whose checklist is CSF 1.1: how many subcategories no answer
    reaches (shown as not assessed, never as 0); '' elsewhere."""
    if framework == COMMON_FRAMEWORK and "csf11" in catalogs.sector_info(sector)["frameworks"]:
        return labels["not_assessed"].format(n=not_assessed_subcategories(data))
    return ""


def mapping_note(sector: str, labels: dict) -> str:
    """How a sector's items reach CSF 2.0 where that is not its own framework: the project's mapping
    (labels ``mapping_note``) or, for a CSF 1.1 checklist, NIST's crosswalk (``crosswalk_note``); '' for none."""
    if sector in labels["mapping_note"]:
        return str(labels["mapping_note"][sector])
    if "csf11" in catalogs.sector_info(sector)["frameworks"]:
        return str(labels["crosswalk_note"]).format(sector=labels["sector"][sector])
    return ""


def hidden_count(tables) -> int:
    """How many values the published tables hide (a non-empty ``suppressed`` mark), for the headline."""
    return int(sum((t.frame["suppressed"].fillna("") != "").sum() for t in tables if "suppressed" in t.frame))

"""`sdw audit --feedback`: the rank replay on a folder of member workbooks, read as their members read them.

A member file prints, per headline row, the member's score, its percentile rank, the group's quartiles, the group's
count and the group in words; the report prints, for the same group, node and year, how many companies reach a
threshold. :func:`pipeline.publish.audit_ranks.rank_findings` counts the companies two such positions put between
them; this module turns the workbooks of one ``sdw feedback`` folder (``<out>/<sector>/<year>/``) back into the
numbers it reads — the row's node and the peer group matched from their words to the report's cells, the counts
those of the report's own protected tables (:func:`pipeline.report.published_peers.published_peers` on the store).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from pipeline import catalogs
from pipeline.publish.audit_ranks import rank_findings
from pipeline.publish.feedback_model import head_words
from pipeline.report.data import respondents_in
from pipeline.report.member_page import node_label, peer_group_label, words
from pipeline.report.published_peers import published_peers
from pipeline.ruleset import min_cell
from pipeline.scoring.feedback import ALL_GROUP, NO_PEERS, headline_nodes
from pipeline.scoring.segments import with_segment

READ = ("node", "score", "p25", "p50", "p75", "peer_mean", "peer_n", "percentile", "peer_group")
"""The score-table columns the replay reads (the rest of the row is the member's own or derived)."""
INDEX = "index.xlsx"
RANK_STEP = 0.5
"""A workbook prints the percentile rank in whole percent: the true rank lies within half a percent of it."""


class NotAFeedbackFolder(ValueError):
    """The folder is not one ``sdw feedback`` wrote, or a workbook in it is not a member file it can read."""


@dataclass
class FeedbackAudit:
    """The workbooks read (file name → the rows as the replay reads them) and the findings."""

    sector: str
    year: int
    files: int
    findings: pd.DataFrame

    def lines(self) -> list[str]:
        """One line per finding: file, row, what counts how many companies against what."""
        return [f"{r.respondent_key}: {r.framework} {r.node_id} ({r.segment}): {r.statistic} against {r.against} "
                f"counts {r.between} companies between them" for r in self.findings.itertuples()]


def audit_feedback_folder(folder: Path, store: Path, k: int | None = None) -> FeedbackAudit:
    """Replay the ranks and quartiles of every member workbook in ``folder`` against the report's printed counts
    (read from ``store`` as the report reads it). Raises :class:`NotAFeedbackFolder` for a folder that is not
    ``<out>/<sector>/<year>/`` with member workbooks, or a workbook whose rows or groups match no report cell."""
    k = min_cell(k)
    sector, year = _sector_year(folder)
    books = sorted(p for p in folder.glob("*.xlsx") if p.name != INDEX and not p.name.startswith("~$"))
    if not books:
        raise NotAFeedbackFolder(f"{folder}: no member workbook (*.xlsx besides {INDEX}): run `sdw feedback` first")
    published = published_peers(store, sector, year, k)
    groups = [*_attribute_values(store, sector, year), *published.cells["segment"].dropna().unique(),
              *published.merges.values(), ALL_GROUP, NO_PEERS]
    tables = {p.name: (read_member_workbook(p, sector, groups), pd.DataFrame()) for p in books}
    return FeedbackAudit(sector, year, len(books), rank_findings(tables, published.counts, k, published.merges,
                                                                 rank_step=RANK_STEP))


def _attribute_values(store: Path, sector: str, year: int) -> list[object]:
    """The values of the sector's peer attribute (and report segment, where it is another) among the year's
    respondents: the groups a member file may name."""
    info = catalogs.sector_info(sector)
    columns = list(dict.fromkeys(str(info[c]) for c in ("peer_attribute", "segment") if info.get(c)))
    people = respondents_in(store, sector, (year, year))
    return list(dict.fromkeys(v for c in columns if c in people for v in with_segment(people, c)["segment"]))


def _sector_year(folder: Path) -> tuple[str, int]:
    sector, year = folder.parent.name, folder.name
    if sector not in catalogs.sectors() or not year.isdigit():
        raise NotAFeedbackFolder(f"{folder} is not a feedback folder: `sdw feedback` writes <out>/<sector>/<year>/ "
                                 f"(sector one of {', '.join(catalogs.sectors())})")
    return sector, int(year)


def read_member_workbook(path: Path, sector: str, groups: list[object]) -> pd.DataFrame:
    """The score table of one member workbook as the replay reads it: framework, node_id, score, peer_group (the
    report's segment), peer_n, percentile (0–100), p25, p50, p75 and hidden ('x' where the group's count reads x).
    ``groups``: the peer groups the report may name (its segments, merged groups, the sector total, none)."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        lang = next((lang for lang in ("ja", "en") if words(lang)["sheets"]["scores"] in wb.sheetnames), None)
        if lang is None:
            raise NotAFeedbackFolder(f"{path.name}: no score sheet ({words('ja')['sheets']['scores']} / "
                                     f"{words('en')['sheets']['scores']}): not a member file of `sdw feedback`")
        rows = [list(r) for r in wb[words(lang)["sheets"]["scores"]].iter_rows(values_only=True)]
    finally:
        wb.close()
    w = words(lang)
    heads = {head_words(c, w, lang): c for c in READ}
    at = next((i for i, r in enumerate(rows) if r and heads.get(str(r[0])) == "node"), None)
    if at is None:
        raise NotAFeedbackFolder(f"{path.name}: the score table's header ({head_words('node', w, lang)}) not found")
    columns = [heads.get(str(v)) for v in rows[at]]
    nodes = {node_label(f, n, lang): (f, n) for f, ns in headline_nodes(sector) for n in ns}
    all_label = w["all_group"].format(sector=w["sector"][sector])
    named = {peer_group_label(g, sector, lang, all_label): g for g in groups}
    out = []
    for r in rows[at + 1:]:
        if not r or r[0] is None:
            break
        cell = {c: v for c, v in zip(columns, r, strict=False) if c}
        if cell["node"] not in nodes:
            raise NotAFeedbackFolder(f"{path.name}: row {cell['node']!r} is no headline row of {sector}")
        if cell.get("peer_group") not in named:
            raise NotAFeedbackFolder(f"{path.name}: peer group {cell.get('peer_group')!r} is no group the "
                                     f"{sector} report publishes")
        framework, node = nodes[cell["node"]]
        out.append({"framework": framework, "node_id": node, "peer_group": named[cell["peer_group"]],
                    "hidden": "x" if cell.get("peer_n") == w["hidden"] else "",
                    **{c: _number(cell.get(c)) for c in ("score", "peer_n", "percentile", "p25", "p50", "p75")}})
    return pd.DataFrame(out, columns=["framework", "node_id", "peer_group", "hidden", "score", "peer_n",
                                      "percentile", "p25", "p50", "p75"])


def _number(value: object) -> float:
    """A printed number; NaN for a mark (x, —) or a blank."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan


__all__ = ["FeedbackAudit", "NotAFeedbackFolder", "audit_feedback_folder", "read_member_workbook"]

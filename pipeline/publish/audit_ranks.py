"""The intruder check for member feedback: ranks and quartiles beside the counts a report prints.

A member reads, per headline node, its own score s, its percentile rank p among the peer group's n companies
(printed beside it) and the group's quartiles; the published report prints, for the same group, node and year, how
many of the n reach a threshold θ (the CSF functions' 90 % count, ★3's count at 100 %, the automotive levels table's
LvN+). From these alone (docs/method.md, "Ranks beside printed counts"):

- the rank is a position: r = p·n / 100 companies at or below s, the member among them;
- a printed count c says n − c companies lie below θ;
- a quantile q printed from n companies sits at a known position: floor((n − 1)·q) + 1 companies at or below it
  (linear interpolation).

Two positions count the companies between their values, and a count of 1 … k − 1 is a finding. The check reads the
numbers as the member reads them (the feedback tables' printed peer_n, percentile and quartiles) and the report's
counts, never the scores behind them, so it replays :func:`pipeline.scoring.disclosure.between_shown` from the
other side: a feedback run passes it when the rule held. A rank read back from a workbook is printed in whole percent,
exact up to 100 companies; above that it stands for every count of companies that prints so (``rank_step``), and a
finding is a rank for which every such count puts 1 … k − 1 companies between (the rule leaves the true one 0 or at
least k, so a reader who knows it learns nothing from a count that another reading of the rank contradicts).
"""

from __future__ import annotations

import pandas as pd

from pipeline.scoring.disclosure import quantile_position

FINDING_COLUMNS = ["respondent_key", "framework", "node_id", "segment", "statistic", "against", "between"]
QUARTILES = ("p25", "p50", "p75")


def rank_findings(tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]], counts: pd.DataFrame, k: int,
                  merges: dict[str, str] | None = None, rank_step: float = 0.0) -> pd.DataFrame:
    """Every shown rank or quartile that counts 1 … k − 1 companies between itself and a printed count's threshold
    (or, for a rank, a quartile printed beside it).

    Parameters
    ----------
    tables : dict
        :func:`pipeline.scoring.feedback.feedback_tables` (respondent key → (headline, weakest items)).
    counts : DataFrame
        :attr:`pipeline.report.published_peers.PublishedPeers.counts`: framework, node_id, segment, threshold,
        reached (the companies at or above the threshold the report prints).
    k : int
    merges : dict, optional
        Member attribute value → the merged group the report prints it under.
    rank_step : float
        How far the printed rank may lie from the true one, in percent (0: exact, as the feedback tables hold it;
        0.5: a workbook's whole percent).

    Returns
    -------
    DataFrame
        :data:`FINDING_COLUMNS`; ``between`` is the number of companies the two printed positions put between
        ``statistic`` (percentile or a quartile) and ``against`` (「≥θ: c」 or a quartile).
    """
    merges = merges or {}
    printed: dict[tuple[str, str, object], list[tuple[float, float]]] = {}
    for f, node, segment, theta, c in counts[["framework", "node_id", "segment", "threshold", "reached"]].itertuples(
            index=False):
        if c == c:
            printed.setdefault((str(f), str(node), segment), []).append((float(theta), float(c)))
    found = []
    for key, (headline, _) in tables.items():
        for row in headline.to_dict("records"):
            n = row.get("peer_n")
            if n is None or n != n or row.get("hidden", ""):
                continue
            segment = merges.get(row["peer_group"], row["peer_group"])
            thresholds = printed.get((str(row["framework"]), str(row["node_id"]), segment), [])
            found += [{"respondent_key": key, "framework": row["framework"], "node_id": row["node_id"],
                       "segment": segment, "statistic": statistic, "against": against, "between": between}
                      for statistic, against, between in _row_counts(row, int(n), thresholds, rank_step)
                      if 1 <= between < k]
    return pd.DataFrame(found, columns=FINDING_COLUMNS)


def _row_counts(row: dict, n: int, thresholds: list[tuple[float, float]], rank_step: float = 0.0
                ) -> list[tuple[str, str, int]]:
    """(statistic, against, companies between) for one printed score-table row, read as its member reads it; a rank
    that stands for several counts (``rank_step``) counts the most of them where every one is 1 or more, else 0."""
    out = []
    marks = {q: (row[q], quantile_position(q, n)) for q in QUARTILES
             if row.get(q) is not None and row[q] == row[q]}
    for q, (value, position) in marks.items():  # a quartile against each printed count
        for theta, c in thresholds:
            below_theta = n - c
            out.append((q, f"≥{theta:g}: {c:.0f}", int(below_theta - position if value < theta
                                                       else position - below_theta)))
    percentile, score = row.get("percentile"), row.get("score")
    if percentile is None or percentile != percentile or score is None or score != score:
        return out
    # companies at or below the member, itself included: every count the printed rank may stand for
    ranks = [r for r in range(1, n + 1) if abs(r * 100 / n - percentile) <= rank_step + 1e-9] or \
        [round(percentile * n / 100)]

    def fewest(counts: list[int]) -> int:  # a finding only where every reading counts 1 … k − 1: the most of them
        return max(counts) if min(counts) >= 1 else 0

    for theta, c in thresholds:
        if score < theta:  # above the member and below θ: those above it less those reaching θ
            out.append(("percentile", f"≥{theta:g}: {c:.0f}", fewest([int((n - r) - c) for r in ranks])))
        else:  # others at or below the member that reach θ: those at or below it less those below θ
            out.append(("percentile", f"≥{theta:g}: {c:.0f}", fewest([int((r - 1) - (n - c)) for r in ranks])))
    for q, (value, position) in marks.items():  # the member's position against a quartile's
        out.append(("percentile", q, fewest([int(position - r if score < value else r - 1 - position)
                                             for r in ranks])))
    return out


__all__ = ["FINDING_COLUMNS", "rank_findings"]

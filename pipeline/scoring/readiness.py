"""★ readiness per company: which requirements it meets, how far it is from ready, and what-if rankings.

Reads the ``scores`` rows of ``framework = 'star'`` written by :func:`pipeline.scoring.respondent.star_scores`:
per respondent one row per requirement, node id ``"<star>:<requirement_id>"`` (``3:1-2-1``), score 1 met,
0 not met, NaN not judged (the checklist cannot judge it, every cited item is not applicable, or the
respondent's form version lacks a cited item). Not judged requirements are in no count below.

Statistics (docs/method.md §3):

- *distance* to ★N: the number of judged requirements of ★N the company does not meet; NaN when it has
  no judged requirement. Distance 0 is "ready" (★N+ = 1).
- *distance band*: 0, 1, 2, 3, 4–5, 6+ (:data:`DISTANCE_BANDS`).
- *ready after fixing at most N*: distance ≤ N (N = 0 … 3), NaN when the distance is NaN.
- *what-if* over a set of companies: those that must act (distance ≥ 1); per requirement the companies
  failing it, and the companies it alone would lift to ready (their only unmet requirement is it),
  ranked by the latter, then by the former, then by requirement id.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

KEY = ["sector", "year", "respondent_key"]
DISTANCE_BANDS = ("0", "1", "2", "3", "4–5", "6+")
FIX_AT_MOST = (0, 1, 2, 3)
OUTCOME_COLUMNS = [*KEY, "requirement_id", "met"]
READINESS_COLUMNS = [*KEY, "n_judged", "n_met", "distance", "unmet"]
WHAT_IF_COLUMNS = ["rank", "requirement_id", "n_failing", "n_lifted_alone", "n_ready_if_fixed_in_order"]


def requirement_outcomes(scores: pd.DataFrame, star: int) -> pd.DataFrame:
    """One row per respondent × requirement of ★``star``: ``met`` 1.0, 0.0 or NaN (not judged).

    ``scores`` is the store's ``scores`` table (any frameworks; only ``star`` rows with node ids
    ``"<star>:…"`` are read). The summary rows ``★3`` / ``★3+`` are not requirements and are skipped.
    """
    prefix = f"{star}:"
    rows = scores[scores["framework"].eq("star") & scores["node_id"].astype(str).str.startswith(prefix)]
    out = rows[KEY].copy()
    out["requirement_id"] = rows["node_id"].astype(str).str.slice(len(prefix)).to_numpy()
    out["met"] = pd.to_numeric(rows["score"], errors="coerce").astype(float).to_numpy()
    return out.reset_index(drop=True)[OUTCOME_COLUMNS]


def respondent_readiness(scores: pd.DataFrame, star: int) -> pd.DataFrame:
    """Per respondent: judged and met requirement counts, the distance to ★``star`` and the unmet ones.

    ``distance`` = n_judged − n_met (NaN when nothing is judged); ``unmet`` is the sorted tuple of
    requirement ids judged and not met (empty when ready or not judged).
    """
    return readiness_from_outcomes(requirement_outcomes(scores, star))


def readiness_from_outcomes(outcomes: pd.DataFrame) -> pd.DataFrame:
    """:func:`respondent_readiness` from :func:`requirement_outcomes` rows (e.g. a subset of them)."""
    if outcomes.empty:
        return pd.DataFrame(columns=READINESS_COLUMNS)
    judged = outcomes[outcomes["met"].notna()]
    people = outcomes[KEY].drop_duplicates().reset_index(drop=True)
    counts = judged.groupby(KEY, sort=False).agg(n_judged=("met", "size"), n_met=("met", "sum")).reset_index()
    out = people.merge(counts, on=KEY, how="left")
    out["n_judged"] = out["n_judged"].fillna(0).astype(int)
    out["n_met"] = out["n_met"].fillna(0).astype(int)
    out["distance"] = (out["n_judged"] - out["n_met"]).astype(float).where(out["n_judged"] > 0)
    out["unmet"] = _unmet_ids(judged[judged["met"].eq(0)], out)
    return out[READINESS_COLUMNS]


def _unmet_ids(failed: pd.DataFrame, people: pd.DataFrame) -> list[tuple[str, ...]]:
    """Per row of ``people``, the sorted tuple of the requirement ids it fails (``failed`` rows), () when none: the
    failed rows sorted once by their respondent's row and id and cut into runs, not a Python function per group."""
    row = pd.MultiIndex.from_frame(people[KEY]).get_indexer(pd.MultiIndex.from_frame(failed[KEY]))
    ids = failed["requirement_id"].to_numpy(dtype=object)
    rank, _ = pd.factorize(ids, sort=True)  # ids in the order sorted() gives them
    order = np.lexsort((rank, row))
    row, ids = row[order], ids[order]
    ends = np.searchsorted(row, np.arange(len(people)), side="right")
    starts = np.concatenate([[np.searchsorted(row, 0)], ends[:-1]])
    return [tuple(ids[s:e]) for s, e in zip(starts, ends, strict=True)]


def distance_band(distance: pd.Series) -> pd.Series:
    """Each distance's band label (:data:`DISTANCE_BANDS`); None where the distance is NaN."""
    d = pd.to_numeric(distance, errors="coerce")
    labels = np.select([d.eq(0), d.eq(1), d.eq(2), d.eq(3), d.between(4, 5), d.ge(6)], DISTANCE_BANDS, default="")
    return pd.Series(labels, index=distance.index, dtype=object).replace("", None)


def ready_after_fixing(distance: pd.Series, at_most: int) -> pd.Series:
    """1.0 where the company would be ready after fixing at most ``at_most`` requirements, else 0.0; NaN
    where its distance is NaN (nothing judged)."""
    d = pd.to_numeric(distance, errors="coerce").astype(float)
    return d.le(at_most).astype(float).where(d.notna())


def what_if(readiness: pd.DataFrame, requirements: Iterable[str] | None = None) -> tuple[dict[str, int], pd.DataFrame]:
    """If ★N were asked of these companies: how many must act, and which requirements would lift most.

    ``readiness`` holds the companies in scope (:func:`respondent_readiness` rows, already filtered).
    Returns a summary (``n_companies`` in scope, ``n_judged`` with at least one judged requirement,
    ``n_ready``, ``n_must_act`` = judged and not ready, ``n_not_judged``) and one row per requirement
    (``requirements``, default every one some company fails):

    - ``n_failing``: companies that do not meet it;
    - ``n_lifted_alone``: companies for which it is the only unmet requirement, i.e. that fixing this
      requirement alone makes ready;
    - ``rank``: 1 = most lifted alone, ties broken by more failing, then by requirement id;
    - ``n_ready_if_fixed_in_order``: companies ready (including those ready now) if this requirement and
      every one ranked above it were met: those whose unmet requirements all lie in that prefix.
    """
    judged = readiness[readiness["distance"].notna()]
    unmet = [set(u) for u in judged["unmet"]]
    summary = {"n_companies": len(readiness), "n_judged": len(judged),
               "n_ready": int(judged["distance"].eq(0).sum()), "n_must_act": int(judged["distance"].gt(0).sum()),
               "n_not_judged": len(readiness) - len(judged)}
    ids = sorted(set().union(*unmet)) if requirements is None else list(requirements)
    rows = [{"requirement_id": r, "n_failing": sum(r in u for u in unmet),
             "n_lifted_alone": sum(u == {r} for u in unmet)} for r in ids]
    table = pd.DataFrame(rows, columns=["requirement_id", "n_failing", "n_lifted_alone"])
    table = table.sort_values(["n_lifted_alone", "n_failing", "requirement_id"], ascending=[False, False, True],
                              kind="mergesort").reset_index(drop=True)
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    table["n_ready_if_fixed_in_order"] = ready_if_fixed_in_order(readiness, table["requirement_id"])
    return summary, table[WHAT_IF_COLUMNS]


def ready_if_fixed_in_order(readiness: pd.DataFrame, order: Iterable[str]) -> np.ndarray:
    """For each requirement of ``order``, the companies of ``readiness`` that would be ready were it and every
    one before it met (those ready now included): their unmet requirements all lie in that prefix."""
    unmet = [set(u) for u in readiness.loc[readiness["distance"].notna(), "unmet"]]
    fixed: set[str] = set()
    out = []
    for r in order:
        fixed.add(r)
        out.append(sum(u <= fixed for u in unmet))
    return np.array(out, dtype=int)

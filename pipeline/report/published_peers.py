"""The peer values a member's feedback may show: the cells of the report's own protected tables.

A member file leaves the association as a report does, so a peer value in it is a value the report publishes
for the same group: the function means of :func:`pipeline.report.tables.by_node`, the ★ means of
:func:`pipeline.report.tables.star_readiness` after :func:`pipeline.report.star_disclosure.protect_together`
(rounded where the report rounds them) and the ★3 distance bands of :func:`pipeline.report.star_tables.distance`,
each made by the same calls, on the same small-segment merges, as ``notebooks/sector_trend_report.py`` makes
them, segmented by the sector's peer attribute. What the report hides, the feedback hides or replaces by a larger
group the report publishes (:mod:`pipeline.scoring.feedback`, :mod:`pipeline.scoring.star_feedback`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import catalogs
from pipeline.report import star_disclosure
from pipeline.report import star_tables as S
from pipeline.report import tables as T
from pipeline.report.data import ReportData, load
from pipeline.ruleset import min_cell
from pipeline.scoring.disclosure import BAND_COLUMN
from pipeline.scoring.disclosure_rounding import ROUNDED
from pipeline.scoring.segments import ALL

CELL_COLUMNS = ["framework", "node_id", "segment", "n", "mean", "band", "hidden", "rounded"]


@dataclass
class PublishedPeers:
    """The report's protected cells for one sector and year, segmented by the peer attribute.

    ``cells``: one row per (framework, node_id, segment) with columns :data:`CELL_COLUMNS` — ``n`` the
    companies behind the value as published (NaN where withheld), ``mean`` the value as published (rounded
    where ``rounded``; NaN where hidden), ``band`` the band the report prints instead ('high': 「90%以上」),
    ``hidden`` '' or the report's reason. ``bands``: the ★3 distance bands, one row per (segment, band index
    into :data:`pipeline.scoring.readiness.DISTANCE_BANDS`) with ``n`` (companies in the band) and ``hidden``.
    ``merges``: the member attribute value → the merged group the report publishes it under.
    """

    cells: pd.DataFrame
    bands: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["segment", "band", "n", "hidden"]))
    merges: dict[str, str] = field(default_factory=dict)

    def segment_of(self, group: object) -> object:
        """The published segment a member of ``group`` (its attribute value) belongs to."""
        return self.merges.get(group, group) if isinstance(group, str) else group


def published_peers(store: Path | str, sector: str, year: int, k: int | None = None) -> PublishedPeers:
    """Read the sector's scores as a report does (every year, as the report's default span) and make its cells."""
    from pipeline.scoring.feedback import peer_attribute

    frameworks = [f for f in ("csf2", "star") if f in catalogs.sector_info(sector)["frameworks"]]
    data = load(store, sector, frameworks=frameworks, responses="star" in frameworks)
    return peer_cells(data, peer_attribute(sector), year, k)


def peer_cells(data: ReportData, by: str, year: int, k: int | None = None) -> PublishedPeers:
    """The report's protected cells of ``data`` segmented by ``by`` in ``year`` (see :class:`PublishedPeers`)."""
    k = min_cell(k)
    rd, merges = data.merge_small_segments(by, k)
    scored = set(data.scores["framework"].unique())  # a table only where its scores are (a store may lack some)
    parts = [_cells(T.by_node(rd, by, "csf2", "function", year, k))] if "csf2" in scored else []
    bands = None
    if "star" in catalogs.sector_info(data.sector)["frameworks"] and "star" in scored:
        star, _ = T.star_readiness(rd, by, k)
        star = T.secure(star, T.SPECS["star"], k)
        bottle, star = star_disclosure.protect_together(
            S.with_keys(T.secure(S.bottlenecks(rd, by, k), S.SPECS["star_bottlenecks"], k)), star, k)
        parts.append(_cells(star[star["year"].eq(year)]))
        distance, _ = S.distance(rd, by, star, k, bottlenecks=bottle)
        bands = _bands(distance[distance["year"].eq(year)])
    cells = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=CELL_COLUMNS)
    return PublishedPeers(cells, bands, merges) if bands is not None else PublishedPeers(cells, merges=merges)


def _cells(table: pd.DataFrame) -> pd.DataFrame:
    hidden = table["suppressed"].fillna("").astype(str) if "suppressed" in table else ""
    band = table[BAND_COLUMN].fillna("").astype(str) if BAND_COLUMN in table else ""
    rounded = table[ROUNDED].fillna(False).astype(bool) if ROUNDED in table else False
    out = pd.DataFrame({"framework": table["framework"], "node_id": table["node_id"], "segment": table["segment"],
                        "n": pd.to_numeric(table["n_scored"], errors="coerce"),
                        "mean": pd.to_numeric(table["mean"], errors="coerce")})
    return out.assign(band=band, hidden=hidden, rounded=rounded).reset_index(drop=True)[CELL_COLUMNS]


def _bands(distance: pd.DataFrame) -> pd.DataFrame:
    """★3 bands: companies per band as the report's share × its companies (NaN where the band is hidden)."""
    from pipeline.scoring.readiness import DISTANCE_BANDS

    rows = distance[distance["node_id"].astype(str).str.startswith("★3:")]
    labels = rows["node_id"].astype(str).str.split(":").str[1]
    index = labels.map({b: i for i, b in enumerate(DISTANCE_BANDS)})
    n = (pd.to_numeric(rows["share_distance"], errors="coerce")
         * pd.to_numeric(rows["n_scored"], errors="coerce")).round()
    return pd.DataFrame({"segment": rows["segment"].to_numpy(), "band": index.to_numpy(), "n": n.to_numpy(),
                         "total": pd.to_numeric(rows["n_scored"], errors="coerce").to_numpy(),
                         "hidden": rows["suppressed"].fillna("").astype(str).to_numpy()})


__all__ = ["ALL", "PublishedPeers", "peer_cells", "published_peers"]

"""The store's tables for one sector and a span of years, as reports read them: no identities, so nothing a report
builds can name a company."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import catalogs, config
from pipeline.store import opened, sector_years


@dataclass
class ReportData:
    sector: str
    years: list[int]
    scores: pd.DataFrame
    respondents: pd.DataFrame
    responses: pd.DataFrame
    roster: pd.DataFrame | None
    weights: pd.DataFrame | None = None  # the store's weights to the roster; None: respondents only
    # (sector, year) whose weighting cells rest on published response rows (pipeline.report.tables.
    # weights_on_published_rows); None: not assessed, the members' totals follow the response table alone
    weight_rows_published: frozenset[tuple[str, int]] | None = None
    # values computed from this data's frames, shared with every data made from it by dataclasses.replace (the
    # recoded breakdowns, the data weighted on published rows): each value is kept beside the very frames it was
    # computed from and used only where a data holds those same frames (pipeline.report.tables._shared)
    shared: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def weighted(self) -> bool:
        """Whether the report gives the members' estimates beside the respondents' (a roster and weights)."""
        return self.weights is not None and not self.weights.empty

    @property
    def latest(self) -> int:
        return max(self.years)

    def item_texts(self, year: int | None = None, lang: str = "ja") -> dict[str, str]:
        """item_id → text, as the newest template version among the respondents (of ``year``) words it,
        the default catalog's text for items that version lacks (an imported form brings official texts);
        in ``lang`` where the catalog has it (an imported form is Japanese only: see catalogs.item_texts)."""
        r = self.respondents if year is None else self.respondents[self.respondents["year"].eq(year)]
        known = set(catalogs.template_versions(self.sector))
        used = [v for v in r.get("template_version", pd.Series(dtype=str)).dropna().unique() if v in known]
        newest = max(used, key=lambda v: (str(catalogs.template(v).get("published", "")), v), default="")
        return (catalogs.item_texts(self.sector, lang=lang)
                | (catalogs.item_texts(self.sector, newest, lang) if newest else {}))

    def provisional_caveat(self, labels: dict) -> str:
        """The caveat a report carries when any respondent was scored on a provisional catalog (our own
        texts, and levels where the sector has them, until the official form is imported), naming those versions; ''
        when none was."""
        known = set(catalogs.template_versions(self.sector))
        used = self.respondents.get("template_version", pd.Series(dtype=str)).dropna()
        versions = catalogs.provisional(v for v in used.unique() if v in known)
        if not versions:
            return ""
        levels = labels["provisional_levels"] if "level" in catalogs.sectors()[self.sector]["frameworks"] else ""
        from pipeline.report.version_words import names  # the form's own version names, not catalog ids

        return labels["provisional_catalog"].format(versions=names(versions, labels), levels=levels)

    def merge_small_segments(self, by: str | None, k: int, over: pd.DataFrame | None = None
                             ) -> tuple[ReportData, dict[str, str]]:
        """This data with the documented neighbour groups of ``by`` merged where a member is too small to
        publish (:func:`pipeline.scoring.segments.small_segment_merges`), in the respondents and the roster
        alike (a response rate's two counts stay on one segment), and the merges made (member → group).

        ``over``: the respondents whose counts decide the merges, by default this data's. A page that reads
        fewer years than the sector's report (the cross-sector page's latest year) passes the report's span,
        so it merges what the report merges."""
        from dataclasses import replace

        from pipeline.scoring.segments import recode_segments, segment_groups, small_segment_merges

        deciding = self.respondents if over is None else over
        merges = small_segment_merges(deciding, by, segment_groups(self.sector, by), k)
        if not merges or by is None:
            return self, {}
        roster = recode_segments(self.roster, by, merges) if self.roster is not None else None
        return replace(self, respondents=recode_segments(self.respondents, by, merges), roster=roster), merges

    def n(self, year: int | None = None) -> int:
        r = self.respondents
        return int(r["respondent_key"].nunique() if year is None else r[r["year"].eq(year)].shape[0])


# Respondent attributes a report can segment by, in the order they are offered (the explorer's menu, and
# what `sdw report --segment-by` accepts when the sector's respondents have values in it).
SEGMENTS = ["business_types", "main_business_type", "size_band", "target_level", "member_org", "industry"]

# Columns a report reads; the responses' lineage (raw text, file, sheet, cell) and ingest-time score
# stay on disk. Reading every column of every sector and then filtering held ~300 MB per report kernel
# for the demo store; the ten-year load store needed gigabytes.
REPORT_COLUMNS = {"responses": ["sector", "year", "respondent_key", "item_id", "answer"]}

# Text columns of the long tables held as categoricals (4 bytes a row): a respondent's key repeats on each of its
# answers and scores (a ten-year automotive report: 5 million answers, 8 million scores, 32 characters each).
COMPACT = {"scores": ["respondent_key"], "responses": ["respondent_key"]}


def _rows(sector: str, span: tuple[int, int] | None) -> list[tuple]:
    """A Parquet filter for one sector's rows within a span of years."""
    return [("sector", "==", sector)] + ([("year", ">=", span[0]), ("year", "<=", span[1])] if span else [])


def load(store: Path | str, sector: str, years: str | tuple[int, int] | None = None,
         frameworks: Sequence[str] | None = None, responses: bool = True, weights: str = "roster") -> ReportData:
    """Read scores, respondents, responses (and roster) of a sector; never the identities table.

    Only the sector's rows in the year span are read (Parquet filters), and of ``responses`` only
    :data:`REPORT_COLUMNS`. A report that needs less says so: ``frameworks`` limits the scores to
    those frameworks, ``responses=False`` leaves the responses unread (an empty frame with the columns).
    ``weights='roster'`` reads the store's weights (written by `sdw score` where a roster exists), so the
    report gives the members' estimates beside the respondents'; ``'none'`` describes the respondents only.
    """
    if weights not in ("roster", "none"):
        raise ValueError(f"weights must be 'roster' or 'none', not {weights!r}")
    import pyarrow as pa

    store = Path(store)
    span = config.year_span(years) if isinstance(years, str) or years is None else years
    rows = _rows(sector, span)

    def read(name: str, extra: list | None = None) -> pd.DataFrame | None:
        path = store / name
        if not path.exists():
            return None
        with opened(path) as f:  # one open file: a table replaced meanwhile is read whole from before or after
            frame = pd.read_parquet(f, columns=REPORT_COLUMNS.get(name), filters=rows + (extra or []),
                                    read_dictionary=COMPACT.get(name)).reset_index(drop=True)
        for col in COMPACT.get(name, []):  # the values read (a row group's dictionary holds others), sorted as text
            used = frame[col].cat.remove_unused_categories()
            frame[col] = used.cat.set_categories(sorted(used.cat.categories))
        # pandas keeps a frame's attrs in the Parquet file and deep-copies them on every operation: the roster
        # carries ingest's key → file-row map (5,412 entries for a full year), copied on each merge (seconds)
        frame.attrs = {}
        return frame

    scores = read("scores", [("framework", "in", list(frameworks))] if frameworks else None)
    respondents, roster = read("respondents"), read("roster")
    answers = read("responses") if responses else pd.DataFrame(
        {c: pd.Series(dtype="int64" if c == "year" else "str") for c in REPORT_COLUMNS["responses"]})
    pa.default_memory_pool().release_unused()  # Arrow keeps freed read buffers for reuse otherwise
    if scores is None or scores.empty:
        raise FileNotFoundError(f"no {sector} scores in {store}" + (f" for FY{span[0]}–{span[1]}" if span else "")
                                + ": run `sdw ingest` and `sdw score` first")
    years_present = sorted(int(y) for y in respondents["year"].unique())
    w = read("weights") if weights == "roster" else None
    return ReportData(sector, years_present, scores, respondents, answers, roster, w)


def years_in(store: Path | str, sector: str, years: str | tuple[int, int] | None = None) -> list[int]:
    """The years of a sector that have respondents (within ``years``), read from one column."""
    path = Path(store) / "respondents"
    if not path.exists():
        return []
    span = config.year_span(years) if isinstance(years, str) or years is None else years
    rows = _rows(sector, span)
    with opened(path) as f:
        return sorted(int(y) for y in pd.read_parquet(f, columns=["year"], filters=rows)["year"].unique())


def respondents_in(store: Path | str, sector: str, years: str | tuple[int, int] | None = None) -> pd.DataFrame:
    """A sector's respondents within ``years`` (every year where None), without its scores: what decides the
    segments its report merges (:meth:`ReportData.merge_small_segments`)."""
    span = config.year_span(years) if isinstance(years, str) or years is None else years
    with opened(Path(store) / "respondents") as f:
        frame = pd.read_parquet(f, filters=_rows(sector, span)).reset_index(drop=True)
    frame.attrs = {}
    return frame


def latest_as_reported(store: Path | str, sector: str, years: str | tuple[int, int] | None, k: int) -> ReportData:
    """A sector at its latest year within ``years``, CSF 2.0 scores only (what the cross-sector page draws),
    with its own segments (sectors.yaml ``segment``) merged as its report merges them over the whole span.

    The page publishes totals, protected together with the segments beneath them: the segments the sector's
    report publishes, so a total is hidden on one page exactly where it is on the other."""
    in_span = years_in(store, sector, years)
    data = load(store, sector, (in_span[-1], in_span[-1]) if in_span else years, frameworks=["csf2"],
                responses=False)
    by = catalogs.sector_info(sector)["segment"]
    return data.merge_small_segments(by, k, over=respondents_in(store, sector, years))[0]


def sectors_in(store: Path | str) -> list[str]:
    """Registered sectors (catalogs/sectors.yaml) with scores in the store, in registration order: what
    ``--sector all`` reports and the explorer offers; a sector registered but never ingested is no error."""
    import pyarrow.parquet as pq

    with opened(Path(store) / "scores") as f:
        present = set(pq.read_table(f, columns=["sector"]).column("sector").unique().to_pylist())
    return [s for s in catalogs.sectors() if s in present]


def cross_sector_sectors(store: Path | str) -> list[str]:
    """Sectors in the store scored on NIST CSF 2.0, in registration order: what the cross-sector page compares
    (CSF 2.0 is the one framework every checklist reaches, directly or through a published mapping)."""
    return [s for s in sectors_in(store) if "csf2" in catalogs.sector_info(s)["frameworks"]]


def unscored(store: Path | str, sectors: list[str], years: tuple[int, int] | None = None) -> list[tuple[str, int]]:
    """(sector, year) with respondents but no scores: ingested since the last `sdw score` (ingest empties the
    year's scores), which a report would show as a year with companies and no results."""
    lo, hi = years if years is not None else (-1, 10_000)
    scored = set(sector_years(store, "scores"))
    return sorted((s, y) for s, y in set(sector_years(store, "respondents")) - scored if s in sectors and lo <= y <= hi)


def sector_choices(store: Path | str, lang: str) -> list[tuple[str, str]]:
    """(name, code) of every sector the store holds, named as catalogs/sectors.yaml names it in ``lang``."""
    return [(str(catalogs.sector_info(s)["name"]["ja" if lang == "ja" else "en"]), s) for s in sectors_in(store)]


def segment_names(sector: str, lang: str) -> dict[str, str]:
    """Display names of segment codes: business types by name (a sector whose members declare them,
    catalogs/sectors.yaml ``business_types``); otherwise, in English, the size bands and industries (the form
    writes them in Japanese); documented neighbour groups by their names; other attributes display as stored."""
    groups = {code: str(g.get(lang if lang == "ja" else "en", code))
              for attr in catalogs.segment_groups(sector).values() for code, g in attr.items()}
    t = catalogs.sector_business_types(sector) if sector in catalogs.sectors() else None
    if t is None:
        from pipeline.report.style import labels

        bands = {} if lang == "ja" else {b["ja"]: b["en"] for b in catalogs.size_bands()}
        return bands | dict(labels(lang).get("segments", {})) | groups
    return dict(zip(t["code"], t["short_ja"] if lang == "ja" else t["name_en"], strict=True)) | groups

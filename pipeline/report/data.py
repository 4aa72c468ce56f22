"""The store's tables for one sector and a span of years, as reports read them (no identities)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline import catalogs, config


@dataclass
class ReportData:
    sector: str
    years: list[int]
    scores: pd.DataFrame
    respondents: pd.DataFrame
    responses: pd.DataFrame
    roster: pd.DataFrame | None

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

    def n(self, year: int | None = None) -> int:
        r = self.respondents
        return int(r["respondent_key"].nunique() if year is None else r[r["year"].eq(year)].shape[0])


def load(store: Path | str, sector: str, years: str | tuple[int, int] | None = None) -> ReportData:
    """Read scores, respondents, responses (and roster) of a sector; never the identities table."""
    store = Path(store)
    span = config.year_span(years) if isinstance(years, str) or years is None else years

    def read(name: str) -> pd.DataFrame | None:
        path = store / name
        if not path.exists():
            return None
        df = pd.read_parquet(path)
        df = df[df["sector"].eq(sector)]
        if span:
            df = df[df["year"].between(*span)]
        return df.reset_index(drop=True)

    scores, respondents, responses = read("scores"), read("respondents"), read("responses")
    if scores is None or scores.empty:
        raise FileNotFoundError(f"no {sector} scores in {store}" + (f" for FY{span[0]}–{span[1]}" if span else "")
                                + ": run `sdw ingest` and `sdw score` first")
    years_present = sorted(int(y) for y in respondents["year"].unique())
    return ReportData(sector, years_present, scores, respondents, responses, read("roster"))



def sectors_in(store: Path | str) -> list[str]:
    """Registered sectors (catalogs/sectors.yaml) with scores in the store, in registration order: what
    ``--sector all`` reports and the explorer offers; a sector registered but never ingested is no error."""
    import pyarrow.parquet as pq

    present = set(pq.read_table(Path(store) / "scores", columns=["sector"]).column("sector").unique().to_pylist())
    return [s for s in config.SECTORS if s in present]


def sector_choices(store: Path | str, lang: str) -> list[tuple[str, str]]:
    """(name, code) of every sector the store holds, named as catalogs/sectors.yaml names it in ``lang``."""
    return [(str(catalogs.sector_info(s)["name"]["ja" if lang == "ja" else "en"]), s) for s in sectors_in(store)]


def segment_names(sector: str, lang: str) -> dict[str, str]:
    """Display names of segment codes: power business types by name; in English also the automotive size
    bands (the form writes them in Japanese); other attributes display as stored."""
    if sector != "power":
        from pipeline.report.style import labels

        return dict(labels(lang).get("segments", {}))
    t = catalogs.power_business_types()
    return dict(zip(t["code"], t["short_ja"] if lang == "ja" else t["name_en"], strict=True))

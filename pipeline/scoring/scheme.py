"""The ★ scheme table in force, checked and summarised: what ``sdw instrument scheme`` prints.

The association replaces the shipped requirement/criteria table by dropping a revised one into the project's
``catalogs/`` folder (docs/scheme.md). Before scoring on it, this says what it is (name, version, date, where
each file was read from), how many requirements and criteria each star has, which requirements the checklist
cannot judge, and every problem found: a criterion citing an item the automotive checklist does not have, a
criterion naming no known requirement, counts that differ from those ``scs_scheme.yaml`` declares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline import catalogs
from pipeline.catalogs import check_scs

REQUIRED_META = ("name_ja", "source_table", "source_table_date", "counts")
REQUIREMENT_COLUMNS = ("requirement_id", "group_no", "group_name", "category_no", "category_name",
                       "requirement_name", "csf_function")
CRITERION_COLUMNS = ("criterion_id", "requirement_id", "star", "jama_items", "jama_levels")


@dataclass
class SchemeReport:
    """The table's identity, its counts per star and its problems (none: the table can be scored on)."""

    info: dict[str, str]
    files: dict[str, str]
    counts: dict[int, dict[str, int]]
    unjudgeable: dict[int, list[str]]
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        i = self.info
        out = [f"{i['name']}: table {i['label']}"]
        out += [f"  {name}: {where}" for name, where in self.files.items()]
        for star, c in self.counts.items():
            out.append(f"  ★{star}: {c['requirements']} requirements ({c['judgeable']} judgeable from the checklist, "
                       f"{c['unjudgeable']} not: {', '.join(self.unjudgeable[star]) or 'none'}), "
                       f"{c['criteria']} criteria citing {c['items']} checklist items")
        out += [f"  problem: {p}" for p in self.problems]
        return out


def check_scheme() -> SchemeReport:
    """Read the scheme table in force (project's files before the shipped ones) and check it."""
    from pipeline.scoring.respondent import star_requirements

    info = catalogs.scheme_info()
    files = catalogs.scheme_files()
    problems = _mixed(files)
    if problems:
        return SchemeReport(info, files, {}, {}, problems)
    problems = _columns(files)
    if problems:
        return SchemeReport(info, files, {}, {}, problems)
    req, crit = catalogs.scs_requirements(), catalogs.scs_criteria()
    meta = catalogs.scheme_meta()
    problems += [f"{catalogs.SCHEME_TABLES['meta']}: no {k!r}" for k in REQUIRED_META if k not in meta]
    cited = next(s for s, info in catalogs.sectors().items() if "star" in info["frameworks"])  # whose items it cites
    problems += check_scs(req, crit, catalogs.sector_items(cited)) if "counts" in meta else []
    problems += [f"scs: requirement {r} has no criterion" for r in sorted(set(req["requirement_id"])
                                                                           - set(crit["requirement_id"]))]
    counts, unjudgeable = {}, {}
    for star in catalogs.stars():
        r = star_requirements(star)
        relevant = crit[crit["requirement_id"].isin(r["requirement_id"]) & crit["star"].le(star)]
        unjudgeable[star] = r.loc[~r["judgeable"], "requirement_id"].tolist()
        counts[star] = {"requirements": len(r), "judgeable": int(r["judgeable"].sum()),
                        "unjudgeable": int((~r["judgeable"]).sum()), "criteria": len(relevant),
                        "items": len({i for items in r["items"] for i in items})}
    return SchemeReport(info, files, counts, unjudgeable, problems)


def _mixed(files: dict[str, str]) -> list[str]:
    """The three files are one table: a project file beside shipped ones would score a revised criteria list
    against the old requirements and an old date (docs/scheme.md: replace all three together)."""
    origins = catalogs.scheme_origins()
    if len(set(origins.values())) == 1:
        return []
    said = "; ".join(f"{name} {origins[name]} ({files[name]})" for name in files)
    return [f"scs: the table mixes the project's and the shipped files ({said}): put all three of "
            f"{', '.join(files)} in the project's catalogs/ folder together, or none"]


def _columns(files: dict[str, str]) -> list[str]:
    """The two CSVs must have the documented columns (docs/scheme.md) before anything else is read."""
    have = catalogs.scheme_columns()
    out = []
    tables = catalogs.SCHEME_TABLES
    for name, needed in ((tables["requirements"], REQUIREMENT_COLUMNS), (tables["criteria"], CRITERION_COLUMNS)):
        missing = [c for c in needed if c not in have[name]]
        if missing:
            out.append(f"{name}: no column {', '.join(missing)} ({files[name]})")
    return out

"""The generator's default surveys have the published sizes (docs/sources.md), at full scale.

Only the counts live here, because drawing a full year's respondents costs no file: the published
scores and response rates are checked end to end (synth → ingest → score) in
tests/test_scoring_calibration.py, each published figure in one place. The numbers below are typed from
docs/sources.md, not read from pipeline/synth/population.py.
"""

from __future__ import annotations

import pytest

from pipeline.synth import population

# (sector, fiscal year, published respondents, relative tolerance, source in docs/sources.md)
PUBLISHED_SIZES = [
    ("power", 2024, 797, 0.0, "Power FY2024: 797 respondents"),  # an exact count
    ("auto", 2022, 4000, 0.05, "Auto FY2022: about 4,000 companies had submitted by January 2023"),
    ("auto", 2024, 3100, 0.05, "About 3,100 companies submitted self-assessments for FY2024"),
]  # "about" a round number: within 5%


@pytest.mark.parametrize(("sector", "year", "published", "tolerance", "source"), PUBLISHED_SIZES,
                         ids=[f"{s}-{y}" for s, y, *_ in PUBLISHED_SIZES])
def test_default_survey_has_the_published_number_of_distinct_respondents(sector, year, published, tolerance,
                                                                         source):
    members = population.universe(sector, 0)
    n = population.default_n(sector, year)
    assert abs(n - published) <= tolerance * published, source
    resp = population.respondents(members, year, n, 0)  # raises if the year's roster is too small
    assert len(resp) == n and resp["corporate_number"].is_unique
    on_roster = population.roster(members, year)["company_id"]
    assert resp["company_id"].isin(on_roster).all()  # only members of that year answer
    assert len(on_roster) > n  # someone did not answer: a response rate below 100%, as in every survey


def test_power_respondents_hold_each_published_business_type():
    """The three business types whose published response rates are compared end to end all answer."""
    members = population.universe("power", 0)
    resp = population.respondents(members, 2024, population.default_n("power", 2024), 0)
    held = set(resp["business_types"].str.split().explode())
    assert {"TD_GENERAL", "RETAIL", "GENERATION"} <= held

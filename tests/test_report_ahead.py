"""The ★ and level tables computed ahead in a second process (pipeline.report.ahead, SDW_TABLE_WORKER=1): the same
tables the report would compute itself from its weighted data, an error in them raised in the report, a process that
stops replaced by the report's own computation, and no process for a sector that publishes neither or by default."""

from __future__ import annotations

import os
import signal
import warnings
from pathlib import Path

import pandas as pd
import pytest

from pipeline.report import ahead as A
from pipeline.report import protected as P
from pipeline.report.context import ReportContext
from tests.stores import build_store


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """One automotive year of 200 respondents (★, levels, a roster and its weights) and one power year."""
    return build_store(tmp_path_factory.mktemp("ahead"), [("auto", 2024, "export", 200),
                                                          ("power", 2024, "workbooks", 30)], workers=1)


def _source(store: Path, sector: str = "auto") -> A.Source:
    ctx = ReportContext.build(sector, "", "ja", None)
    return A.Source(str(store), sector, None, tuple(ctx.frameworks_to_load), "roster", "size_band" if sector == "auto"
                    else "business_types", 5, "ja")


def _weighted(source: A.Source):
    """The report's data as the notebook has it where it shows the ★ tables: weighted on the published response rows
    (:func:`pipeline.report.protected.linked_tables` returns this data)."""
    loaded, data, merges = source.read()
    return P.weighted(loaded, data, source.by, merges, source.k).data


def _children() -> set[int]:
    """This process's child processes (Linux)."""
    me, kids = os.getpid(), set()
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{d}/stat").read_text()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == me:
            kids.add(int(d))
    return kids


def _frames(later: A.Later) -> dict[str, pd.DataFrame]:
    assert later.star is not None and later.bands is not None and later.within is not None
    return {"readiness": later.star.readiness, "bottlenecks": later.star.bottlenecks, "bands": later.bands,
            "within": later.within, "levels": later.levels}


def test_the_tables_computed_ahead_are_the_reports_own(store, monkeypatch):
    """The second process reads the store and weighs the data itself: every table it returns equals the one the report
    computes from the data its linked tables weighted (the members' estimates included), and it was the process that
    computed them (no warning of a stopped process, which would mean the report computed them itself)."""
    monkeypatch.setenv(A.TABLE_WORKER_ENV, "1")
    source = _source(store)
    before = _children()
    ahead = A.Ahead(source)
    assert _children() - before  # started when made, before the report reads anything
    data = _weighted(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = ahead.tables(data)
    assert ahead.tables(data) is got  # collected once
    want = A.compute(data, source.by, source.k, source.lang)
    for name, frame in _frames(want).items():
        pd.testing.assert_frame_equal(_frames(got)[name], frame, obj=name)
    assert got.star.unjudgeable == want.star.unjudgeable and got.trend is want.trend is None  # one year: no trend
    # the members' estimates are there to compare: the report is weighted to the roster
    assert data.weighted and _frames(got)["readiness"]["w_mean"].notna().any()
    # 200 respondents: the ★3+ share of the whole sector is counted over 200 companies
    whole = got.star.readiness[got.star.readiness["node_id"].eq("★3+") & got.star.readiness["segment"].eq("全体")]
    assert list(whole["year"]) == [2024] and list(whole["n_scored"]) == [200]


def test_an_error_in_the_tables_is_raised_in_the_report(tmp_path, monkeypatch):
    """What the tables raise in the second process is raised where the report asks for them, as it would be there."""
    monkeypatch.setenv(A.TABLE_WORKER_ENV, "1")
    ahead = A.Ahead(A.Source(str(tmp_path / "nothing"), "auto", None, ("csf2", "level", "star"), "roster",
                             "size_band", 5, "ja"))
    with pytest.raises(FileNotFoundError, match=r"no auto scores in .*nothing: run `sdw ingest` and `sdw score`"):
        ahead.tables(None)


def test_a_table_process_that_stops_is_replaced_by_the_report(store, monkeypatch):
    """A table process killed on its way (out of memory, say) costs time, not the report: the report computes the
    tables itself (here a stand-in for :func:`compute`, tested above), and says so."""
    monkeypatch.setenv(A.TABLE_WORKER_ENV, "1")
    before = _children()
    ahead = A.Ahead(_source(store))
    spawned = _children() - before
    assert spawned
    for pid in spawned:
        os.kill(pid, signal.SIGKILL)
    here = A.Later(None, None, None, None, pd.DataFrame({"computed": ["here"]}))
    monkeypatch.setattr(A, "compute", lambda data, by, k, lang: here)
    with pytest.warns(RuntimeWarning, match="the ★ and level tables' process stopped"):
        assert ahead.tables("the report's data") is here
    assert not _children() - before


def test_no_process_where_the_report_computes_its_own_tables(store, monkeypatch):
    """Power publishes neither ★ nor levels: no process is started for it. Unless SDW_TABLE_WORKER=1 none is started
    either, and the tables are computed in the report when first asked, from the report's data."""
    monkeypatch.setenv(A.TABLE_WORKER_ENV, "1")
    before = _children()
    power = A.Ahead(_source(store, "power"))
    assert not _children() - before
    assert power.tables(_weighted(_source(store, "power"))) == A.Later(None, None, None, None, None)
    for unset in (True, False):
        if unset:
            monkeypatch.delenv(A.TABLE_WORKER_ENV)
        else:
            monkeypatch.setenv(A.TABLE_WORKER_ENV, "0")
        asked = []
        monkeypatch.setattr(A, "compute", lambda data, by, k, lang, asked=asked: asked.append((data, by, k, lang))
                            or "tables")
        ahead = A.Ahead(_source(store))
        assert not _children() - before and not asked
        assert ahead.tables("the report's data") == ahead.tables("again") == "tables"
        assert asked == [("the report's data", "size_band", 5, "ja")]

"""A report's close with its disclosure audit run in a forked child beside the workbook and the deck
(pipeline/publish/forked.py, Publisher.close): the same files as the audit run in the report's own process, and a
finding still fails the report with no workbook or deck left. Cells typed from the rules (k = 5)."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

from pipeline.publish.audit import FULL_AUDIT_FILE, FULL_INTERVALS_FILE, DisclosureError
from pipeline.publish.forked import FORK_ENV, Forked
from pipeline.publish.model import Provenance, TableSpec
from pipeline.publish.publisher import Publisher
from pipeline.report.tables import with_change
from pipeline.scoring.disclosure import protect
from pipeline.scoring.segments import ALL

NODE = TableSpec(keys=["sector", "year", "framework", "node_id"], counts={"mean": "n_scored", "change": "n_scored"},
                 total=ALL, changes={"change": ["mean", "previous_year"]})
DECK = {"title": "自動車 2024", "subtitle": "回答 21社", "headline": ["平均は0.60"]}


def _cells(segments: list[str], n: list[int], mean: list[float], year: int = 2024) -> pd.DataFrame:
    return pd.DataFrame({"sector": "auto", "year": year, "framework": "csf2", "node_id": "GV", "segment": segments,
                         "n_scored": n, "mean": mean})


def _publisher(folder: Path, table: pd.DataFrame) -> Publisher:
    pub = Publisher(folder / "figures", folder / "report", "ja", 5, Provenance("snap", "0"), show=False)
    pub.table("functions", table, NODE, "機能別の平均", ["year", "segment", "n_scored", "mean", "change"], slide=True)
    return pub


# two years of four segments: A (1 company) and B (2) hidden in 2023 and B (2) in 2024, each with a complement
# (2023: C, 6; 2024: A, 6) so that the total and the rest do not give them back — five hidden cells, 1, 2, 2, 6, 6
SAFE = with_change(protect(pd.concat([
    _cells(["A", "B", "C", "D", ALL], [1, 2, 6, 9, 18], [0.1, 0.3, 0.5, 0.7, 0.55], 2023),
    _cells(["A", "B", "C", "D", ALL], [6, 2, 6, 9, 23], [0.3, 0.3, 0.5, 0.75, 0.5], 2024)], ignore_index=True), k=5),
    ["sector", "framework", "node_id", "segment"])
# B published with 3 companies: a statistic about fewer than k
LEAK = _cells(["A", "B", ALL], [6, 3, 9], [0.5, 0.4, 0.47]).assign(suppressed="")


def _audit_files(folder: Path) -> dict[str, bytes]:
    report, private = folder / "report", folder / ".sdw-private" / "report"
    return {name: path.read_bytes() for name, path in [
        ("disclosure_audit.csv", report / "disclosure_audit.csv"),
        ("disclosure_intervals.csv", report / "disclosure_intervals.csv"),
        ("tables.json", report / "tables.json"),
        (FULL_AUDIT_FILE, private / FULL_AUDIT_FILE), (FULL_INTERVALS_FILE, private / FULL_INTERVALS_FILE)]}


def test_the_audit_run_beside_writes_what_the_audit_run_in_the_report_writes(tmp_path, monkeypatch):
    """The same tables closed with the audit in a child (the default) and in the report's process (SDW_AUDIT_FORK=0):
    the published log, the intervals, the specs and the association's full log byte for byte, and the solver's
    counts the same; the full log keeps the true counts behind the five hidden cells."""
    beside = _publisher(tmp_path / "beside", SAFE)
    written = beside.close([("k", "5")], DECK)
    monkeypatch.setenv(FORK_ENV, "0")
    inline = _publisher(tmp_path / "inline", SAFE)
    inline.close([("k", "5")], DECK)
    assert _audit_files(tmp_path / "beside") == _audit_files(tmp_path / "inline")
    assert beside.solver_stats == inline.solver_stats
    full = pd.read_csv(tmp_path / "beside" / ".sdw-private" / "report" / FULL_AUDIT_FILE)
    assert sorted(full.loc[full["check"].eq("hidden"), "count"].astype(int)) == [1, 2, 2, 6, 6]
    assert {p: written[p].name for p in ("audit", "tables", "deck")} == {
        "audit": "disclosure_audit.csv", "tables": "tables.xlsx", "deck": "deck.pptx"}
    assert sorted(p.name for p in (tmp_path / "beside" / "report").iterdir()) == [
        "deck.pptx", "disclosure_audit.csv", "disclosure_intervals.csv", "tables", "tables.json", "tables.xlsx"]


@pytest.mark.parametrize("fork", ["1", "0"])
def test_a_finding_of_the_audit_fails_the_close_and_leaves_no_workbook_or_deck(tmp_path, monkeypatch, fork):
    """B published with 3 companies: close raises DisclosureError naming it, the audit's log holds the finding, and
    the folder has no workbook and no deck (not even under their hidden names), whichever process audited."""
    monkeypatch.setenv(FORK_ENV, fork)
    pub = _publisher(tmp_path, LEAK)
    with pytest.raises(DisclosureError, match=r"found 1 statistic.*direct: functions \[.*segment=B\] mean"):
        pub.close([("k", "5")], DECK)
    report = tmp_path / "report"
    assert sorted(p.name for p in report.iterdir()) == [
        "disclosure_audit.csv", "disclosure_intervals.csv", "tables", "tables.json"]
    log = pd.read_csv(report / "disclosure_audit.csv")
    assert log.loc[log["check"].eq("direct"), "finding"].tolist() == ["published with 3 companies (k=5)"]


def test_an_error_inside_the_audit_reaches_the_report_with_no_workbook_or_deck(tmp_path, monkeypatch):
    """The audit's own error (here a solver that cannot run) is raised by close as it was raised in the child."""
    import pipeline.publish.publisher as publisher

    def broken(*args, **kwargs):
        raise ValueError("HiGHS is not installed")

    monkeypatch.setattr(publisher, "write_audit", broken)
    pub = _publisher(tmp_path, SAFE)
    with pytest.raises(ValueError, match="HiGHS is not installed"):
        pub.close([("k", "5")], DECK)
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == ["tables"]


def test_the_audit_runs_in_another_process_and_in_this_one_without_fork(monkeypatch):
    """By default the call runs in a child (another process id); with SDW_AUDIT_FORK=0 here, at once."""
    child = Forked(os.getpid)
    assert child.forked and child.result() != os.getpid()
    monkeypatch.setenv(FORK_ENV, "0")
    here = Forked(os.getpid)
    assert not here.forked and here.result() == os.getpid()


def test_the_childs_error_and_warnings_are_given_in_the_parent():
    def warns_then_fails() -> None:
        warnings.warn("an interval at its bound", UserWarning, stacklevel=1)
        raise KeyError("functions")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(KeyError, match="functions") as raised:
            Forked(warns_then_fails).result()
    assert [str(w.message) for w in caught] == ["an interval at its bound"]
    assert "in warns_then_fails" in raised.value.__notes__[0]  # where the child raised it


def test_a_child_that_ends_without_a_result_is_an_error():
    with pytest.raises(RuntimeError, match=r"the audit's process ended without a result \(exit 7\)"):
        Forked(os._exit, 7).result()


def test_the_child_holds_none_of_the_parents_descriptors():
    """A pipe open in the parent (the figure worker's input) is closed in the child: the worker sees the end of its
    input when the report closes it, not when the audit ends."""
    read, write = os.pipe()
    ours = {(os.fstat(fd).st_dev, os.fstat(fd).st_ino) for fd in (read, write)}

    def open_of_ours() -> list[int]:
        found = []
        for name in os.listdir("/proc/self/fd"):
            try:
                st = os.fstat(int(name))
            except OSError:
                continue
            if (st.st_dev, st.st_ino) in ours:
                found.append(int(name))
        return found

    try:
        assert Forked(open_of_ours).result() == []
        assert open_of_ours() != []  # the parent's own are untouched
    finally:
        os.close(read)
        os.close(write)


def test_an_interrupt_in_the_audit_run_here_stops_the_close_at_once(tmp_path, monkeypatch):
    """With the audit in the report's own process (SDW_AUDIT_FORK=0, or where there is no fork), Ctrl-C during it
    ends the close there: no workbook and no deck are written, not even under their hidden names."""
    import pipeline.publish.publisher as publisher

    monkeypatch.setenv(FORK_ENV, "0")
    written: list[str] = []

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(publisher, "write_audit", interrupted)
    monkeypatch.setattr("pipeline.publish.render_xlsx.write_people_workbook",
                        lambda path, *a, **k: written.append(path.name))
    pub = _publisher(tmp_path, SAFE)
    with pytest.raises(KeyboardInterrupt):
        pub.close([("k", "5")], DECK)
    assert written == []
    assert sorted(p.name for p in (tmp_path / "report").iterdir()) == []


def test_the_audits_process_ends_when_the_report_process_dies(tmp_path):
    """A kernel that dies while its audit runs in a forked child: the child ends too, and writes nothing after it."""
    from tests.processes import child_ends_with_parent

    late = tmp_path / "late.txt"
    script = tmp_path / "kernel.py"
    script.write_text(
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from pipeline.publish.forked import Forked\n"
        "def audit():\n"
        "    print(os.getpid(), file=sys.__stdout__, flush=True)\n"
        "    time.sleep(120)\n"
        f"    Path({str(late)!r}).write_text('written after the kernel was gone')\n"
        "Forked(audit).result()\n")
    child_ends_with_parent(script, what="audit's process")
    assert not late.exists()

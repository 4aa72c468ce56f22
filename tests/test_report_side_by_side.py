"""`sdw report --sector all` (and `sdw demo`) run the notebooks side by side, one per core: the automotive report
beside the power report and the cross-sector page, each in its own kernel. The result lists every output in the order
of a run one after another, whichever notebook ends first, and a failing notebook fails the run with its own error.

The kernels are stood in for by ``execute`` stubs that wait for each other: run one after another, the power stub
would wait for an automotive report that has not started (the wait gives up after a minute, only so that a broken
run fails instead of hanging)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

import pipeline.report.run as R
from tests.stores import two_sector_store

GIVE_UP = 60.0  # seconds: not a time limit on the work, only how long a stub waits before reporting it was alone


@pytest.fixture
def store(tmp_path):
    """A store holding scores of power and automotive, two years each (what run_report checks before a kernel)."""
    return two_sector_store(tmp_path)


def _label(out_dir, root) -> str:
    return out_dir.relative_to(root / "reports").parts[0]


def test_the_automotive_report_runs_beside_the_power_report_and_the_results_keep_their_order(store, tmp_path,
                                                                                              monkeypatch):
    started = {"power": threading.Event(), "auto": threading.Event(), "all": threading.Event()}
    auto_done = threading.Event()
    met: dict[str, bool] = {}

    def execute_stub(name, parameters, out_dir, notebooks_dir=None, title=""):
        label = _label(out_dir, tmp_path)
        started[label].set()
        if label == "power":  # the power report ends only after the automotive one has started and ended
            met["power saw auto running"] = started["auto"].wait(GIVE_UP)
            auto_done.wait(GIVE_UP)
        if label == "auto":
            met["auto saw power running"] = started["power"].wait(GIVE_UP)
            auto_done.set()
        return out_dir / f"{name}.html"

    monkeypatch.setattr(R, "execute", execute_stub)
    result = R.run_report("all", None, store, out=tmp_path / "reports", figures=tmp_path / "figures", pptx=True,
                          workers=2)
    assert met == {"power saw auto running": True, "auto saw power running": True}
    # the automotive report ended first; the result reads as a run one after another would
    assert [p.relative_to(tmp_path).as_posix() for p in result.html] == [
        "reports/power/all/sector_trend_report.html", "reports/auto/all/sector_trend_report.html",
        "reports/all/all/cross_sector.html"]
    assert [p.relative_to(tmp_path).as_posix() for p in result.decks] == [
        "reports/power/all/deck.pptx", "reports/auto/all/deck.pptx", "reports/all/all/deck.pptx"]
    assert list(result.seconds) == ["power", "auto", "all"]


def test_one_worker_runs_the_notebooks_one_after_another(store, tmp_path, monkeypatch):
    running, most, order = [0], [0], []
    lock = threading.Lock()

    def execute_stub(name, parameters, out_dir, notebooks_dir=None, title=""):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        order.append(_label(out_dir, tmp_path))
        with lock:
            running[0] -= 1
        return out_dir / f"{name}.html"

    monkeypatch.setattr(R, "execute", execute_stub)
    R.run_report("all", None, store, out=tmp_path / "reports", figures=tmp_path / "figures", workers=1)
    assert most == [1] and order == ["power", "auto", "all"]


def test_a_failing_report_fails_the_run_after_the_report_running_beside_it_has_ended(store, tmp_path, monkeypatch):
    power_failed = threading.Event()
    ended = []

    def execute_stub(name, parameters, out_dir, notebooks_dir=None, title=""):
        label = _label(out_dir, tmp_path)
        if label == "power":
            power_failed.set()
            raise R.ReportError("sector_trend_report: cell 5 failed: ValueError: boom")
        if label == "auto":  # still running when the power report fails: it ends, its outputs complete
            power_failed.wait(GIVE_UP)
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / f"{name}.html").write_text("<html>auto</html>")
        ended.append(label)
        return out_dir / f"{name}.html"

    monkeypatch.setattr(R, "execute", execute_stub)
    with pytest.raises(R.ReportError, match=r"^sector_trend_report: cell 5 failed: ValueError: boom — nothing of "
                                            r"this report is published: its outputs in .*reports/power/all"):
        R.run_report("all", None, store, out=tmp_path / "reports", figures=tmp_path / "figures", workers=2)
    assert "auto" in ended
    assert (tmp_path / "reports" / "auto" / "all" / "sector_trend_report.html").read_text() == "<html>auto</html>"


def test_report_workers_is_one_per_core_and_never_more_than_the_notebooks():
    assert R.report_workers(3, 2) == 2
    assert R.report_workers(1, 2) == 1
    assert R.report_workers(3, 8) == 3
    assert R.report_workers(0, 2) == 1


def test_sdw_report_workers_reaches_the_run(store, tmp_path, monkeypatch, capsys):
    """`sdw report --sector all --workers 1` runs the notebooks one after another (one kernel's memory at a time)."""
    from pipeline import cli

    asked = {}

    def run_report_stub(*args, **kwargs):
        asked["workers"] = kwargs.get("workers")
        return R.ReportResult()

    monkeypatch.setattr("pipeline.preconditions.check", lambda *args, **kwargs: None)
    monkeypatch.setattr(R, "run_report", run_report_stub)
    for given, expected in ((["--workers", "1"], 1), ([], None)):
        code = cli.main(["report", "--sector", "all", "--store", str(store), "--out", str(tmp_path / "r"),
                         "--figures", str(tmp_path / "f"), *given])
        assert code == 0 and asked["workers"] == expected


WAITER = '''# %% tags=["parameters"]
mark = ""
wait_for = ""

# %%
import time
from pathlib import Path

Path("written-here.txt").write_text("by name, no folder")  # lands where the kernel runs
if mark:
    Path(mark).write_text("started")
for _ in range(600):  # 60 s at most: only so that a broken run fails instead of hanging
    if not wait_for or Path(wait_for).exists():
        break
    time.sleep(0.1)
'''


def test_notebooks_side_by_side_each_run_in_their_own_folder_and_leave_this_process_where_it_was(tmp_path):
    """papermill's cwd= changed this whole process's folder for the length of a notebook: with two notebooks side by
    side, the first to end put the process back where it was before *it* started — into the second one's folder,
    where the process stayed (and where the record of the second's parameters was resolved). The kernel is started in
    its report folder instead, and the process's own folder never changes."""
    (tmp_path / "waiter.py").write_text(WAITER)
    first_started, started, release = tmp_path / "first-started", tmp_path / "second-started", tmp_path / "release"
    here = os.getcwd()
    errors: list[BaseException] = []

    def run(out: str, parameters: dict) -> None:
        try:
            R.execute("waiter", parameters, tmp_path / out, notebooks_dir=tmp_path)
        except BaseException as e:  # noqa: BLE001 - handed to the test's thread
            errors.append(e)

    # the first notebook runs, then the second starts; the first ends while the second still runs
    first = threading.Thread(target=run, args=("first", {"mark": str(first_started), "wait_for": str(started)}))
    second = threading.Thread(target=run, args=("second", {"mark": str(started), "wait_for": str(release)}))
    first.start()
    for _ in range(600):  # 60 s at most, as in the notebook
        if first_started.exists() or not first.is_alive():
            break
        time.sleep(0.1)
    second.start()
    first.join()
    release.write_text("go")
    second.join()
    assert errors == []
    assert os.getcwd() == here
    assert (tmp_path / "first" / "written-here.txt").read_text() == "by name, no folder"
    assert (tmp_path / "second" / "written-here.txt").read_text() == "by name, no folder"
    assert not Path(here, "written-here.txt").exists()


def test_a_warning_names_the_sector_of_its_report(tmp_path, caplog):
    """Two sector reports run side by side from one notebook: a warning on the console says whose it is."""
    (tmp_path / "noisy.py").write_text('# %% tags=["parameters"]\nsector = ""\n\n# %%\nimport warnings\n'
                                       'warnings.warn("deprecated-thing-xyz")\n')
    with caplog.at_level("WARNING"):
        R.execute("noisy", {"sector": "auto"}, tmp_path / "out", notebooks_dir=tmp_path)
    said = [r.getMessage() for r in caplog.records if "deprecated-thing-xyz" in r.getMessage()]
    assert said and said[0].startswith("noisy (auto): ")


def test_an_interrupt_leaves_at_once_without_waiting_for_the_report_still_running(store, tmp_path, monkeypatch):
    """Ctrl-C reaches the thread waiting for the notebooks, not the notebooks: it must not sit until the automotive
    report (a minute or more) has ended. Here the interrupt comes as the power report is counted done."""
    from contextlib import contextmanager

    import pipeline.progress

    release, auto_ended = threading.Event(), threading.Event()

    class Interrupting:
        def update(self, n: int = 1) -> None:
            raise KeyboardInterrupt

    @contextmanager
    def progress_stub(total, desc, quiet=False):
        yield Interrupting()

    def execute_stub(name, parameters, out_dir, notebooks_dir=None, title=""):
        if _label(out_dir, tmp_path) == "auto":
            release.wait(GIVE_UP)
            auto_ended.set()
        return out_dir / f"{name}.html"

    monkeypatch.setattr(pipeline.progress, "progress", progress_stub)
    monkeypatch.setattr(R, "execute", execute_stub)
    try:
        with pytest.raises(KeyboardInterrupt):
            R.run_report("all", None, store, out=tmp_path / "reports", figures=tmp_path / "figures", workers=2)
        assert not auto_ended.is_set()
    finally:
        release.set()  # let the stand-in end

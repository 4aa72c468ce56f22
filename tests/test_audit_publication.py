"""What a report folder publishes of its own audit, and which folders may be audited (and published) together.
Expected values typed by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from pipeline.publish.audit import MixedVersions, audit_folder, audit_folders, same_versions, write_audit
from pipeline.publish.cells import hidden_cells
from pipeline.publish.model import Provenance, PublishedTable, TableSpec
from pipeline.scoring.disclosure import HIDDEN_COUNT, HIDDEN_COUNTS
from pipeline.scoring.segments import ALL

RESPONSES = TableSpec(keys=["sector", "year"], total=ALL,
                      counts={s: "n" for s in ("response_rate", "roster_n", "n_on_roster")}, open_counts=["n"])


def _responses() -> pd.DataFrame:
    """101〜300人: 118 respondents, 117 on a roster of 182 (one respondent off the roster: split, hidden); 〜100人
    and 301〜1,000人 published; the total hidden beside it (n 593, on the roster 592)."""
    r = pd.DataFrame({"sector": "auto", "year": 2022, "segment": ["〜100人", "101〜300人", "301〜1,000人", ALL],
                      "n": [159, 118, 316, 593], "n_on_roster": [159, np.nan, 316, np.nan],
                      "roster_n": [252, np.nan, 400, np.nan], "response_rate": [159 / 252, np.nan, 316 / 400, np.nan],
                      "suppressed": ["", "split", "", "complementary"]})
    r[HIDDEN_COUNT] = [159, 118, 316, 593]
    r[HIDDEN_COUNTS["roster_n"]] = [252, 182, 400, 834]
    r[HIDDEN_COUNTS["n_on_roster"]] = [159, 117, 316, 592]
    return r


def _write(folder, provenance: Provenance | None = None):
    frame = _responses()
    full = PublishedTable("responses", "responses", frame, list(frame.columns), spec=RESPONSES)
    hidden = hidden_cells([full])
    shown = frame.drop(columns=[HIDDEN_COUNT, *HIDDEN_COUNTS.values()], errors="ignore")
    (folder / "tables").mkdir(parents=True)
    shown.to_csv(folder / "tables" / "responses.csv", index=False)
    table = PublishedTable("responses", "responses", shown, list(shown.columns), spec=RESPONSES)
    return write_audit(folder, [table], 5, hidden=hidden, provenance=provenance)


def test_the_published_log_names_hidden_cells_without_their_counts(tmp_path):
    folder = tmp_path / "reports" / "all"
    path, findings = _write(folder)
    published = pd.read_csv(path)
    row = published[published["cell"].eq("sector=auto; year=2022; segment=101〜300人")].iloc[0]
    # one reason for every hidden cell: 'split' here said that 1–4 respondents were off the roster (or 1–4 members
    # silent), 'complementary' on the total that it was hidden only to protect a segment
    assert set(published.loc[published["check"].eq("hidden"), "reason"]) == {"withheld"}
    assert row["reason"] == "withheld" and bool(row["count_withheld"]) is True
    assert np.isnan(row["count"]) and pd.isna(row["counts"])  # not 118, not {"n_on_roster": 117, ...}
    text = path.read_text(encoding="utf-8")
    assert "117" not in text and "182" not in text and "834" not in text
    intervals = pd.read_csv(folder / "disclosure_intervals.csv")
    assert len(intervals) > 0 and intervals[["n", "low", "high", "width", "required"]].isna().all().all()
    assert set(intervals["reason"]) == {"withheld"}
    assert "split" not in text and "complementary" not in text
    assert "split" not in (folder / "disclosure_intervals.csv").read_text(encoding="utf-8")
    # the full log, true counts included, is kept outside the published folder
    full = pd.read_csv(tmp_path / "reports" / ".sdw-private" / "all" / "disclosure_audit_full.csv")
    kept = full[full["cell"].eq("sector=auto; year=2022; segment=101〜300人")].iloc[0]
    assert kept["reason"] == "split"  # the store's copy keeps the reason the replay reads
    assert kept["count"] == 118 and json.loads(kept["counts"]) == {"n": 118.0, "n_on_roster": 117.0,
                                                                  "roster_n": 182.0}
    assert audit_folder(folder) == findings
    # without the full log the replay refuses, saying why
    (tmp_path / "reports" / ".sdw-private" / "all" / "disclosure_audit_full.csv").unlink()
    with pytest.raises(FileNotFoundError, match="holds no count of a hidden cell"):
        audit_folder(folder)


def _stamp(code: str, snapshot: str, years: str = "2022–2024") -> Provenance:
    return Provenance(snapshot=snapshot, code_version=code, parameters={"sector": "auto", "years": years})


def test_folders_of_one_sector_and_years_must_come_from_one_run(tmp_path):
    """auto/all written by sdw 0.1.0+new on data aaa, auto/all_en by 0.1.0+old on the same data: refused, naming
    both folders and versions — also when only one folder is given (its sibling is found beside it)."""
    _write(tmp_path / "auto" / "all", _stamp("0.1.0+new", "aaa"))
    _write(tmp_path / "auto" / "all_en", _stamp("0.1.0+old", "aaa"))
    with pytest.raises(MixedVersions) as refused:
        audit_folders([tmp_path / "auto" / "all", tmp_path / "auto" / "all_en"])
    message = str(refused.value)
    assert "auto/all (sdw 0.1.0+new, data aaa)" in message and "auto/all_en (sdw 0.1.0+old, data aaa)" in message
    with pytest.raises(MixedVersions):
        audit_folders([tmp_path / "auto" / "all"])


def test_same_run_or_other_years_pass(tmp_path):
    _write(tmp_path / "auto" / "all", _stamp("0.1.0+new", "aaa"))
    _write(tmp_path / "auto" / "all_en", _stamp("0.1.0+new", "aaa"))
    _write(tmp_path / "auto" / "2022-2023", _stamp("0.1.0+old", "bbb", years="2022–2023"))  # other years
    same_versions([tmp_path / "auto" / "all"])
    _write(tmp_path / "power" / "all", _stamp("0.1.0+old", "ccc"))  # another sector's folder
    same_versions([tmp_path / "auto" / "all", tmp_path / "power" / "all"])
    # a snapshot that differs (a re-ingested store) is refused like a code version
    _write(tmp_path / "auto" / "all_csf11", _stamp("0.1.0+new", "zzz"))
    with pytest.raises(MixedVersions, match="data zzz"):
        same_versions([tmp_path / "auto" / "all"])


def test_the_report_run_refuses_a_variant_beside_an_older_default_and_warns_the_other_way(tmp_path, caplog):
    """Writing auto/all_en (new code) beside auto/all (old code): refused, naming both. Writing auto/all (new) beside
    an older auto/all_en: written, with a warning that all_en is stale."""
    from pipeline.report.run import ReportError, _same_run

    _write(tmp_path / "auto" / "all", _stamp("0.1.0+old", "aaa"))
    _write(tmp_path / "auto" / "all_en", _stamp("0.1.0+new", "aaa"))
    with pytest.raises(ReportError, match=r"auto/all \(sdw 0.1.0\+old, data aaa\)"):
        _same_run(tmp_path / "auto" / "all_en", variant=True)
    with caplog.at_level("WARNING"):
        _same_run(tmp_path / "auto" / "all", variant=False)
    assert "stale report folder" in caplog.text and "all_en (sdw 0.1.0+new" in caplog.text

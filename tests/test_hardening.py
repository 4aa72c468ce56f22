"""Issue 14: nothing dropped without a word, one key per store, concurrent runs, reader failures,
roster problems, identities linked by name. Small hand-made inputs; expectations typed by hand."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from pipeline.ingest import ingest
from tests.handmade import auto_rows, write_auto, write_power


def run(raw, sector="auto", year=2024, store=None, **kw):
    store = store or raw.parent / "store"
    result = ingest(sector, year, raw, store, workers=1, progress=False, **kw)
    return result, pd.read_parquet(store / "manifest").set_index("source_path")


def sheet(store, name):
    wb = openpyxl.load_workbook(store / "quarantine_report.xlsx")
    rows = list(wb[name].iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


# --- 1. every input ends in the manifest with a reason ---------------------------------------------

def test_empty_zip_and_zip_of_folders_only_are_quarantined_as_empty_archives(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "ok.xlsx")
    with zipfile.ZipFile(raw / "empty.zip", "w"):
        pass
    with zipfile.ZipFile(raw / "folders.zip", "w") as zf:
        zf.writestr("提出/", b"")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w"):
        pass
    with zipfile.ZipFile(raw / "outer.zip", "w") as zf:
        zf.writestr("a.xlsx", (raw / "ok.xlsx").read_bytes())
        zf.writestr("inner.zip", inner.getvalue())
    result, m = run(raw)
    assert (m.at["empty.zip", "status"], m.at["empty.zip", "reason"]) == ("quarantined", "empty_archive")
    assert (m.at["folders.zip", "status"], m.at["folders.zip", "reason"]) == ("quarantined", "empty_archive")
    assert m.at["outer.zip!inner.zip", "reason"] == "empty_archive"
    assert m.at["outer.zip!a.xlsx", "status"] in ("ingested", "superseded")
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", dtype=str).set_index("ファイル")
    assert report.at["empty.zip", "問題"] == "圧縮ファイルの中にファイルが1つもありません"
    assert report.at["empty.zip", "依頼事項"] == "チェックシートを入れたZIPファイルの再送付を依頼してください"
    assert result.counts["quarantined"] == 3


def _export(rows):
    head = ["受付番号", "会社名", "法人番号", "所属団体", "業種", "従業員数", "目標レベル", "提出日時"]
    return pd.DataFrame(rows, columns=head + [f"No.{n}" for n in range(1, 154)])


@pytest.mark.parametrize("name", ["回答一覧.csv", "回答一覧.xlsx"])
def test_export_with_a_header_but_no_rows_is_quarantined(tmp_path, name):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_auto(raw / "ok.xlsx")
    frame = _export([])
    if name.endswith(".csv"):
        frame.to_csv(raw / name, index=False, encoding="utf-8-sig")
    else:
        frame.to_excel(raw / name, sheet_name="回答一覧", index=False)
    _, m = run(raw)
    assert (m.at[name, "status"], m.at[name, "reason"]) == ("quarantined", "no_rows")
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", dtype=str).set_index("ファイル")
    assert report.at[name, "依頼事項"] == "回答データを含めて回答一覧を出力し直し、再送付を依頼してください"


def test_warnings_that_change_a_number_are_listed_with_what_to_ask_for(tmp_path):
    raw = tmp_path / "raw"
    rows = auto_rows(lambda n: "達成")
    rows.insert(5, [3, "Lv1", "", "", "", "未達成", None, None])  # No.3 twice: the first row's answer is kept
    write_auto(raw / "repeat.xlsx", rows=rows)
    write_auto(raw / "vague.xlsx", cover={"法人番号": "1010001000006", "会社名": "B社", "従業員数": "300人以下",
                                          "目標レベル": "Lv2~3"})
    write_auto(raw / "noname.xlsx", cover={"法人番号": "", "会社名": "C社"})
    _, m = run(raw)
    assert m.at["repeat.xlsx", "flags"] == "repeated_items"
    assert set(m.at["vague.xlsx", "flags"].split()) == {"ambiguous_size_band", "ambiguous_target_level"}
    assert "name_fallback" in m.at["noname.xlsx", "flags"].split()
    # one 要確認 row per file: vague.xlsx's two problems in one row, each request once
    check = {r["ファイル"]: r for r in sheet(tmp_path / "store", "要確認")}
    assert {f: r["理由コード"] for f, r in check.items()} == {
        "repeat.xlsx": "repeated_items", "vague.xlsx": "ambiguous_size_band ambiguous_target_level",
        "noname.xlsx": "name_fallback"}
    assert check["repeat.xlsx"]["依頼事項"] == "どちらの行の回答が正しいか確認を依頼してください"
    assert "No.3" in check["repeat.xlsx"]["詳細"]
    assert check["vague.xlsx"]["依頼事項"] == ("・従業員数(人数)または所定の規模区分の記入を依頼してください\n"
                                           "・目標レベル(Lv1・Lv2・Lv3のいずれか)の記入を依頼してください")
    assert "300人以下" in check["vague.xlsx"]["詳細"]
    assert check["noname.xlsx"]["依頼事項"] == "法人番号(13桁)の確認を依頼してください"
    resp = pd.read_parquet(tmp_path / "store" / "respondents")
    assert resp["size_band"].isna().sum() == 1 and resp["target_level"].isna().sum() == 1


def test_power_head_count_that_is_not_a_number_is_flagged(tmp_path):
    write_power(tmp_path / "raw" / "p.xlsx", cover={"従業員数": "非公開"})
    _, m = run(tmp_path / "raw", sector="power")
    assert m.at["p.xlsx", "flags"] == "ambiguous_size_band"


# --- 3. a failure of ours is never blamed on the member ------------------------------------------

def test_an_unexpected_reader_exception_is_a_read_error_not_a_corrupt_file(tmp_path, monkeypatch):
    from pipeline.ingest import parse

    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx")
    good = (raw / "a.xlsx").read_bytes()
    (raw / "truncated.xlsx").write_bytes(good[: len(good) // 2])

    def broken(*_args, **_kwargs):
        raise KeyError("header role")

    monkeypatch.setattr(parse, "find_export_header", broken)
    result, m = run(raw)
    assert (m.at["a.xlsx", "status"], m.at["a.xlsx", "reason"]) == ("quarantined", "read_error")
    assert m.at["a.xlsx", "detail"] == "could not be read: KeyError: 'header role'"
    assert m.at["truncated.xlsx", "reason"] == "corrupt"  # the member's file really is broken
    report = pd.read_csv(tmp_path / "store" / "quarantine_report.csv", dtype=str).set_index("ファイル")
    assert report.at["a.xlsx", "問題"].startswith("ファイルを読み込めませんでした(取込プログラム側の問題")


def test_a_reader_error_that_is_not_about_the_file_is_a_read_error(tmp_path, monkeypatch):
    import fastexcel

    from pipeline.ingest import read

    write_auto(tmp_path / "raw" / "a.xlsx")

    def refuses(_data):
        raise fastexcel.InvalidParametersError("bad parameter")

    monkeypatch.setattr(read.fastexcel, "read_excel", refuses)
    _, m = run(tmp_path / "raw")
    assert (m.at["a.xlsx", "reason"], m.at["a.xlsx", "detail"]) == \
        ("read_error", "could not be read: InvalidParametersError: bad parameter")


# --- 2. one key per store --------------------------------------------------------------------------

def _two_years(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx")
    write_auto(raw / "b.xlsx", cover={"法人番号": "", "会社名": "B社"})
    monkeypatch.setenv("SDW_SECRET_KEY", "first-key")
    ingest("auto", 2024, raw, tmp_path / "s", workers=1, progress=False)
    return raw, tmp_path / "s"


def test_store_records_a_fingerprint_of_its_key_never_the_key(tmp_path, monkeypatch):
    import json

    from pipeline.ingest.keys import fingerprint

    _, s = _two_years(tmp_path, monkeypatch)
    text = (s / "key_fingerprint.json").read_text()
    assert "first-key" not in text
    assert json.loads(text)["fingerprint"] == fingerprint(b"first-key") != fingerprint(b"other-key")
    assert len(fingerprint(b"first-key")) == 32


def test_ingest_with_another_key_is_refused_with_how_to_proceed(tmp_path, monkeypatch, capsys):
    from pipeline.cli import main
    from pipeline.ingest.keys import KeyMismatchError

    raw, s = _two_years(tmp_path, monkeypatch)
    before = pd.read_parquet(s / "respondents")
    monkeypatch.setenv("SDW_SECRET_KEY", "second-key")
    with pytest.raises(KeyMismatchError, match=r"written with another secret key .*sdw rekey --old-key-file"):
        ingest("auto", 2023, raw, s, workers=1, progress=False)
    assert main(["ingest", "--sector", "auto", "--year", "2023", "--raw", str(raw), "--store", str(s)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("sdw ingest: KeyMismatchError: the store ")
    assert "run `sdw ingest` with the store's key" in err[0]
    pd.testing.assert_frame_equal(pd.read_parquet(s / "respondents"), before)  # nothing written


def test_a_store_without_a_fingerprint_is_checked_against_its_own_keys(tmp_path, monkeypatch):
    from pipeline.ingest.keys import KeyMismatchError

    raw, s = _two_years(tmp_path, monkeypatch)
    (s / "key_fingerprint.json").unlink()  # a store written before fingerprints
    monkeypatch.setenv("SDW_SECRET_KEY", "second-key")
    with pytest.raises(KeyMismatchError, match="has no key fingerprint yet"):
        ingest("auto", 2023, raw, s, workers=1, progress=False)
    monkeypatch.setenv("SDW_SECRET_KEY", "first-key")
    ingest("auto", 2023, raw, s, workers=1, progress=False)  # the right key: accepted and recorded
    assert (s / "key_fingerprint.json").exists()


def test_rekey_recomputes_every_key_and_the_fingerprint(tmp_path, monkeypatch, capsys):
    from pipeline.cli import main
    from pipeline.ingest.identity import respondent_key
    from pipeline.scoring import score_store

    raw, s = _two_years(tmp_path, monkeypatch)
    score_store(s)
    old_key_file = tmp_path / "old.key"
    old_key_file.write_text("first-key\n")
    monkeypatch.setenv("SDW_SECRET_KEY", "second-key")
    wrong = tmp_path / "wrong.key"
    wrong.write_text("not-the-key")
    assert main(["rekey", "--old-key-file", str(wrong), "--store", str(s)]) == 1
    assert "is not the key the store" in capsys.readouterr().err
    assert main(["rekey", "--old-key-file", str(old_key_file), "--store", str(s)]) == 0
    assert "2 respondent keys recomputed" in capsys.readouterr().out
    a = respondent_key(b"second-key", "7000012050002", "")[0]
    b = respondent_key(b"second-key", "", "B社")[0]
    for name in ("manifest", "respondents", "responses", "identities", "scores"):
        keys = set(pd.read_parquet(s / name)["respondent_key"]) - {""}
        assert keys == {a, b}, name
    ingest("auto", 2023, raw, s, workers=1, progress=False)  # the new key is now the store's
    resp = pd.read_parquet(s / "respondents")
    assert set(resp.loc[resp["year"].eq(2023), "respondent_key"]) == {a, b}


# --- 4. one run at a time on a store ------------------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from pipeline.lock import locked
with locked(Path(sys.argv[1]), "ingest"):
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def _hold(store, seconds):
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(store), str(seconds)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_second_run_waits_then_refuses_with_who_holds_the_store(tmp_path, monkeypatch, capsys):
    from pipeline.cli import main

    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx")
    s = tmp_path / "s"
    s.mkdir()
    holder = _hold(s, 30)
    try:
        monkeypatch.setenv("SDW_LOCK_WAIT", "0.5")
        for argv in (["ingest", "--sector", "auto", "--year", "2024", "--raw", str(raw), "--store", str(s)],
                     ["score", "--store", str(s)]):
            assert main(argv) == 1
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1, err
            assert f"is in use by `sdw ingest` (pid {holder.pid} on " in err[0]
            assert "waited 0.5 s: run again when it has finished" in err[0]
        assert not (s / "manifest").exists()  # the refused ingest wrote nothing
    finally:
        holder.kill()
        holder.wait()


def test_a_second_run_that_waits_long_enough_goes_ahead(tmp_path, monkeypatch):
    from pipeline.cli import main

    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx")
    s = tmp_path / "s"
    s.mkdir()
    holder = _hold(s, 1)
    monkeypatch.setenv("SDW_LOCK_WAIT", "20")
    assert main(["ingest", "--sector", "auto", "--year", "2024", "--raw", str(raw), "--store", str(s)]) == 0
    assert holder.wait() == 0
    assert not (s / ".sdw.lock").exists()


def test_a_lock_left_by_a_killed_run_is_cleared(tmp_path, monkeypatch):
    from pipeline.cli import main
    from pipeline.lock import lock_owner

    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx")
    s = tmp_path / "s"
    s.mkdir()
    holder = _hold(s, 30)
    holder.kill()  # kill -9: the lock file stays behind
    holder.wait()
    assert lock_owner(s)["pid"] == holder.pid
    monkeypatch.setenv("SDW_LOCK_WAIT", "0")
    assert main(["ingest", "--sector", "auto", "--year", "2024", "--raw", str(raw), "--store", str(s)]) == 0
    assert lock_owner(s) is None and len(pd.read_parquet(s / "respondents")) == 1


# --- 5. roster rows dropped or merged are reported -------------------------------------------------

def test_every_dropped_or_merged_roster_row_is_in_the_roster_sheet(tmp_path, capsys):
    from pipeline.cli import main

    raw = tmp_path / "raw"
    write_power(raw / "p.xlsx")
    roster = tmp_path / "roster.csv"
    roster.write_text("法人番号,事業者名,事業区分,従業員数\n"
                      "7000012050002,株式会社テスト電力,小売電気事業者,120\n"  # row 2: the respondent
                      ",,発電事業者,50\n"  # row 3: no key → dropped
                      "1010001000006,北電,発電事業者、宇宙発電,300\n"  # row 4: unknown type → kept, flagged
                      "\n"  # row 5: a blank line, not a member
                      "1-0100-0100-0006,北電(重複),発電事業者,300\n",  # row 6: same 法人番号 as row 4 → merged
                      encoding="utf-8")
    s = tmp_path / "s"
    assert main(["ingest", "--sector", "power", "--year", "2024", "--raw", str(raw), "--store", str(s),
                 "--roster", str(roster)]) == 0
    assert "roster: 3 rows dropped, merged or read in part (sheet 名簿" in capsys.readouterr().out
    rows = {r["名簿の行"]: r for r in sheet(s, "名簿")}
    assert set(rows) == {"roster.csv(3行目)", "roster.csv(4行目)", "roster.csv(6行目)"}
    assert rows["roster.csv(3行目)"]["扱い"] == "除外"
    assert rows["roster.csv(3行目)"]["依頼事項"] == "名簿の該当行に法人番号(13桁)または事業者名を記入してください"
    assert rows["roster.csv(4行目)"]["扱い"] == "取込(一部無視)" and "宇宙発電" in rows["roster.csv(4行目)"]["詳細"]
    assert rows["roster.csv(6行目)"]["扱い"] == "統合" and rows["roster.csv(6行目)"]["詳細"] == "row 4 と同じ事業者"
    members = pd.read_parquet(s / "roster")
    assert len(members) == 2 and members["responded"].sum() == 1
    main_sheet = {r["ファイル"] for r in sheet(s, "隔離・要確認")}
    assert not any(p.startswith("roster.csv") for p in main_sheet)  # members' files only there


# --- 6. a company keyed by name is linked to its 法人番号 when that is certain ----------------------------

def test_name_only_submission_is_linked_to_the_roster_number_and_flagged(tmp_path):
    from pipeline.ingest.identity import respondent_key

    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx", cover={"法人番号": "", "会社名": "(株)テスト精工"})
    roster = tmp_path / "roster.csv"
    roster.write_text("法人番号,会社名\n7000012050002,株式会社 テスト精工\n", encoding="utf-8")
    _, m = run(raw, roster=roster)
    by_number = respondent_key(b"test-secret-key", "7000012050002", "")[0]
    assert m.at["a.xlsx", "respondent_key"] == by_number
    assert m.at["a.xlsx", "flags"].split() == ["linked_by_name"]
    assert "→ 法人番号 7000012050002" in m.at["a.xlsx", "warnings"]
    resp = pd.read_parquet(tmp_path / "store" / "respondents")
    assert resp["identity_basis"].tolist() == ["name_linked"]
    assert pd.read_parquet(tmp_path / "store" / "roster")["responded"].tolist() == [True]  # not a non-respondent
    check = {r["理由コード"]: r for r in sheet(tmp_path / "store", "要確認")}
    assert check["linked_by_name"]["依頼事項"] == \
        "結び付けた法人番号が正しいか確認し、表紙への法人番号の記入を依頼してください"


def test_name_only_submission_is_linked_to_the_number_of_another_year(tmp_path):
    s = tmp_path / "s"
    write_auto(tmp_path / "y2023" / "a.xlsx")  # 株式会社テスト精工 with its 法人番号
    ingest("auto", 2023, tmp_path / "y2023", s, workers=1, progress=False)
    write_auto(tmp_path / "y2024" / "a.xlsx", cover={"法人番号": "70000120500"})  # a digit short
    ingest("auto", 2024, tmp_path / "y2024", s, workers=1, progress=False)
    resp = pd.read_parquet(s / "respondents").set_index("year")
    assert resp.at[2024, "respondent_key"] == resp.at[2023, "respondent_key"]
    assert resp.at[2024, "identity_basis"] == "name_linked"


def test_a_name_with_two_numbers_is_not_linked_and_says_so(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx", cover={"法人番号": "", "会社名": "テスト精工株式会社"})
    roster = tmp_path / "roster.csv"
    roster.write_text("法人番号,会社名\n7000012050002,テスト精工株式会社\n1010001000006,テスト精工株式会社\n",
                      encoding="utf-8")
    _, m = run(raw, roster=roster)
    assert m.at["a.xlsx", "flags"].split() == ["ambiguous_name_link", "name_fallback"]
    assert "法人番号が 2 件: 1010001000006, 7000012050002" in m.at["a.xlsx", "warnings"]
    assert pd.read_parquet(tmp_path / "store" / "respondents")["identity_basis"].tolist() == ["name"]


def test_a_file_that_kills_its_reader_process_is_quarantined_and_the_rest_are_read(tmp_path, monkeypatch):
    """A crash inside a native reader ends the worker process (no exception to catch): the pool breaks, the
    chunk is read again file by file, the killer is a read_error, every other file is read."""
    import os

    from pipeline.ingest import run as run_mod

    raw = tmp_path / "raw"
    numbers = ["7000012050002", "1010001000006", "4000020130001", "2021001052596", "5010401089998"]
    for k, number in enumerate(numbers):
        write_auto(raw / f"f{k}.xlsx", cover={"法人番号": number, "会社名": f"会社{k}"})
    (raw / "f2_crash.xlsx").write_bytes((raw / "f2.xlsx").read_bytes())
    real = run_mod.parse_entry

    def parse_or_die(entry, sector, year):
        if "crash" in entry.source_path:
            os._exit(134)  # as an abort in Rust would
        return real(entry, sector, year)

    monkeypatch.setattr(run_mod, "parse_entry", parse_or_die)
    monkeypatch.setattr(run_mod, "CHUNK", 2)
    result = ingest("auto", 2024, raw, tmp_path / "s", workers=2, progress=False)
    m = pd.read_parquet(tmp_path / "s" / "manifest").set_index("source_path")
    assert (m.at["f2_crash.xlsx", "reason"], m.at["f2_crash.xlsx", "detail"]) == \
        ("read_error", "could not be read: the process reading it stopped (a crash in the reader, or more than "
                       "1,024 MB of memory)")
    assert result.counts == {"ingested": 5, "quarantined": 1}


def test_a_file_whose_reading_does_not_end_is_stopped_and_quarantined(tmp_path, monkeypatch):
    import time

    from pipeline.ingest import run as run_mod

    raw = tmp_path / "raw"
    for k, number in enumerate(["7000012050002", "1010001000006", "4000020130001"]):
        write_auto(raw / f"f{k}.xlsx", cover={"法人番号": number, "会社名": f"会社{k}"})
    (raw / "f1_slow.xlsx").write_bytes((raw / "f1.xlsx").read_bytes())
    real = run_mod.parse_entry

    def parse_or_hang(entry, sector, year):
        if "slow" in entry.source_path:
            time.sleep(120)  # as a reader building a sheet of a hundred million cells
        return real(entry, sector, year)

    monkeypatch.setattr(run_mod, "parse_entry", parse_or_hang)
    monkeypatch.setattr(run_mod, "CHUNK", 2)
    monkeypatch.setattr(run_mod, "CHUNK_SECONDS", 3.0)
    monkeypatch.setattr(run_mod, "FILE_SECONDS", 2.0)
    result = ingest("auto", 2024, raw, tmp_path / "s", workers=2, progress=False)
    m = pd.read_parquet(tmp_path / "s" / "manifest").set_index("source_path")
    assert (m.at["f1_slow.xlsx", "reason"], m.at["f1_slow.xlsx", "detail"]) == \
        ("read_error", "could not be read: still reading after 2 s (stopped)")
    assert result.counts == {"ingested": 3, "quarantined": 1}


def test_a_rekey_stopped_between_two_tables_finishes_when_run_again(tmp_path, monkeypatch):
    import os as os_mod

    from pipeline.ingest import keys as keys_mod
    from pipeline.ingest.identity import respondent_key

    raw, s = _two_years(tmp_path, monkeypatch)
    real = os_mod.replace
    calls = {"n": 0}

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("power cut")
        return real(src, dst)

    monkeypatch.setattr(os_mod, "replace", flaky)
    with pytest.raises(OSError, match="power cut"):
        keys_mod.rekey(s, b"first-key", b"second-key")
    monkeypatch.setattr(os_mod, "replace", real)
    assert keys_mod.stored_fingerprint(s) == keys_mod.fingerprint(b"first-key")  # still the old key's
    done = keys_mod.rekey(s, b"first-key", b"second-key")
    assert done.keys == 2
    a = respondent_key(b"second-key", "7000012050002", "")[0]
    b = respondent_key(b"second-key", "", "B社")[0]
    for name in ("manifest", "respondents", "responses", "identities"):
        assert set(pd.read_parquet(s / name)["respondent_key"]) - {""} == {a, b}, name
    assert keys_mod.stored_fingerprint(s) == keys_mod.fingerprint(b"second-key")


def test_a_name_that_is_not_utf8_on_disk_and_a_dangling_link_end_in_the_manifest(tmp_path):
    import os

    raw = tmp_path / "raw"
    write_auto(raw / "ok.xlsx", cover={"法人番号": "1010001000006", "会社名": "B社"})
    with open(os.path.join(os.fsencode(raw), "回答_A社.xlsx".encode("cp932")), "wb") as fh:  # unzipped as bytes
        fh.write(write_auto(tmp_path / "a.xlsx").read_bytes())
    os.symlink(tmp_path / "gone.xlsx", raw / "link.xlsx")
    _, m = run(raw)
    assert m.at["回答_A社.xlsx", "status"] == "ingested"
    assert m.at["link.xlsx", "reason"] == "read_error"
    assert m.at["link.xlsx", "detail"].startswith("could not be read: FileNotFoundError")


# --- hostile inputs beyond the fuzz ----------------------------------------------------------------------------

def _export_csv(rows):
    head = ["受付番号", "会社名", "法人番号", "目標レベル", "提出日時"] + [f"No.{n}" for n in range(1, 154)]
    return pd.DataFrame(rows, columns=head).to_csv(index=False)


def test_a_csv_of_utf8_with_bom_and_cp932_lines_is_refused_saying_which_line(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    first = _export_csv([["R-1", "会社1", "1010001000006", "Lv1", "2024-10-01"] + ["達成"] * 153])
    second = "R-2,会社2,7000012050002,Lv1,2024-10-01," + ",".join(["達成"] * 153) + "\n"
    (raw / "e.csv").write_bytes(b"\xef\xbb\xbf" + first.encode("utf-8") + second.encode("cp932"))
    _, m = run(raw)
    assert (m.at["e.csv", "reason"], m.at["e.csv", "detail"]) == \
        ("unreadable_text", "the text starts as UTF-8 (with a BOM) but line 3 is not UTF-8 (two encodings mixed in "
                            "one file)")


def test_a_roster_of_mixed_encodings_or_empty_is_refused_in_one_line(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx")
    roster = tmp_path / "roster.csv"
    roster.write_bytes(b"\xef\xbb\xbf" + "法人番号,会社名\n7000012050002,株式会社テスト精工\n".encode()
                       + "1010001000006,テスト商事株式会社\n".encode("cp932"))
    with pytest.raises(ValueError, match=r"^roster roster.csv: the text starts as UTF-8 \(with a BOM\) but line 3 "
                                         r"is not UTF-8 \(two encodings mixed in one file\)$"):
        run(raw, roster=roster)
    roster.write_bytes(b"")
    with pytest.raises(ValueError, match=r"^roster roster.csv is empty: it needs a header row"):
        run(raw, roster=roster)
    assert not (tmp_path / "store" / "manifest").exists()  # refused before anything was written


def test_a_roster_number_that_is_not_a_corporate_number_is_reported(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx")  # 株式会社テスト精工, 7000012050002
    roster = tmp_path / "roster.csv"
    roster.write_text("法人番号,会社名\n7.00001E+12,株式会社テスト精工\n", encoding="utf-8")  # Excel's display
    result, _ = run(raw, roster=roster)
    assert result.roster_issues == 2
    rows = sheet(tmp_path / "store", "名簿")
    # keyed by name, then linked to the submission's number (both said): the member answered
    assert sorted((r["名簿の行"], r["詳細"]) for r in rows) == [
        ("roster.csv(2行目)", "事業者名「株式会社テスト精工」→ 法人番号 7000012050002"),
        ("roster.csv(2行目)", "法人番号 7.00001E+12 は無効(事業者名で照合)")]
    assert pd.read_parquet(tmp_path / "store" / "roster")[["identity_basis", "responded"]].values.tolist() == \
        [["name_linked", True]]


def test_two_archive_entries_of_one_name_are_both_in_the_manifest(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    first = write_auto(tmp_path / "first.xlsx", cover={"法人番号": "1010001000006", "会社名": "会社1"}).read_bytes()
    second = write_auto(tmp_path / "second.xlsx").read_bytes()
    with zipfile.ZipFile(raw / "z.zip", "w") as zf, pytest.warns(UserWarning, match="Duplicate name"):
        zf.writestr("a.xlsx", first)
        zf.writestr("a.xlsx", second)
    _, m = run(raw)
    assert (m.at["z.zip!a.xlsx#entry=1", "reason"], m.at["z.zip!a.xlsx#entry=1", "detail"]) == \
        ("duplicate_member", "entry 1 of the archive has the name of a later entry (2), which was read instead")
    assert m.at["z.zip!a.xlsx", "status"] == "ingested"
    assert pd.read_parquet(tmp_path / "store" / "identities")["corporate_number"].tolist() == ["7000012050002"]


def test_empty_files_and_a_nul_byte_in_a_csv_are_quarantined_with_what_is_wrong(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("a.xlsx", "b.csv", "c.xls"):
        (raw / name).write_bytes(b"")
    text = _export_csv([["R-1", "会社1", "1010001000006", "Lv1", "2024-10-01"] + ["達成"] * 153]).encode("cp932")
    cut = text.index(b"\n") + 10
    (raw / "nul.csv").write_bytes(text[:cut] + b"\x00" + text[cut:])
    _, m = run(raw)
    assert {n: (m.at[n, "reason"], m.at[n, "detail"]) for n in m.index} == {
        "a.xlsx": ("corrupt", "the file is empty (0 bytes)"), "b.csv": ("corrupt", "the file is empty (0 bytes)"),
        "c.xls": ("corrupt", "the file is empty (0 bytes)"),
        "nul.csv": ("not_a_workbook", "binary content in a CSV file (a NUL byte on line 2)")}


def test_a_wrong_check_digit_is_keyed_by_name_and_flagged(tmp_path):
    raw = tmp_path / "raw"
    write_auto(raw / "a.xlsx", cover={"法人番号": "7000012050003"})  # last digit off by one
    _, m = run(raw)
    assert (m.at["a.xlsx", "status"], m.at["a.xlsx", "flags"], m.at["a.xlsx", "warnings"]) == \
        ("ingested", "name_fallback", "法人番号 7000012050003 は無効")


def test_the_same_company_three_times_in_one_export_keeps_the_latest(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    rows = [["R-1", "会社1", "1010001000006", "Lv1", "2024-10-02 10:00"] + ["達成"] * 153,
            ["R-2", "会社1", "1010001000006", "Lv1", "2024-10-01 10:00"] + ["未達成"] * 153,
            ["R-3", "会社1", "1010001000006", "Lv1", "2024-10-01 09:00"] + ["対象外"] * 153]
    (raw / "回答一覧.csv").write_bytes(_export_csv(rows).encode("cp932"))
    result, m = run(raw)
    assert m.loc[m.index.str.contains("#row="), "status"].to_dict() == {
        "回答一覧.csv#row=2": "ingested", "回答一覧.csv#row=3": "superseded", "回答一覧.csv#row=4": "superseded"}
    answers = pd.read_parquet(tmp_path / "store" / "responses")["answer"]
    assert answers.unique().tolist() == ["implemented"] and len(answers) == 153


def test_a_csv_cell_past_the_field_limit_is_too_large_not_our_error(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    row = ["R-1", "x" * 200_000, "1010001000006", "Lv1", "2024-10-01"] + ["達成"] * 153
    (raw / "e.csv").write_bytes(_export_csv([row]).encode("cp932"))
    _, m = run(raw)
    assert (m.at["e.csv", "reason"], m.at["e.csv", "detail"]) == \
        ("too_large", "line 2 has a cell longer than 131,072 characters (the limit per cell)")


def test_the_demo_holds_the_store_too(tmp_path, monkeypatch, capsys):
    """`sdw demo` writes the store; a run of another command on it makes the demo wait, then refuse — before
    it synthesises anything."""
    from pipeline.cli import main

    (tmp_path / "sdw.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    s = tmp_path / "data" / "processed"
    s.mkdir(parents=True)
    holder = _hold(s, 30)
    try:
        monkeypatch.setenv("SDW_LOCK_WAIT", "0.5")
        assert main(["demo"]) == 1
        err = capsys.readouterr().err.strip().splitlines()
        assert f"is in use by `sdw ingest` (pid {holder.pid} on " in err[-1]
        assert not (tmp_path / "data" / "raw").exists()  # refused before synthesising
    finally:
        holder.kill()
        holder.wait()

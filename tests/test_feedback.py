"""Member feedback: one workbook per company under a clerk's file name, with peers, percentile and 偏差値;
the association's index; nobody else's name in a member file."""

from __future__ import annotations

import gc
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from pipeline import config
from pipeline.ingest import ingest
from pipeline.report import feedback_doc
from pipeline.report.feedback_doc import write_feedback
from pipeline.scoring import score_store
from pipeline.scoring.feedback import NO_PEERS, feedback_tables
from pipeline.scoring.star_feedback import star_feedback
from pipeline.scoring.statistics import deviation_score, percentile_rank
from pipeline.synth import synthesise


@pytest.fixture(scope="module")
def auto_run(tmp_path_factory):
    """Thirty synthetic automotive companies, scored, and their feedback files (with PDFs)."""
    tmp = tmp_path_factory.mktemp("fb")
    raw = tmp / "raw"
    synthesise("auto", 2024, raw, n=30, seed=2, messy=False, workers=1)
    ingest("auto", 2024, raw, tmp / "s", workers=1, progress=False)
    result = score_store(tmp / "s")
    tables = {n: pd.read_parquet(tmp / "s" / n) for n in ("respondents", "responses", "identities")}
    per = feedback_tables(result.scores, tables["respondents"], tables["responses"], "auto", 2024, k=5)
    star = star_feedback(result.scores, tables["respondents"], tables["responses"], "auto", 2024, k=5)
    files = write_feedback(per, tables["identities"], "auto", 2024, tmp / "fb", pdf=True, k=5, star=star)
    return per, tables["identities"], files, star


def _xml_text(path) -> str:
    """Every XML part of an xlsx, concatenated: what anyone opening the file could find in it."""
    with zipfile.ZipFile(path) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith((".xml", ".rels")))


def test_feedback_files_per_company(auto_run):
    per, identities, files, _ = auto_run
    assert len(per) == 30 and len(files.workbooks) == 30 and len(files.pdfs) == 30
    key, (headline, weak) = next(iter(per.items()))
    assert headline["node_id"].tolist() == ["GV", "ID", "PR", "DE", "RS", "RC", "Lv1", "Lv2", "Lv3", "All", "★3"]
    scored = headline["score"].notna()
    shown = scored & headline["hidden"].eq("")  # the report's split and band rule (docs/method.md §13)
    assert headline.loc[shown, "percentile"].between(0, 100).all()
    assert headline.loc[shown, "deviation"].notna().all()
    assert headline.loc[headline["hidden"].ne(""), ["peer_mean", "percentile", "deviation"]].isna().all().all()
    own = ~headline["peer_group"].isin(["全体", NO_PEERS])
    assert (headline.loc[own, "peer_n"] >= 5).all()
    assert weak["peer_rate"].dropna().is_monotonic_decreasing
    assert [p.name for p in files.workbooks] == [f"auto_2024_{i:04d}.xlsx" for i in range(1, 31)]
    sheets = pd.read_excel(files.workbooks[0], sheet_name=None, engine="calamine", header=None)
    assert list(sheets) == ["概要", "スコア", "優先して取り組む項目", "★3・★4"]
    cover = sheets["概要"].astype(str).to_numpy().ravel().tolist()
    assert "自動車分野" in cover and "2024年度" in cover
    items = sheets["優先して取り組む項目"].astype(str).to_numpy().ravel().tolist()
    assert not {"not_implemented", "missing", "implemented"} & set(items)
    with zipfile.ZipFile(files.workbooks[0]) as z:
        assert any(n.startswith("xl/media/") and n.endswith(".png") for n in z.namelist())  # the figure


def test_the_pdf_is_one_page_of_japanese_text_in_an_embedded_font_with_the_figure(auto_run):
    """What a member opens: one A4 page whose text reads back as its own name, sector, year and the section
    titles (so the glyphs are real text, not shapes), in a subset of IPAexGothic embedded in the file (so it
    reads the same in any viewer), with the figure as a print-resolution image."""
    from pypdf import PdfReader

    _, _, files, _ = auto_run
    index = pd.read_excel(files.index, engine="calamine", dtype=str)
    company = index.set_index("ファイル名").loc[files.workbooks[0].name, "事業者名"]
    reader = PdfReader(files.pdfs[0])
    assert len(reader.pages) >= 2  # the member's page, then (automotive) the ★ page on pages of its own
    star_text = "".join(p.extract_text() for p in reader.pages[1:]).replace(" ", "")
    assert "★3・★4要求事項の充足状況" in star_text and "★3までの距離と比較群" in star_text
    page = reader.pages[0]
    assert [round(float(v)) for v in page.mediabox[2:]] == [595, 842]  # A4 in points
    text = page.extract_text()
    for words in (f"{company} ・ 自動車分野 ・ 2024年度", "サイバーセキュリティ自己診断 フィードバック",
                  "機能・レベル別のスコアと比較群", "優先して取り組む項目", "比較群"):
        assert words in text
    fonts = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    japanese = [f for f in fonts if str(f["/BaseFont"]).endswith("+IPAexGothic")]
    assert japanese and all("/FontFile2" in f["/FontDescriptor"] for f in japanese)  # embedded TrueType subsets
    images = [x.get_object() for x in page["/Resources"]["/XObject"].values()]
    assert any(x["/Subtype"] == "/Image" and x["/Width"] >= 1000 for x in images)  # 7.3 inches at 150 dpi


def test_index_maps_every_file_and_member_files_carry_only_their_own_company(auto_run):
    per, identities, files, _ = auto_run
    index = pd.read_excel(files.index, engine="calamine", dtype=str)
    # no e-mail column: neither the roster nor the cover sheet carries an address, so it was always empty
    assert list(index.columns) == ["ファイル名", "事業者名", "法人番号", "今回作成"]
    assert sorted(index["ファイル名"]) == sorted(p.name for p in files.workbooks)
    ident = identities.set_index("company_name")
    assert set(ident.loc[index["事業者名"], "respondent_key"]) == set(per)
    others_checked = 0
    for row in index.itertuples(index=False):
        text = _xml_text(files.index.parent / row[0])
        assert row[1] in text  # its own name
        for other in index.itertuples(index=False):
            if other[0] != row[0]:
                assert other[1] not in text and str(other[2]) not in text
                others_checked += 1
        assert not any(key in text for key in per)  # no respondent key either
    assert others_checked == 30 * 29


def test_known_answers_percentile_and_deviation_on_five_companies():
    x = pd.Series([0.2, 0.4, 0.6, 0.8, 1.0])
    # percentile_rank: share of the group at or below the value, in percent (rank method 'max')
    assert percentile_rank(x).tolist() == pytest.approx([20.0, 40.0, 60.0, 80.0, 100.0])
    assert percentile_rank(pd.Series([0.2, 0.6, 0.6, 1.0, 1.0])).tolist() == pytest.approx([20, 60, 60, 100, 100])
    # with k = 2 a rank shows only where 2 others lie at or below and 2 above: 0.6 alone (a rank is a count)
    ranked = percentile_rank(x, k=2).tolist()
    assert ranked[2] == pytest.approx(60.0) and all(np.isnan(ranked[i]) for i in (0, 1, 3, 4))
    # 偏差値 = 50 + 10·(x − mean)/sd_pop; mean 0.6, sd_pop = sqrt(0.08) = 0.282842…
    dev = deviation_score(x)
    assert dev.iloc[4] == pytest.approx(64.1421356, abs=1e-6) and round(dev.iloc[4]) == 64
    assert dev.iloc[0] == pytest.approx(35.8578644, abs=1e-6) and dev.iloc[2] == pytest.approx(50.0)
    assert deviation_score(pd.Series([0.5] * 5)).tolist() == [50.0] * 5  # no spread: everyone 50


def test_five_company_example_end_to_end_in_the_workbook(tmp_path):
    """Scores 0.2, 0.4, 0.6, 0.9, 1.0 in one peer group of five, k = 2 (each member has the 4 others the rule asks
    for; 2 companies reach 90 % and 3 do not: both sides of the split hold k, as the report asks): the company at
    1.0 reads 100.0%, percentile 100, 偏差値 63 (mean 0.62, population SD √0.0896 = 0.29933: 50 + 10·0.38/0.29933
    = 62.69…, only its format rounds); the median (2.5 companies beyond it) is shown, the quartiles (1.25) not.
    Its rank is x: nobody scores above it (a side of 0 < k); the middle company (2 below, 2 above) reads 60."""
    keys = [f"c{i}" for i in range(5)]
    values = [0.2, 0.4, 0.6, 0.9, 1.0]
    scores = pd.DataFrame([{"sector": "power", "year": 2024, "respondent_key": key, "framework": "csf2",
                            "node_id": "GV", "score": v, "n_items": 1, "n_applicable": 1}
                           for key, v in zip(keys, values, strict=True)])
    respondents = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys,
                                "main_business_type": "RETAIL"})
    responses = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys, "item_id": "ID.AM-1",
                              "answer": ["implemented"] * 4 + ["not_implemented"]})
    per = feedback_tables(scores, respondents, responses, "power", 2024, k=2)
    top = per["c4"][0].set_index("node_id").loc["GV"]
    assert np.isnan(top["percentile"]) and top["deviation"] == pytest.approx(62.6949, abs=1e-4)
    assert top["peer_mean"] == pytest.approx(0.62) and top["peer_n"] == 5
    assert top["p50"] == pytest.approx(0.6) and np.isnan(top["p25"]) and np.isnan(top["p75"])
    middle = per["c2"][0].set_index("node_id").loc["GV"]
    assert middle["percentile"] == 60.0 and middle["deviation"] == pytest.approx(49.3318, abs=1e-4)
    identities = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": keys,
                               "company_name": [f"会社{i}" for i in range(5)],
                               "corporate_number": [f"{i}" * 13 for i in range(1, 6)]})
    files = write_feedback(per, identities, "power", 2024, tmp_path, k=2)
    ws = openpyxl.load_workbook(files.workbooks[4])["スコア"]
    heads = [c.value for c in ws[4]]
    assert heads[:5] == ["指標", "貴社のスコア", "中央値", "第1四分位", "第3四分位"]
    row = {h: c for h, c in zip(heads, ws[5], strict=True)}
    assert row["指標"].value == "GV 統治"
    assert row["貴社のスコア"].value == 1.0 and row["貴社のスコア"].number_format == "0.0%"
    assert row["比較群の平均"].value == pytest.approx(0.62) and row["比較群の平均"].number_format == "0.0%"
    assert row["偏差値"].value == 63 and row["偏差値"].number_format == "0"  # 62.69 stored as shown
    assert row["パーセンタイル順位"].value == "x" and row["中央値"].value == pytest.approx(0.6)
    assert row["第1四分位"].value == "x"
    assert row["比較群"].value == "小売電気事業者"


def test_hidden_peer_statistics_are_absent_below_k(tmp_path):
    """k = 7 with six companies: no peer value anywhere in the file, and the page says why."""
    scores, respondents, responses = _peer_case()
    per = feedback_tables(scores, respondents, responses, "auto", 2024, k=7, n_weak=3)
    identities = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list(per),
                               "company_name": [f"社{i}" for i in range(len(per))], "corporate_number": ""})
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=7)
    wb = openpyxl.load_workbook(files.workbooks[0])
    scores_ws = wb["スコア"]
    heads = [c.value for c in scores_ws[4]]
    for row in scores_ws.iter_rows(min_row=5):
        cells = dict(zip(heads, row, strict=True))
        for col in ("中央値", "第1四分位", "第3四分位", "比較群の平均", "比較群の社数",
                    "パーセンタイル順位", "偏差値"):
            assert cells[col].value == "x", (col, cells[col].value)
    items = wb["優先して取り組む項目"]
    rate_col = [c.value for c in items[4]].index("自動車分野の実施率")
    assert all(r[rate_col].value == "x" for r in items.iter_rows(min_row=5))
    cover = " ".join(str(c.value) for row in wb["概要"].iter_rows() for c in row if c.value)
    assert "比較できる事業者が7社未満" in cover


def _peer_case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Six automotive companies: four of size L, two of size S; hand-typed level scores."""
    keys = {"L1": "L", "L2": "L", "L3": "L", "L4": "L", "S1": "S", "S2": "S"}
    nan = float("nan")
    lv = {"Lv1": [0.9, 1.0, 0.7, 0.6, 0.5, 0.95],  # everyone scored
          "Lv2": [0.4, 0.95, nan, nan, 0.2, 0.9],  # two L companies not assessed
          "Lv3": [1.0, 0.0, nan, nan, nan, nan]}   # two scored in the whole sector
    scores = pd.DataFrame([{"sector": "auto", "year": 2024, "respondent_key": key, "framework": "level",
                            "node_id": node, "score": values[i], "n_items": 1, "n_applicable": 1}
                           for node, values in lv.items() for i, key in enumerate(keys)])
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list(keys),
                                "size_band": list(keys.values())})
    # one answered item each (No.1: L implemented, S not); the other 152 items are missing
    responses = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list(keys), "item_id": "No.1",
                              "answer": ["implemented"] * 4 + ["not_implemented"] * 2})
    return scores, respondents, responses


def test_peer_groups_count_companies_with_a_score_and_fall_back_below_k():
    """k = 2: a member's own group needs 3 scored (2 besides it), and every group shown has at least 2 companies
    on each side of 90 % (the report's split rule)."""
    scores, respondents, responses = _peer_case()
    per = feedback_tables(scores, respondents, responses, "auto", 2024, k=2, n_weak=3)
    l1 = per["L1"][0].set_index("node_id")
    # Lv1: four L companies scored → their own group: 0.9, 1.0 reach 90 %, 0.7, 0.6 do not; mean 3.2 / 4 = 0.8,
    # L1 (0.9) at or above 3 of 4, but only one company (1.0) above it: 1 < k = 2, so no rank
    assert l1.loc["Lv1", "peer_group"] == "L" and l1.loc["Lv1", "peer_n"] == 4
    assert l1.loc["Lv1", "peer_mean"] == pytest.approx(0.8) and np.isnan(l1.loc["Lv1", "percentile"])
    # Lv2: only two L companies have a score (< k + 1) → the whole sector-year, four scored, mean 2.45 / 4
    assert l1.loc["Lv2", "peer_group"] == "全体" and l1.loc["Lv2", "peer_n"] == 4
    assert l1.loc["Lv2", "peer_mean"] == pytest.approx(0.6125)
    # Lv3: two scored in the whole sector (< k + 1) → no peer statistic at all
    assert l1.loc["Lv3", "peer_group"] == NO_PEERS
    assert l1.loc["Lv3", ["peer_mean", "peer_n", "percentile", "deviation"]].isna().all()
    s1 = per["S1"][0].set_index("node_id")
    # two S companies (< k + 1) → whole sector: six scored, mean 4.65 / 6 = 0.775; S1 (0.5) lowest of six, nobody
    # below it (0 < k): no rank
    assert s1.loc["Lv1", "peer_group"] == "全体" and s1.loc["Lv1", "peer_n"] == 6
    assert s1.loc["Lv1", "peer_mean"] == pytest.approx(0.775)
    assert np.isnan(s1.loc["Lv1", "percentile"])
    # at k = 3 the same L group (one side of 90 % holds 2 < 3) shows no peer value: hidden as a split, never
    # replaced by the whole sector (whose mean less S's would give L's back)
    strict = feedback_tables(scores, respondents, responses, "auto", 2024, k=3, n_weak=3)["L1"][0].set_index("node_id")
    assert strict.loc["Lv1", "hidden"] == "split" and np.isnan(strict.loc["Lv1", "peer_mean"])


def test_a_node_without_a_report_table_is_never_compared_with_the_sector_total():
    """With the report's cells for GV only, the level Lv1 has no published table. S has two companies (< k + 1 at
    k = 2): counted alone it would fall back to the whole sector (mean 4.65 / 6 = 0.775), and the whole sector less
    L's published 0.8 of 4 gives S's (0.5 + 0.95) / 2 back. S1 reads x for Lv1 (hidden, its own group named);
    L1 keeps its own group's 0.8 of 4."""
    scores, respondents, responses = _peer_case()
    gv = scores[scores["node_id"].eq("Lv1")].assign(framework="csf2", node_id="GV")
    published = pd.DataFrame([{"framework": "csf2", "node_id": "GV", "segment": seg, "n": n, "mean": m, "band": "",
                               "hidden": "", "rounded": False}
                              for seg, n, m in (("L", 4, 0.8), ("S", np.nan, np.nan), ("全体", 6, 0.775))])
    published.loc[1, "hidden"] = "primary"
    per = feedback_tables(pd.concat([scores, gv]), respondents, responses, "auto", 2024, k=2, n_weak=3,
                          published=published)
    s1 = per["S1"][0].set_index("node_id")
    assert s1.loc["Lv1", "hidden"] == "withheld" and s1.loc["Lv1", "peer_group"] == "S"
    assert s1.loc["Lv1", ["peer_mean", "peer_n", "p50", "percentile", "deviation"]].isna().all()
    assert s1.loc["GV", "peer_group"] == "全体" and s1.loc["GV", "peer_mean"] == pytest.approx(0.775)
    l1 = per["L1"][0].set_index("node_id")
    assert l1.loc["Lv1", "peer_group"] == "L" and l1.loc["Lv1", "peer_mean"] == pytest.approx(0.8)
    # where the report's levels table withholds L's Lv1+ (to protect another cell), L's Lv1 statistics read x: a rank
    # at a score just below 90 % would count L's companies short of Lv1 (round six: 87 of 100 came back)
    shut = feedback_tables(pd.concat([scores, gv]), respondents, responses, "auto", 2024, k=2, n_weak=3,
                           published=published, withheld={("Lv1", "L")})["L1"][0].set_index("node_id")
    assert shut.loc["Lv1", "hidden"] == "withheld" and np.isnan(shut.loc["Lv1", "peer_mean"])
    assert np.isnan(shut.loc["Lv1", "peer_n"]) and shut.loc["GV", "hidden"] == ""  # GV has its own cells


def test_weakest_items_use_the_one_item_share_and_hide_it_below_k():
    scores, respondents, responses = _peer_case()
    weak = feedback_tables(scores, respondents, responses, "auto", 2024, k=3, n_weak=3)["S1"][1]
    # No.1: 4 implemented of 6 applicable; every other item missing for all six: 0 of 6; every rate hidden (below),
    # so the list is in item number order (docs/method.md §5, orderings)
    assert weak["item_id"].tolist() == ["No.1", "No.2", "No.3"]
    assert weak["answer"].tolist() == ["not_implemented", "missing", "missing"]
    # 4 of 6 leaves 2 not implemented (< k = 3): hidden by the split rule, as the report's item table hides it;
    # 0 of 6 is every company failing the item: a 0% would tell each member every peer's answer
    assert weak["peer_rate"].isna().all() and weak["n_applicable"].isna().all()
    hidden = feedback_tables(scores, respondents, responses, "auto", 2024, k=7, n_weak=3)
    assert hidden["S1"][1]["peer_rate"].isna().all()
    assert hidden["S1"][0]["peer_group"].eq(NO_PEERS).all()


def _one_item(implemented: int, not_implemented: int, not_applicable: int) -> pd.DataFrame:
    """One sector-year answering item No.1 only: the first company (M00) has not implemented it."""
    answers = (["not_implemented"] * not_implemented + ["implemented"] * implemented
               + ["not_applicable"] * not_applicable)
    keys = [f"M{i:02d}" for i in range(len(answers))]
    return pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "item_id": "No.1", "answer": answers})


def _member_rate(responses: pd.DataFrame) -> tuple[float, float]:
    keys = responses["respondent_key"].tolist()
    scores = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "framework": "level",
                           "node_id": "Lv1", "score": 0.5, "n_items": 1, "n_applicable": 1})
    respondents = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": keys, "size_band": "L"})
    weak = feedback_tables(scores, respondents, responses, "auto", 2024, k=5, n_weak=1)["M00"][1]
    assert weak["item_id"].tolist() == ["No.1"]
    assert weak["n_companies"].iloc[0] == len(keys)  # the respondents the rate is of
    return weak["peer_rate"].iloc[0], weak["n_applicable"].iloc[0]


def test_the_peer_rate_is_protected_by_the_reports_rule():
    """k = 5. 19 of 20 implemented: one company on the other side (< k), a split the report hides."""
    rate, n = _member_rate(_one_item(implemented=19, not_implemented=1, not_applicable=0))
    assert np.isnan(rate) and np.isnan(n)
    # 10 of 20 applicable (5 of 25 found it not applicable, ≥ k): both sides hold 10, the rate is shown
    rate, n = _member_rate(_one_item(implemented=10, not_implemented=10, not_applicable=5))
    assert rate == pytest.approx(0.50) and n == 20
    # 18 of 20: two not implemented, a split below k as well
    rate, _ = _member_rate(_one_item(implemented=18, not_implemented=2, not_applicable=5))
    assert np.isnan(rate)
    # 10 of 20 with 2 of 22 not applicable (1…k−1): the report would print it rounded only if 0.50 fitted every
    # base 18…22; over 19 the nearest are 9/19 = 0.47 and 10/19 = 0.53, so it stays hidden (split)
    rate, n = _member_rate(_one_item(implemented=10, not_implemented=10, not_applicable=2))
    assert np.isnan(rate) and np.isnan(n)


def _digests(folder) -> dict[str, str]:
    import hashlib

    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_same_bytes_whatever_the_number_of_workers(auto_run, tmp_path):
    """Workbooks, PDFs and the index from one worker and from two are byte-identical (★ page included)."""
    per, identities, files, star = auto_run
    some = [p.stem for p in files.workbooks[:16]]  # 16 members: two workers get eight each
    one = write_feedback(per, identities, "auto", 2024, tmp_path / "one", pdf=True, k=5, workers=1, only=some,
                         star=star)
    two = write_feedback(per, identities, "auto", 2024, tmp_path / "two", pdf=True, k=5, workers=2, only=some,
                         star=star)
    assert [p.name for p in one.pdfs] == [p.name for p in two.pdfs] == [f"{s}.pdf" for s in some]
    a, b = _digests(tmp_path / "one"), _digests(tmp_path / "two")
    assert len(a) == 16 * 2 + 1 and a == b
    # and the same member files as the fixture's run over all thirty (its index marks all thirty as written now)
    assert all(a[name] == _digests(files.index.parent)[name] for name in a if name != "index.xlsx")


def test_the_tables_are_frozen_out_of_the_collector_while_writing_and_given_back(auto_run, tmp_path, monkeypatch):
    """While members are written the year's tables sit outside the cycle collector (its full passes walked them in
    every worker); after the run, and after a run whose writing fails, nothing stays frozen and the collector runs."""
    per, identities, files, star = auto_run
    first = files.workbooks[0].stem
    assert gc.get_freeze_count() == 0
    seen = []
    write = feedback_doc.write_member_workbook

    def watched(path, page):
        seen.append(gc.get_freeze_count())
        return write(path, page)

    monkeypatch.setattr(feedback_doc, "write_member_workbook", watched)
    write_feedback(per, identities, "auto", 2024, tmp_path / "a", k=5, workers=1, only=[first], star=star)
    assert len(seen) == 1 and seen[0] > 0
    assert gc.get_freeze_count() == 0 and gc.isenabled()

    def fails(path, page):
        raise OSError("disk full")

    monkeypatch.setattr(feedback_doc, "write_member_workbook", fails)
    with pytest.raises(OSError, match="disk full"):
        write_feedback(per, identities, "auto", 2024, tmp_path / "b", k=5, workers=1, only=[first], star=star)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_failed_run_leaves_the_index_it_found(auto_run, tmp_path, monkeypatch):
    """The index is written beside the workers but moved into place only once every member file is: a run whose
    member fails (two workers) leaves the earlier index as it was, and no half-made index beside it."""
    import shutil

    per, identities, files, star = auto_run
    folder = tmp_path / "fb"
    shutil.copytree(files.index.parent, folder)
    (folder / "index.xlsx").write_bytes(b"old")
    some = [p.stem for p in files.workbooks[:16]]

    def fails(path, page):
        if path.stem == some[-1]:
            raise OSError("disk full")

    monkeypatch.setattr(feedback_doc, "write_member_workbook", fails)
    with pytest.raises(OSError, match="disk full"):
        write_feedback(per, identities, "auto", 2024, folder, k=5, workers=2, only=some, star=star)
    assert (folder / "index.xlsx").read_bytes() == b"old"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith("auto_2024_")) == ["index.xlsx"]


def test_the_last_members_go_out_one_at_a_time():
    """Chunks of 16, then of 4 for the last 2 × workers × 16 members but one per worker, then single members: 100
    members on two workers are 16, 16, 2, sixteen chunks of 4 (64), 1, 1, in order."""
    jobs = list(range(100))
    chunks = config.chunks_of(jobs, 2, feedback_doc.CHUNK)
    assert [len(c) for c in chunks] == [16, 16, 2, *[4] * 16, 1, 1]
    assert [j for c in chunks for j in c] == jobs
    assert [len(c) for c in config.chunks_of(list(range(3)), 2, feedback_doc.CHUNK)] == [1, 1, 1]
    assert config.chunks_of([], 2, feedback_doc.CHUNK) == []


def test_only_writes_exactly_the_members_named(auto_run, tmp_path):
    """A re-send by file name, 法人番号 and respondent key rewrites those three files and touches no other."""
    import shutil

    per, identities, files, _ = auto_run
    folder = tmp_path / "fb"
    shutil.copytree(files.index.parent, folder)
    index = pd.read_excel(folder / "index.xlsx", engine="calamine", dtype=str)
    assert len(index) == 30 and index["今回作成"].eq("○").all()  # the whole year's run wrote every file
    third, fifth, seventh = index.iloc[2], index.iloc[4], index.iloc[6]
    key7 = identities.set_index("company_name").loc[seventh["事業者名"], "respondent_key"]
    for p in folder.iterdir():
        p.write_bytes(b"old")  # anything rewritten stops reading 'old'
    got = write_feedback(per, identities, "auto", 2024, folder, k=5,
                         only=[third["ファイル名"], str(fifth["法人番号"]), str(key7)])
    assert [p.name for p in got.workbooks] == ["auto_2024_0003.xlsx", "auto_2024_0005.xlsx", "auto_2024_0007.xlsx"]
    rewritten = {p.name for p in folder.iterdir() if p.read_bytes() != b"old"}
    assert rewritten == {"auto_2024_0003.xlsx", "auto_2024_0005.xlsx", "auto_2024_0007.xlsx", "index.xlsx"}
    assert len(list(folder.iterdir())) == 30 * 2 + 1  # nothing removed, nothing added
    # the index still maps every member's file (numbers are the year's) and says which three were written now
    index = pd.read_excel(folder / "index.xlsx", engine="calamine", dtype=str).fillna("")
    assert len(index) == 30 and list(index.columns) == ["ファイル名", "事業者名", "法人番号", "今回作成"]
    assert index.loc[index["今回作成"].eq("○"), "ファイル名"].tolist() == [
        "auto_2024_0003.xlsx", "auto_2024_0005.xlsx", "auto_2024_0007.xlsx"]
    assert index["今回作成"].isin(["○", ""]).all()
    with pytest.raises(ValueError,
                       match=r"no auto FY2024 member matches auto_2024_0099, nobody \(give a respondent key"):
        write_feedback(per, identities, "auto", 2024, folder, k=5, only=["nobody", "auto_2024_0099.xlsx"])


def _two_years() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Six automotive companies in 2024, five of them also in 2023 (N answers for the first time).

    Hand-typed scores: A's GV 0.50 → 0.75 and Lv1 0.80 (Lv1+ 0: short of 90%) → 0.95 (Lv1+ 1);
    everyone else GV 0.6 in both years, Lv1 1.0 (Lv1+ 1)."""
    rows = []
    for year in (2023, 2024):
        for key in ("A", "B", "C", "D", "E", "N"):
            if key == "N" and year == 2023:
                continue
            gv = {2023: 0.50, 2024: 0.75}[year] if key == "A" else 0.6
            lv1 = {2023: 0.80, 2024: 0.95}[year] if key == "A" else 1.0
            plus = 0.0 if (key, year) == ("A", 2023) else 1.0
            for framework, node, value in (("csf2", "GV", gv), ("level", "Lv1", lv1), ("level", "Lv1+", plus)):
                rows.append({"sector": "auto", "year": year, "respondent_key": key, "framework": framework,
                             "node_id": node, "score": value, "n_items": 1, "n_applicable": 1})
    scores = pd.DataFrame(rows)
    respondents = scores[["sector", "year", "respondent_key"]].drop_duplicates().assign(size_band="S")
    responses = respondents.assign(item_id="No.1", answer="implemented")
    return scores, respondents, responses


def test_the_members_own_previous_year_and_levels_reached(tmp_path):
    scores, respondents, responses = _two_years()
    per = feedback_tables(scores, respondents, responses, "auto", 2024, k=3)
    a = per["A"][0].set_index("node_id")
    assert a.loc["GV", "prev_score"] == 0.50 and a.loc["GV", "score"] == 0.75
    assert a.loc["Lv1", "reached"] == 1.0 and a.loc["Lv1", "prev_reached"] == 0.0
    assert a["prev_year"].eq(2023).all()
    n = per["N"][0].set_index("node_id")
    assert n["prev_score"].isna().all() and np.isnan(n.loc["Lv1", "prev_reached"])
    identities = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list("ABCDEN"),
                               "company_name": [f"社{c}" for c in "ABCDEN"], "corporate_number": ""})
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=3, workers=1)
    wb_a = openpyxl.load_workbook(files.workbooks[0])  # 社A is file 0001
    table = wb_a["スコア"]
    heads = [c.value for c in table[4]]
    assert heads[:5] == ["指標", "貴社のスコア", "2023年度のスコア", "レベル達成", "2023年度のレベル達成"]
    rows = {r[0].value: [c.value for c in r] for r in table.iter_rows(min_row=5) if r[0].value}
    assert rows["GV 統治"][1:5] == [0.75, 0.50, "", ""] and table["C5"].number_format == "0.0%"
    assert rows["Lv1 項目の達成率"][1:5] == [0.95, 0.80, "達成", "未達成"]
    cover = [str(c.value) for row in wb_a["概要"].iter_rows() for c in row if c.value]
    assert "2023年度の貴社自身のスコアとレベル達成を、今年度の値の隣の列に並べています。" in cover
    wb_n = openpyxl.load_workbook(files.workbooks[5])  # 社N answers for the first time
    rows_n = {r[0].value: [c.value for c in r] for r in wb_n["スコア"].iter_rows(min_row=5) if r[0].value}
    assert rows_n["GV 統治"][2] == "回答なし" and rows_n["Lv1 項目の達成率"][2:5] == ["回答なし", "達成", "回答なし"]
    cover_n = [str(c.value) for row in wb_n["概要"].iter_rows() for c in row if c.value]
    assert "2023年度には貴社の回答がないため、2023年度の列は「回答なし」です。" in cover_n


def test_no_previous_year_in_the_store_means_no_previous_column(tmp_path):
    scores, respondents, responses = _two_years()
    this_year = [t[t["year"].eq(2024)] for t in (scores, respondents, responses)]
    per = feedback_tables(*this_year, "auto", 2024, k=3)
    assert per["A"][0]["prev_score"].isna().all()
    identities = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list("ABCDEN"),
                               "company_name": [f"社{c}" for c in "ABCDEN"], "corporate_number": ""})
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=3, workers=1)
    heads = [c.value for c in openpyxl.load_workbook(files.workbooks[0])["スコア"][4]]
    assert heads[:4] == ["指標", "貴社のスコア", "レベル達成", "中央値"]


def test_sdw_feedback_says_where_it_wrote_and_logs_one_line(tmp_path, capsys):
    """`sdw feedback --out DIR` writes to DIR/auto/2024 and says so; --only-file picks the members; not on
    a terminal, progress is one summary line."""
    from pipeline import cli

    scores, respondents, responses = _two_years()
    store = tmp_path / "store"
    store.mkdir()
    identities = pd.DataFrame({"sector": "auto", "year": 2024, "respondent_key": list("ABCDEN"),
                               "company_name": [f"社{c}" for c in "ABCDEN"],
                               "corporate_number": [f"{i}" * 13 for i in range(1, 7)]})
    for name, frame in (("scores", scores), ("respondents", respondents), ("responses", responses),
                        ("identities", identities)):
        frame.to_parquet(store / name)
    members = tmp_path / "resend.txt"
    members.write_text("# re-send after the correction of 2024-12-01\nauto_2024_0002\n 6666666666666, \n",
                       encoding="utf-8")
    code = cli.main(["feedback", "--sector", "auto", "--year", "2024", "--store", str(store), "--out",
                     str(tmp_path / "fb"), "--only-file", str(members)])
    out, err = capsys.readouterr()
    assert code == 0, err
    folder = tmp_path / "fb" / "auto" / "2024"
    assert f"written to {folder} (--out {tmp_path / 'fb'} + auto/2024)" in out  # the sector and year it added
    assert "sdw feedback: 2 member files (of 6; the others untouched) written to" in out
    assert "  written now: auto_2024_0002.xlsx, auto_2024_0006.xlsx" in out
    assert "index.xlsx (association only; 今回作成 marks the files written now)" in out
    index = pd.read_excel(folder / "index.xlsx", engine="calamine", dtype=str).fillna("")
    assert index[["ファイル名", "今回作成"]].values.tolist() == [
        ["auto_2024_0001.xlsx", ""], ["auto_2024_0002.xlsx", "○"], ["auto_2024_0003.xlsx", ""],
        ["auto_2024_0004.xlsx", ""], ["auto_2024_0005.xlsx", ""], ["auto_2024_0006.xlsx", "○"]]
    assert sorted(p.name for p in folder.iterdir()) == ["auto_2024_0002.xlsx", "auto_2024_0006.xlsx", "index.xlsx"]
    lines = [line for line in err.splitlines() if line.startswith("feedback auto 2024")]
    assert len(lines) == 1 and lines[0].startswith("feedback auto 2024: 2 done in ")


def test_a_peer_group_needs_k_companies_besides_the_member():
    """k = 5: a group of 5 scored companies gives each member only 4 others, so it falls back to the sector
    (12 scored); a group of 6 is kept; a sector of 5 leaves no peers at all."""
    from pipeline.scoring.feedback import ALL_GROUP, NO_PEERS, peer_group

    groups = pd.Series(["A", "B", "C"])
    got = peer_group(groups, pd.Series([5, 6, 5]), pd.Series([12, 12, 5]), 5)
    assert list(got) == [ALL_GROUP, "B", NO_PEERS]


def test_a_group_the_report_hides_is_compared_with_the_published_total_and_its_rounded_mean():
    """Power, GV: three 一般送配電 companies (the report hides the group) and five 小売. The report's cells are typed
    by hand: 一般送配電 hidden, 小売 0.5 of 5, the whole sector 0.6 of 8 printed rounded. A grid company is compared
    with 電力分野全体 at 60 % (the report's rounded value: nothing that would tell it exactly — median, quartiles,
    percentile, 偏差値 — is shown) and told why; a retailer keeps its own group at the report's 0.5."""
    from pipeline.publish.feedback_model import SCORE_COLUMNS
    from pipeline.report.member_page import member_page

    keys = {"T1": "TD_GENERAL", "T2": "TD_GENERAL", "T3": "TD_GENERAL", **{f"R{i}": "RETAIL" for i in range(5)}}
    gv = [0.95, 0.9, 0.85, 0.3, 0.4, 0.5, 0.6, 0.7]
    scores = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": list(keys), "framework": "csf2",
                           "node_id": "GV", "score": gv, "n_items": 1, "n_applicable": 1})
    respondents = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": list(keys),
                                "main_business_type": list(keys.values())})
    responses = pd.DataFrame({"sector": "power", "year": 2024, "respondent_key": list(keys), "item_id": "ID.AM-1",
                              "answer": "implemented"})
    published = pd.DataFrame([
        {"framework": "csf2", "node_id": "GV", "segment": "TD_GENERAL", "n": np.nan, "mean": np.nan, "band": "",
         "hidden": "primary", "rounded": False},
        {"framework": "csf2", "node_id": "GV", "segment": "RETAIL", "n": 5, "mean": 0.5, "band": "", "hidden": "",
         "rounded": False},
        {"framework": "csf2", "node_id": "GV", "segment": "全体", "n": 8, "mean": 0.6, "band": "", "hidden": "",
         "rounded": True}])
    per = feedback_tables(scores, respondents, responses, "power", 2024, k=2, n_weak=3, published=published)
    t1 = per["T1"][0].set_index("node_id").loc["GV"]
    assert t1["peer_group"] == "全体" and t1["peer_mean"] == 0.6 and t1["peer_n"] == 8
    assert t1[["p25", "p50", "p75", "percentile", "deviation"]].isna().all()
    page = member_page("T1", "社T1", *per["T1"], "power", 2024, "ja", 2)
    row = page.scores.index[page.scores["node"].str.startswith("GV")][0]
    marks = dict(zip(SCORE_COLUMNS, page.score_marks[row], strict=True))
    assert marks["peer_mean"] == "60%" and marks["percentile"] == "x" and marks["p50"] == "x"
    assert page.scores.at[row, "peer_group"] == "電力分野全体"
    said = " ".join(page.peers)
    assert ("比較: 電力分野全体(8社)。貴社の主たる事業区分「一般送配電事業者」の値は、公表する集計表で秘匿(x)のため"
            "示していません(比較群が小さい、又は他の値から算出できるため)。") in said
    assert "()" not in said
    # a retailer: its own group, the report's mean and count; its median and percentile from the same five
    r0 = per["R0"][0].set_index("node_id").loc["GV"]
    assert r0["peer_group"] == "RETAIL" and r0["peer_mean"] == 0.5 and r0["peer_n"] == 5
    # R0 (0.3) is the lowest of the five: nobody below it (0 < k = 2), so no rank; R2 (0.5) has 2 below, 2 above: 60
    assert r0["p50"] == pytest.approx(0.5) and np.isnan(r0["percentile"])
    assert per["R2"][0].set_index("node_id").loc["GV", "percentile"] == pytest.approx(60.0)


def test_power_peers_are_the_reports_segment_every_company_holding_the_business():
    """Power GV, k = 2: four companies whose only business is 小売 (0.3, 0.4, 0.5, 0.6) and one generator that also
    retails (main 発電, business types 発電 and 小売; 0.9). The report's 小売 segment holds all five: mean
    2.7 / 5 = 0.54, typed as its published cell. R3 (0.5) is ranked among those five — 3 at or below, 2 others below
    and 2 above (0.6, 0.9): 60 — not among the four of its main type (where 1 above would withhold the rank); the
    median of the five is 0.5, and the page says the group is the report's, whatever the main business type."""
    from pipeline.report.member_page import member_page

    keys = {"R1": 0.3, "R2": 0.4, "R3": 0.5, "R4": 0.6, "G1": 0.9}
    scores = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": list(keys), "framework": "csf2",
                           "node_id": "GV", "score": list(keys.values()), "n_items": 1, "n_applicable": 1})
    respondents = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": list(keys),
                                "main_business_type": ["RETAIL"] * 4 + ["GENERATION"],
                                "business_types": ["RETAIL"] * 4 + ["GENERATION RETAIL"]})
    responses = pd.DataFrame({"sector": "power", "year": 2026, "respondent_key": list(keys), "item_id": "ID.AM-1",
                              "answer": "implemented"})
    published = pd.DataFrame([{"framework": "csf2", "node_id": "GV", "segment": seg, "n": n, "mean": m, "band": "",
                               "hidden": "", "rounded": False}
                              for seg, n, m in (("RETAIL", 5, 0.54), ("GENERATION", np.nan, np.nan),
                                                ("全体", 5, 0.54))])
    published.loc[1, "hidden"] = "primary"
    per = feedback_tables(scores, respondents, responses, "power", 2026, k=2, n_weak=3, published=published)
    r3 = per["R3"][0].set_index("node_id").loc["GV"]
    assert r3["peer_group"] == "RETAIL" and r3["peer_n"] == 5 and r3["peer_mean"] == pytest.approx(0.54)
    assert r3["percentile"] == pytest.approx(60.0) and r3["p50"] == pytest.approx(0.5)
    page = member_page("R3", "会社R3", per["R3"][0], per["R3"][1], "power", 2026, "ja", 2)
    said = " ".join(page.peers)
    assert "比較群は、報告書の区分と同じく、主たる事業区分にかかわらず「小売電気事業者」の事業を営む" \
           "すべての事業者です(5社)。" in said


def test_a_withheld_level_row_loses_its_band_too():
    """Ranks beside printed counts: the member's Lv1 row printed the group's mean as 「90%以上」 beside a Lv1+
    count the report withholds, which says the group's small side is the companies below 90 % (3 of 61 in FY2024).
    Withheld, the band goes too."""
    from pipeline.scoring.feedback import _withhold_beside_the_report

    headline = pd.DataFrame({"node_id": ["Lv1", "Lv2"], "peer_group": ["10,001人〜", "10,001人〜"],
                             "peer_n": [61.0, 61.0], "peer_mean": [np.nan, 0.8], "peer_band": ["high", ""],
                             "hidden": ["uniform", ""]})
    out = _withhold_beside_the_report(headline, {("Lv1", "10,001人〜")}, {})
    assert out["peer_band"].tolist() == ["", ""] and out["hidden"].tolist() == ["withheld", ""]
    assert np.isnan(out.loc[0, "peer_n"]) and out.loc[1, "peer_mean"] == 0.8

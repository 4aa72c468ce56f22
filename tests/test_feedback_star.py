"""The ★ page of member feedback: requirements met and not, the cited items with the member's own answers
in its form's words, its distance to ★3 beside its peers' distribution under feedback's k rule.

Catalog facts read by hand (pipeline/catalogs/scs_criteria.csv, auto_items.csv): ★3 requirement 1-2-1
セキュリティ推進活動部門 (役割、責任、権限) cites No.13 and No.15, ★4 adds No.14; 4-1-1 ユーザIDの管理手続
(アイデンティティ管理、認証、アクセス制御) cites No.113, No.117 and No.118 at both stars; no other
requirement cites No.15 or No.113. ★3 judges 21 requirements, ★4 36; 3-1-2, 4-1-2, 4-1-3, 4-1-4 and 4-4-1
are ★3 requirements the checklist cannot judge. Item texts: No.13 セキュリティ対策の責任者を任命している,
No.14 部門ごとにセキュリティ推進の担当者を置いている, No.15 責任者と担当者の役割と権限を文書にしている, No.113
利用者ごとに個別のIDを発行している, No.117 不要になったIDを速やかに削除している, No.118 ID管理の手続を文書にしている.
Form words (vocabularies.yaml): v2.0 ○ × －, v2.1 達成 未達成 対象外.
"""

from __future__ import annotations

import re
from dataclasses import replace

import openpyxl
import pandas as pd

from pipeline.report.feedback_doc import write_feedback
from pipeline.report.member_page import member_page
from pipeline.report.star_page import star_page
from pipeline.scoring.disclosure import protect_distribution
from pipeline.scoring.feedback import feedback_tables
from pipeline.scoring.respondent import score_store_tables
from pipeline.scoring.star_feedback import _peer_distances, star_feedback
from tests.test_scoring import responses


class _Recorder:
    """Stands in for the member PDF's canvas (:class:`pipeline.publish.feedback_pdf._Page`): keeps the texts."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.pages = 0

    def new_page(self) -> None:
        self.pages += 1

    def text(self, x, y, text, size, **kw) -> None:
        self.texts.append(text)

    def rect(self, *args) -> None:
        pass

    def line(self, *args) -> None:
        pass


FAIL_TWO = {"No.15": "not_implemented", "No.113": "not_implemented"}


def _store(members: dict[str, tuple[str, str, dict[str, str]]], drop: dict[str, tuple[str, ...]] | None = None
           ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """scores, respondents, responses, identities of automotive FY2024 members: key → (size band,
    template version, answers that differ from 'implemented')."""
    parts = []
    for key, (_, version, answers) in members.items():
        sheet = responses("auto", answers, key=key, drop=(drop or {}).get(key, ()))
        parts.append(sheet.assign(template_version=version,
                                  answer_raw=sheet["answer"].map({"implemented": "○", "not_implemented": "×"})))
    resp = pd.concat(parts, ignore_index=True)
    scores = score_store_tables(resp.drop(columns="answer_raw"))
    respondents = pd.DataFrame([{"sector": "auto", "year": 2024, "respondent_key": key, "size_band": band,
                                 "template_version": version} for key, (band, version, _) in members.items()])
    identities = respondents[["sector", "year", "respondent_key"]].assign(
        company_name=lambda d: "社" + d["respondent_key"], corporate_number="")
    return scores, respondents, resp.drop(columns="template_version"), identities


def _sheet_rows(path) -> list[list[str]]:
    wb = openpyxl.load_workbook(path)
    ws = wb["★3・★4" if "★3・★4" in wb.sheetnames else "★3 and ★4"]  # an English workbook names it in English
    return [["" if v is None else v for v in row] for row in ws.iter_rows(values_only=True)]


def _table(rows: list[list], heading: str) -> list[list]:
    """The rows of the requirement table under ``heading`` (without its header), up to the next blank row."""
    start = next(i for i, r in enumerate(rows) if r[0] == heading) + 3  # heading, note, header
    out = []
    for r in rows[start:]:
        if not any(r):
            break
        out.append(r)
    return out


def test_a_member_failing_exactly_1_2_1_and_4_1_1_sees_those_two_with_its_items_and_answers(tmp_path):
    """X (v2.0 form, ○ × －) fails No.15 and No.113: two short of ★3 and of ★4. Three members in all,
    k = 5: no peer group of five anywhere, so the distribution is withheld."""
    scores, respondents, resp, identities = _store({"X": ("101〜300人", "auto-v2.0", FAIL_TWO),
                                                    "A": ("101〜300人", "auto-v2.0", {}),
                                                    "B": ("〜100人", "auto-v2.0", {})})
    star = star_feedback(scores, respondents, resp, "auto", 2024, k=5)
    x = star["X"]
    assert x.distance == {3: 2.0, 4: 2.0} and x.n_judged == {3: 21, 4: 36}
    assert x.peers.hidden == "primary" and x.peers.counts is None
    per = feedback_tables(scores, respondents, resp, "auto", 2024, k=5)
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=5, workers=1, pdf=True, star=star)
    path = files.workbooks[2]  # 社A, 社B, 社X by name
    assert openpyxl.load_workbook(path).sheetnames == ["概要", "スコア", "優先して取り組む項目", "★3・★4"]
    rows = _sheet_rows(path)
    text = [r[0] for r in rows if r[0]]
    # provenance: the ★ table applied, on the cover (説明 part) and on the ★ page (shipped table of March 2026)
    cover = {r[0]: r[1] for r in openpyxl.load_workbook(path)["概要"].iter_rows(values_only=True) if r[0]}
    assert cover["★ 要求事項・評価基準表"] == "2026-03(同梱)"  # its origin in Japanese words on a Japanese page
    assert any(t.endswith("(適用した表: 2026-03(同梱))。") for t in text)
    assert any("2026年3月版" in t for t in text) and not any("shipped" in t for t in text)
    assert "★3: 判定できる要求事項21件のうち19件を満たし、2件を満たしていません(★3まであと2件)。" in text
    assert "★4: 判定できる要求事項36件のうち34件を満たし、2件を満たしていません(★4まであと2件)。" in text
    assert "★3 の要求事項を判定できた事業者が5社未満のため、比較群の分布を示していません。" in text
    head = next(i for i, r in enumerate(rows) if r[0] == "★3 で満たしていない要求事項の数")
    assert rows[head][3:6] == ["比較群の社数", "比較群の割合", "貴社"]
    assert [r[0] for r in rows[head + 1:head + 7]] == ["0件(★3 の判定できる要求事項をすべて満たす)", "1件", "2件",
                                                      "3件", "4〜5件", "6件以上"]
    assert [r[3:6] for r in rows[head + 1:head + 7]] == [["x", "x", ""]] * 2 + [
        ["x", "x", "◀ 貴社"]] + [["x", "x", ""]] * 3
    star3 = _table(rows, "★3 の要求事項")
    assert star3[:5] == [
        ["1-2-1", "役割、責任、権限", "セキュリティ推進活動部門", "満たしていない", "No.13",
         "セキュリティ対策の責任者を任命している", "○"],
        ["", "", "", "", "No.15", "責任者と担当者の役割と権限を文書にしている", "▶ ×"],
        ["4-1-1", "アイデンティティ管理、認証、アクセス制御", "ユーザIDの管理手続", "満たしていない", "No.113",
         "利用者ごとに個別のIDを発行している", "▶ ×"],
        ["", "", "", "", "No.117", "不要になったIDを速やかに削除している", "○"],
        ["", "", "", "", "No.118", "ID管理の手続を文書にしている", "○"]]
    status = {r[0]: r[3] for r in star3 if r[0]}
    assert sum(s == "満たしている" for s in status.values()) == 19
    assert {r for r, s in status.items() if s == "判定できない ※"} == {"3-1-2", "4-1-2", "4-1-3", "4-1-4", "4-4-1"}
    assert len(status) == 26  # every ★3 requirement, once
    star4 = _table(rows, "★4 の要求事項")
    assert star4[:4] == [
        ["1-2-1", "役割、責任、権限", "セキュリティ推進活動部門", "満たしていない", "No.13",
         "セキュリティ対策の責任者を任命している", "○"],
        ["", "", "", "", "No.14", "部門ごとにセキュリティ推進の担当者を置いている", "○"],
        ["", "", "", "", "No.15", "責任者と担当者の役割と権限を文書にしている", "▶ ×"],
        ["4-1-1", "アイデンティティ管理、認証、アクセス制御", "ユーザIDの管理手続", "満たしていない",
         "No.113, No.117, No.118", "★3 の表と同じ項目・回答", ""]]
    assert len({r[0] for r in star4 if r[0]}) == 43
    # the PDF: the main page, then the ★ page on pages of its own (drawn here on a stand-in that records)
    canvas = _Recorder()
    star_page(x, member_page("X", "社X", *per["X"], "auto", 2024, "ja", 5), "auto", 5).draw_pdf(canvas)
    assert canvas.pages >= 1 and len(re.findall(rb"/Type /Page\b", files.pdfs[2].read_bytes())) == 1 + canvas.pages
    drawn = [t.replace("\n", "") for t in canvas.texts]
    for words in ("★3・★4 要求事項の充足状況", "No.15", "責任者と担当者の役割と権限を文書にしている", "▶ ×",
                  "★3 の表と同じ項目・回答",
                  "★3 の要求事項を判定できた事業者が5社未満のため、比較群の分布を示していません。",
                  "★3: 判定できる要求事項21件のうち19件を満たし、2件を満たしていません(★3まであと2件)。"):
        assert words in drawn
    # the requirements met and not judgeable, by number and name (the workbook has them as table rows)
    met = next(t for t in drawn if t.startswith("満たしている(19件): "))
    assert met.startswith("満たしている(19件): 1-2-3 守秘義務のルール、1-3-1 セキュリティ対応方針の策定、")
    unjudgeable = drawn[drawn.index(met) + 1]
    assert unjudgeable.startswith("判定できない ※(5件): 3-1-2 ネットワークに関する情報の把握、"
                                  "4-1-2 管理者IDの管理手続、")


def test_answers_read_as_the_members_own_form_writes_them(tmp_path):
    """Y answers on a v2.1 form: No.15 unreadable (it wrote 検討中), No.113 missing from its file, No.117
    left blank: each shown as what keeps 1-2-1 and 4-1-1 unmet, in 達成 / 未達成 words."""
    scores, respondents, resp, identities = _store(
        {"Y": ("〜100人", "auto-v2.1", {"No.15": "invalid", "No.117": "unanswered"})}, drop={"Y": ("No.113",)})
    resp.loc[resp["item_id"].eq("No.15"), "answer_raw"] = "検討中"
    resp.loc[resp["answer"].eq("implemented"), "answer_raw"] = "達成"
    star = star_feedback(scores, respondents, resp, "auto", 2024, k=5)
    per = feedback_tables(scores, respondents, resp, "auto", 2024, k=5)
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=5, workers=1, star=star)
    star3 = _table(_sheet_rows(files.workbooks[0]), "★3 の要求事項")
    assert [r[4:] for r in star3[:5]] == [
        ["No.13", "セキュリティ対策の責任者を任命している", "達成"],
        ["No.15", "責任者と担当者の役割と権限を文書にしている", "▶ 判読不能(「検討中」)"],
        ["No.113", "利用者ごとに個別のIDを発行している", "▶ 記載なし"],
        ["No.117", "不要になったIDを速やかに削除している", "▶ 未回答"],
        ["No.118", "ID管理の手続を文書にしている", "達成"]]


def test_the_peer_distribution_follows_feedbacks_k_rule():
    """k = 3. Size band S: X (2 short), A (ready), B and C (1 short each: No.15) → S's own distribution of
    four. Band L: D (1 short: No.113) and E (ready) are two, fewer than k → the sector's six."""
    members = {"X": ("S", "auto-v2.2", FAIL_TWO), "A": ("S", "auto-v2.2", {}),
               "B": ("S", "auto-v2.2", {"No.15": "not_implemented"}), "C": ("S", "auto-v2.2", {"No.15": "unanswered"}),
               "D": ("L", "auto-v2.2", {"No.113": "not_implemented"}), "E": ("L", "auto-v2.2", {})}
    scores, respondents, resp, _ = _store(members)
    star = star_feedback(scores, respondents, resp, "auto", 2024, k=3)
    # S holds 1, 2, 1, 0, 0, 0 in bands 0, 1, 2, 3, 4–5, 6+: every band has fewer than 3 peers (or none), so
    # each is hidden as the published tables hide a cell; the group's size stays
    assert star["X"].peers.counts == (None,) * 6
    assert star["X"].peers.group == "S" and star["X"].peers.n == 4 and star["A"].peers == star["X"].peers
    # the sector's 2, 3, 1, 0, 0, 0: band 1 holds 3 peers and 3 outside it (both ≥ k), the rest are hidden
    # and pool 2 + 1 = 3 ≥ k peers, so band 1 alone is shown
    assert star["D"].peers.group == "全体" and star["D"].peers.n == 6
    assert star["D"].peers.counts == (None, 3, None, None, None, None)
    assert star["D"].peers.hidden_bands == ("primary", "", "primary", "uniform", "uniform", "uniform")
    assert star["E"].distance[3] == 0 and star["D"].distance[3] == 1


def test_a_distribution_with_every_peer_in_one_band_is_withheld():
    """Four ready members, k = 3 (each has the 3 others the k rule asks for): the distribution would tell
    each that every peer is ready."""
    scores, respondents, resp, _ = _store({key: ("S", "auto-v2.2", {}) for key in "PQRS"})
    star = star_feedback(scores, respondents, resp, "auto", 2024, k=3)
    assert star["P"].peers.hidden == "uniform" and star["P"].peers.counts is None and star["P"].peers.n is None


def test_the_english_page_keeps_the_forms_own_words(tmp_path):
    """In English the answer stays the form's own mark, with its meaning beside it."""
    scores, respondents, resp, identities = _store({"X": ("S", "auto-v2.0", FAIL_TWO)})
    star = star_feedback(scores, respondents, resp, "auto", 2024, k=5)
    per = feedback_tables(scores, respondents, resp, "auto", 2024, k=5)
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=5, workers=1, star=star, lang="en")
    assert openpyxl.load_workbook(files.workbooks[0]).sheetnames[-1] == "★3 and ★4"  # no Japanese 「・」
    star3 = _table(_sheet_rows(files.workbooks[0]), "★3 requirements")
    assert star3[1][4:] == ["No.15", "Documents the roles and authority of the security lead and contacts",
                            "▶ × (Not achieved)"]
    assert star3[0][6] == "○ (Achieved)"
    # the requirement and its category in English (our translation in scs_requirements.csv), not Japanese
    assert star3[0][:4] == ["1-2-1", "Roles, responsibilities and authorities", "Security promotion function",
                            star3[0][3]]
    assert star3[2][:3] == ["4-1-1", "Identity management, authentication and access control",
                            "User ID management procedure"]


def test_bands_of_fewer_than_k_peers_read_x_as_in_the_published_tables(tmp_path):
    """A peer group of 20 in bands 0, 1, 2, 3, 4–5, 6+ of 12, 1, 3, 2, 2, 0 at k = 5. Bands 1, 2, 3 and 4–5
    hold 1–4 companies (primary), band 6+ none (a share of 0 %, a statement about every peer: uniform); the
    hidden bands pool 1 + 3 + 2 + 2 = 8 ≥ 5 peers, so no further band goes and band 0 (12, with 8 outside
    it) is shown. X, two short, keeps its mark on band 2, which reads x."""
    scores, respondents, resp, identities = _store({"X": ("S", "auto-v2.2", FAIL_TWO)})
    star = star_feedback(scores, respondents, resp, "auto", 2024, k=5)
    # the peer group as the store would hold it: X and 19 others of size band S, distances typed by hand
    distances = [2] + [0] * 12 + [1] + [2] * 2 + [3] * 2 + [4, 5]
    keys = ["X", *(f"p{i:02d}" for i in range(19))]
    ready = pd.DataFrame({"distance": [float(d) for d in distances]}, index=pd.Index(keys, name="respondent_key"))
    group = pd.DataFrame({"respondent_key": keys, "size_band": "S"})
    peers = _peer_distances(ready, group, "auto", 5)["X"]
    assert peers.n == 20 and peers.counts == (12, None, None, None, None, None)
    assert peers.hidden_bands == ("", "primary", "primary", "primary", "primary", "uniform")
    x = replace(star["X"], peers=peers)
    per = feedback_tables(scores, respondents, resp, "auto", 2024, k=5)
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=5, workers=1, star={"X": x})
    rows = _sheet_rows(files.workbooks[0])
    head = next(i for i, r in enumerate(rows) if r[0] == "★3 で満たしていない要求事項の数")
    assert [r[3:6] for r in rows[head + 1:head + 7]] == [
        [12, 0.6, ""], ["x", "x", ""], ["x", "x", "◀ 貴社"], ["x", "x", ""], ["x", "x", ""], ["x", "x", ""]]
    legend = ("x: 秘匿(この区分の事業者、又は比較群のそれ以外の事業者が5社未満のため、又は比較群の社数と他の区分から"
              "算出できるため。公表する集計表と同じルール)。")
    assert rows[head + 7][0] == legend
    # the PDF pages say the same
    canvas = _Recorder()
    star_page(x, member_page("X", "社X", *per["X"], "auto", 2024, "ja", 5), "auto", 5).draw_pdf(canvas)
    drawn = [t.replace("\n", "") for t in canvas.texts]
    assert legend in drawn and "60.0%" in drawn and drawn.count("x") == 10


def test_a_band_is_hidden_with_a_second_one_so_the_group_size_does_not_give_it_back():
    """14, 5, 1, 0, 0, 0 of 20 at k = 5: band 2 (1 peer) and bands 3, 4–5, 6+ (none) are hidden, but they pool
    1 peer, which the group's 20 minus the 14 and 5 shown would give back; the smallest band shown, band 1
    (5), is hidden with them: 6 ≥ 5 pooled. Band 0 (14, with 6 outside it) stays."""
    assert protect_distribution([14, 5, 1, 0, 0, 0], k=5) == (
        ("", "complementary", "primary", "uniform", "uniform", "uniform"), "")
    assert protect_distribution([12, 1, 3, 2, 2, 0], k=5) == (
        ("", "primary", "primary", "primary", "primary", "uniform"), "")
    # 16 of 20 in one band: only 4 outside it, so that band goes too (split), and with it every band
    assert protect_distribution([16, 4, 0, 0, 0, 0], k=5)[0] == ("split", "primary", "uniform", "uniform", "uniform",
                                                                  "uniform")


def test_the_distribution_is_the_published_one_and_its_hidden_bands_read_x(tmp_path):
    """The ★3 bands come from the report's distance table: 301〜1,000人 published with bands 1–6+ hidden and the
    sector total published with band 3 hidden too, so X (two short) sees its own group's 100 companies with 54 in
    band 0 and x elsewhere; where the total shows every band, X is compared with it and the page says why."""
    from pipeline.scoring.star_feedback import published_distances

    scores, respondents, resp, identities = _store({"X": ("301〜1,000人", "auto-v2.2", FAIL_TWO)})
    nan = float("nan")
    band_rows = [("301〜1,000人", 0, 54.0, ""), *(("301〜1,000人", b, nan, "complementary") for b in range(1, 6)),
                 ("全体", 0, 208.0, ""), ("全体", 1, 54.0, ""), ("全体", 2, 30.0, ""), ("全体", 3, nan, "primary"),
                 ("全体", 4, 42.0, ""), ("全体", 5, 159.0, "")]
    bands = pd.DataFrame(band_rows, columns=["segment", "band", "n", "hidden"]).assign(
        total=lambda d: d["segment"].map({"301〜1,000人": 100.0, "全体": 520.0}))
    star = star_feedback(scores, respondents, resp, "auto", 2024, k=5, published=bands)
    peers = star["X"].peers
    assert peers.group == "301〜1,000人" and peers.n == 100 and peers.counts == (54, None, None, None, None, None)
    per = feedback_tables(scores, respondents, resp, "auto", 2024, k=5)
    files = write_feedback(per, identities, "auto", 2024, tmp_path, k=5, workers=1, star=star)
    rows = _sheet_rows(files.workbooks[0])
    head = next(i for i, r in enumerate(rows) if r[0] == "★3 で満たしていない要求事項の数")
    # 54 of 100 = 54 %; the member's band (2) keeps its mark beside the x
    assert [r[3:6] for r in rows[head + 1:head + 7]] == [
        [54, 0.54, ""], ["x", "x", ""], ["x", "x", "◀ 貴社"], ["x", "x", ""], ["x", "x", ""], ["x", "x", ""]]
    assert rows[head + 7][0].startswith("x: 秘匿(")
    # the total published in full: X is compared with it, 208 of 520 in band 0, and told why
    full = bands.copy()
    full.loc[full["segment"].eq("全体") & full["band"].eq(3), ["n", "hidden"]] = [27.0, ""]
    peers = published_distances(full, respondents, "auto", {})["X"]
    assert peers.group == "全体" and peers.n == 520 and peers.counts == (208, 54, 30, 27, 42, 159)
    page = star_page(replace(star["X"], peers=peers), member_page("X", "社X", *per["X"], "auto", 2024, "ja", 5),
                     "auto", 5)
    canvas = _Recorder()
    page.draw_pdf(canvas)
    drawn = " ".join(t.replace("\n", "") for t in canvas.texts)
    assert ("比較: 自動車分野全体の520社。貴社の従業員規模「301〜1,000人」の分布は、"
            "公表する集計表で一部の区分が秘匿(x)のため示していません。") in drawn

"""The quarantine report: what an association clerk must act on, in Japanese, per company and file.

An operational output of the association (it names companies); never part of a published report.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

import pandas as pd

from pipeline import catalogs
from pipeline.ingest.parse import Parsed
from pipeline.ingest.reasons import DETAIL_SEP, FLAGS, REASONS
from pipeline.xlsx import csv_safe, workbook, write_sheet

STATUS_JA = {"quarantined": "隔離", "superseded": "置換済み", "ingested": "取込済み(要確認)"}
HEADERS_JA = {"sector": "分野", "year": "年度", "status": "状態", "source_path": "ファイル", "company_name": "事業者名",
              "corporate_number": "法人番号", "problem_ja": "問題", "action_ja": "依頼事項", "detail": "詳細",
              "reason": "理由コード"}



LEGAL_FORMS = ("株式会社", "有限会社", "合同会社", "合資会社", "合名会社", "一般社団法人", "一般財団法人",
               "公益社団法人", "公益財団法人", "独立行政法人", "地方独立行政法人")
FROM_FILE_NAME = "(ファイル名から)"
"""Said after a company name read from the file name, not from the form's cover (which could not be read)."""
DETAIL_JA = [  # the reader's technical messages for files that could not be read, in the clerk's words
    (r"^an open password protects the workbook$", "ブックを開くパスワードが設定されています"),
    (r"^the workbook cannot be opened \(calamine error: Cannot detect file format\)$",
     "ブックを開けません: ファイル形式を判別できません(壊れているか、Excel 以外の形式です)"),
    (r"^the workbook cannot be opened \((.*)\)$", r"ブックを開けません(技術情報: \1)"),
    (r"^consolidated export, (\d+) rows$", r"一括出力ファイル(\1行)"),
    (r"^consolidated export$", "一括出力ファイル"),
    (r"^row (\d+)$", r"一括出力ファイルの\1行目"),
    (r"^could not be read: still reading after ([\d.]+) s \(stopped\)$", r"\1秒たっても読み終わらないため中止しました"),
    (r"^the file is a PDF, not a workbook$", "PDF ファイルです。Excel(.xlsx)で提出してください。"),
    (r"^the file is an HTML page, not a workbook$",
     "Web ページ(HTML)のファイルです(Excel の「Web ページとして保存」など)。Excel(.xlsx)で提出してください。"),
    (r"^the file is CSV text, not a workbook$", "CSV(テキスト)ファイルです。Excel(.xlsx)で提出してください。"),
    (r"^the file is a Word document, not a workbook$", "Word 文書です。Excel(.xlsx)で提出してください。"),
    (r"^the file is a PowerPoint presentation, not a workbook$",
     "PowerPoint ファイルです。Excel(.xlsx)で提出してください。"),
    (r"^the file is a ZIP archive, not a workbook$",
     "ZIP 圧縮ファイルで、Excel ブックではありません。Excel(.xlsx)で提出してください。"),
    (r"^the bytes are not a spreadsheet \(they begin (.*)\)$",
     "Excel のファイルではありません(形式を判別できません)。Excel(.xlsx)で提出してください。"),
    (r"^(\d+) items, none answered$", r"\1項目、回答が1件もありません"),
    (r"^a (\w+) checklist \((.*)\), not (\w+)$", r"\1 分野の様式(\2)です"),
    (r"^member name '(.*)'$", r"圧縮ファイル内の名前「\1」"),
    (r"^([\d,]+) bytes expand to ([\d,]+)$", r"\1 バイトが展開すると \2 バイトになります"),
    (r"^no sheet has the header of a known checklist$", "既知のチェックシートの見出しがあるシートがありません"),
    (r"^neither 法人番号 nor 事業者名$", "法人番号も事業者名も記入されていません"),
    (r"^superseded by (.*)$", r"より新しい提出「\1」に置き換えました"),
]


_DETAIL_JA = [(re.compile(pattern), text) for pattern, text in DETAIL_JA]


def detail_ja(detail: str) -> str:
    """A reader's message in Japanese for the clerk; an unknown message is kept after 技術情報 (never lost)."""
    for pattern, text in _DETAIL_JA:
        if pattern.match(detail):
            out = pattern.sub(text, detail)
            for code in catalogs.sectors():
                out = out.replace(f"{code} 分野", f"{sector_ja(code)}分野")
            return re.sub(r"#row=(\d+)", r"(\1行目)", out)  # another export row, named as the ファイル column names it
    return detail if not detail or not detail.isascii() else f"技術情報: {detail}"


def name_from_file(source_path: str) -> str:
    """The company name a file's name carries ('チェックシート_株式会社X.xlsx' → '株式会社X'), or ''."""
    stem = PurePosixPath(str(source_path).split("!")[-1].replace("\\", "/")).stem
    for part in reversed(re.split(r"[_\s]+", stem)):
        if any(form in part for form in LEGAL_FORMS):
            return part
    return ""


def sector_ja(sector: str) -> str:
    """A sector's Japanese name (catalogs/sectors.yaml), or its code when it is not registered."""
    return str(catalogs.sectors().get(sector, {}).get("name", {}).get("ja", sector))

def quarantine_rows(records: list[Parsed], sector: str, year: int) -> pd.DataFrame:
    """One row per file that was not ingested cleanly: quarantined, superseded, or flagged."""
    rows = []
    for rec in records:
        flags = [f for f in dict.fromkeys(rec.flags) if f in FLAGS]
        if rec.kind in ("archive", "export") and rec.status == "ingested" and not flags:
            continue  # a container opened cleanly; one with a flag (an export's version) is the file to ask about
        if rec.status == "ingested" and not flags:
            continue
        if rec.status == "ingested":
            problem = "; ".join(FLAGS[f][0] for f in flags)
            action = "; ".join(FLAGS[f][1] for f in flags)
            code = " ".join(flags)
        else:
            problem, action = REASONS[rec.reason]
            code = rec.reason
        name = str(rec.attributes.get("company_name") or "")
        if not name and (guess := name_from_file(rec.source_path)):  # the cover could not be read: say so
            name = guess + FROM_FILE_NAME
        rows.append({"sector": sector, "year": year, "source_path": rec.source_path, "status": rec.status,
                     "reason": code, "company_name": name,
                     "corporate_number": str(rec.attributes.get("corporate_number") or ""),
                     "problem_ja": problem, "action_ja": action,
                     "detail": DETAIL_SEP.join(x for x in [detail_ja(rec.detail), *rec.warnings] if x)})
    return pd.DataFrame(rows, columns=["sector", "year", "source_path", "status", "reason", "company_name",
                                       "corporate_number", "problem_ja", "action_ja", "detail"])


def write_report(table: pd.DataFrame, store: Path, roster: pd.DataFrame | None = None) -> tuple[Path, Path]:
    """quarantine_report.xlsx and .csv (UTF-8 with BOM, so Excel opens it) with Japanese headers.

    With a roster, the workbook has a second sheet 未回答: members who have not answered in the most
    recent year of each sector (the survey being chased now).
    """
    draft_report(table, store, roster)
    return publish_report(store)


def _report_paths(store: Path) -> tuple[Path, Path, Path, Path]:
    """The report's two files, and the drafts they are written to first."""
    xlsx, csv = store / "quarantine_report.xlsx", store / "quarantine_report.csv"
    return xlsx, csv, xlsx.with_suffix(".xlsx.tmp"), csv.with_suffix(".csv.tmp")


def publish_report(store: Path) -> tuple[Path, Path]:
    """The drafts :func:`draft_report` wrote, renamed into place: the report's .xlsx and .csv."""
    xlsx, csv, tmp_x, tmp_c = _report_paths(store)
    tmp_x.replace(xlsx)
    tmp_c.replace(csv)
    return xlsx, csv


def discard_report(store: Path) -> None:
    """The drafts removed: the store write they were drafted beside did not happen."""
    for draft in _report_paths(store)[2:]:
        draft.unlink(missing_ok=True)


def draft_report(table: pd.DataFrame, store: Path, roster: pd.DataFrame | None = None) -> None:
    """The report :func:`write_report` writes, as drafts beside its files: what a reader of the store sees does
    not change until :func:`publish_report` (ingest drafts it on a thread while the store is written)."""
    # the flagged rows last: the sheet prints the rows above them, and 要確認 prints them, one file a row
    order = {"quarantined": 0, "superseded": 1, "ingested": 2}
    roster_rows = table["reason"].str.startswith("roster_")
    full = table
    table = table[~roster_rows]
    # every sector and year's flagged rows after all the others: the print area is the rows above them (sorted by
    # sector and year first, 2022's flagged rows printed between 2022's and 2023's quarantined ones)
    out = (table.assign(_f=table["status"].eq("ingested"), _o=table["status"].map(order))
           .sort_values(["_f", "sector", "year", "_o", "source_path"])
           .drop(columns=["_f", "_o"])
           .assign(sector=lambda d: d["sector"].map(sector_ja), status=lambda d: d["status"].map(STATUS_JA),
                   source_path=lambda d: d["source_path"].map(place_ja))
           [list(HEADERS_JA)].rename(columns=HEADERS_JA))
    tmp_x, tmp_c = _report_paths(store)[2:]
    store.mkdir(parents=True, exist_ok=True)  # ingest drafts it before the store's first write
    wb = workbook(tmp_x)
    # widths (characters) that print one A4 landscape page wide at about 9 pt; long text wraps in them
    write_sheet(wb, "隔離・要確認", out, [8, 6, 16, 26, 20, 15, 26, 28, 30, 17], wrap=True,
                hidden=[list(out.columns).index(HEADERS_JA["reason"])])
    flagged = int(out[HEADERS_JA["status"]].eq(STATUS_JA["ingested"]).sum())
    # each case printed once: the flagged rows print on 要確認 (one file a row), not here as well; the reason codes
    # are for scripts, neither shown nor printed
    printed = len(out) - flagged if flagged < len(out) else len(out)
    _print_setup(wb, PRINTED_NOTE if flagged and printed < len(out) else "", rows=printed, columns=len(out.columns) - 1)
    _note_on_header(wb, list(out.columns).index(HEADERS_JA["status"]), SUBSET_NOTE)
    _note_on_header(wb, list(out.columns).index(HEADERS_JA["reason"]), CODES_NOTE)
    check = to_check(table)
    # the printed columns (all but 理由コード, hidden) a page wide (about 9 pt); file, 依頼事項 and 詳細 so wide
    # that the demo's rows take the fewest lines in all (file names wrap most)
    write_sheet(wb, "要確認", check, [7, 5, 40, 24, 14, 24, 38, 32, 16], wrap=True,
                hidden=[list(check.columns).index(CHECK_HEADERS["reason"])])
    _print_setup(wb, SUBSET_NOTE, rows=len(check), columns=len(check.columns) - 1)
    _note_on_header(wb, list(check.columns).index(CHECK_HEADERS["reason"]), CODES_NOTE)
    issues = full[roster_rows]
    if len(issues):
        write_sheet(wb, "名簿", roster_sheet(issues), [8, 6, 24, 24, 15, 10, 34, 34, 30], wrap=True)
        _print_setup(wb)
    if roster is not None and len(roster):
        chase = members_to_chase(roster)
        # not 未回答: the flag 「未回答の項目があります」 is about items; this sheet is about members
        write_sheet(wb, MEMBERS_SHEET, chase, [8, 6, 38, 16, *[30] * (len(chase.columns) - 4)], wrap=True)
        _print_setup(wb)
    wb.close()
    # the CSV keeps one line a file, its details after ' / ' as it always had: scripts read it line by line
    one_line = out.assign(**{HEADERS_JA["detail"]: out[HEADERS_JA["detail"]].fillna("").str.replace(DETAIL_SEP, " / ")})
    csv_safe(one_line).to_csv(tmp_c, index=False, encoding="utf-8-sig")


MEMBERS_SHEET = "回答待ちの会員"
"""Members on the roster of the survey being chased who have not answered yet."""
MEMBER_ATTRIBUTES = {"business_types": "事業区分", "industry": "業種", "size_band": "従業員規模"}
"""What the clerk may sort the members to chase by: each sector's own attributes (power 事業区分, automotive 業種
and 従業員規模); a column no member has is left out."""


def members_to_chase(roster: pd.DataFrame) -> pd.DataFrame:
    """回答待ちの会員: members on the roster of each sector's latest year who have not answered, with the
    attributes their sector records (a power member's 事業区分 in words, an automotive member's 業種)."""
    latest = roster.groupby("sector")["year"].transform("max").eq(roster["year"])
    missing = roster[latest & ~roster["responded"].astype(bool)].sort_values(["sector", "year", "company_name"])
    out = missing.assign(sector=missing["sector"].map(sector_ja),
                         business_types=[business_types_ja(codes, str(sector)) for codes, sector
                                         in zip(missing["business_types"], missing["sector"], strict=True)])
    kept = [c for c in MEMBER_ATTRIBUTES if c in out and out[c].dropna().astype(str).ne("").any()]
    return (out[["sector", "year", "company_name", "corporate_number", *kept]]
            .rename(columns={"sector": "分野", "year": "年度", "company_name": "事業者名",
                             "corporate_number": "法人番号", **MEMBER_ATTRIBUTES}).reset_index(drop=True))


def business_types_ja(codes: object, sector: str) -> object:
    """'RETAIL GENERATION' → '小売電気事業者、発電事業者', by the sector's own business-type catalog; others as
    they are."""
    if not isinstance(codes, str) or not codes:
        return codes
    names = {row["code"]: row["name_ja"] for row in catalogs.business_type_records(sector)}
    return "、".join(names.get(c, c) for c in codes.split())


SUBSET_NOTE = ("「要確認」シートは、このブックの「隔離・要確認」シートの「取込済み(要確認)」の行を、1ファイル1行で"
               "再掲したものです(別の案件ではありません)。確認事項が複数あるファイルは、それぞれを「・」で1回ずつ挙げています。")
"""Said on 要確認 and on the status header of 隔離・要確認: its rows are the flagged rows of 隔離・要確認 again."""
PRINTED_NOTE = ("印刷するのは「隔離」「置換済み」の行です。「取込済み(要確認)」の行は「要確認」シートに1ファイル1行で"
                "印刷します(同じ案件を二度印刷しません)。")
"""Printed at the top of 隔離・要確認, whose print area stops before its flagged rows."""


def place_ja(source_path: str) -> str:
    """Where a row came from, as a clerk reads it: 'x.xlsx#row=96' (the store's locator) → 'x.xlsx(96行目)'."""
    return re.sub(r"#row=(\d+|\?)$", lambda m: f"({m.group(1)}行目)" if m.group(1) != "?" else "", str(source_path))


def _note_on_header(wb, column: int, text: str) -> None:
    """A note on the header cell of ``column`` of the sheet just written (Excel's red corner; shown on hover)."""
    wb.worksheets()[-1].write_comment(0, column, text, {"x_scale": 3, "y_scale": 1.5})


CODES_NOTE = ("理由コード: 取込の記録(manifest)や集計スクリプトが使う英字の記号です。"
              "内容は「問題」「確認事項」欄の日本語と同じです。"
              "この列は非表示にしてあり、印刷されません(CSV 版にもあります)。")
"""On the 理由コード header, a column kept for scripts (as in the CSV) but hidden: the clerk reads the same reasons in
Japanese beside it, and an English code on screen looked like something to act on."""


def _print_setup(wb, header: str = "", rows: int | None = None, columns: int | None = None) -> None:
    """The sheet just written prints as a clerk works from it: A4 landscape, one page wide (its widths keep the
    type at about 9 pt), narrow margins, gridlines, the header row on every page, page numbers in the footer;
    ``header``, a note printed at the top of every page; ``rows`` and ``columns``, the print area (the header
    row and that many rows and columns from the top left)."""
    ws = wb.worksheets()[-1]
    if rows is not None and columns is not None:
        ws.print_area(0, 0, max(rows, 1), max(columns, 1) - 1)
    if header:
        ws.set_header(f"&L&9{header}")
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.hide_gridlines(0)  # 0: shown on screen and printed
    ws.set_footer("&L&A&R&P / &N")


CHECK_HEADERS = {"sector": "分野", "year": "年度", "source_path": "ファイル", "company_name": "事業者名",
                 "corporate_number": "法人番号", "problem_ja": "確認事項", "action_ja": "依頼事項", "detail": "詳細",
                 "reason": "理由コード"}


def to_check(table: pd.DataFrame) -> pd.DataFrame:
    """要確認: ingested files with something that changes a number or an attribute, one row per file; its problems,
    what to ask the member for and the details each listed once, one a line (a file with two problems was two rows
    repeating the file, the company and every detail)."""
    flagged = table[table["status"].eq("ingested") & ~table["reason"].str.startswith("roster_")]
    rows = []
    for rec in flagged.sort_values(["sector", "year", "source_path"]).to_dict("records"):
        codes = [code for code in dict.fromkeys(rec["reason"].split()) if code in FLAGS]
        if not codes:
            continue
        rows.append({**rec, "reason": " ".join(codes), "problem_ja": _listed(FLAGS[c][0] for c in codes),
                     "action_ja": _listed(FLAGS[c][1] for c in codes),
                     "detail": "\n".join(dict.fromkeys(p for p in str(rec["detail"] or "").split(DETAIL_SEP) if p)),
                     "sector": sector_ja(rec["sector"]), "source_path": place_ja(rec["source_path"])})
    return pd.DataFrame(rows, columns=list(CHECK_HEADERS))[list(CHECK_HEADERS)].rename(columns=CHECK_HEADERS)


def _listed(texts) -> str:
    """Texts one a line, each once; with more than one, each after a bullet so that a wrapped line reads as part
    of the text above it."""
    unique = list(dict.fromkeys(texts))
    return unique[0] if len(unique) == 1 else "\n".join(f"・{t}" for t in unique)


ROSTER_HEADERS = {"sector": "分野", "year": "年度", "source_path": "名簿の行", "company_name": "事業者名",
                  "corporate_number": "法人番号", "status": "扱い", "problem_ja": "問題", "action_ja": "依頼事項",
                  "detail": "詳細"}
ROSTER_STATUS_JA = {"quarantined": "除外", "superseded": "統合", "ingested": "取込(一部無視)"}


def roster_sheet(issues: pd.DataFrame) -> pd.DataFrame:
    """名簿: every roster row dropped (no key), merged (duplicate) or read in part (unknown business type)."""
    out = issues.sort_values(["sector", "year", "source_path"]).assign(
        sector=lambda d: d["sector"].map(sector_ja), status=lambda d: d["status"].map(ROSTER_STATUS_JA),
        source_path=lambda d: d["source_path"].map(place_ja))
    return out[list(ROSTER_HEADERS)].rename(columns=ROSTER_HEADERS)


def roster_rows(issues: list[dict], sector: str, year: int) -> pd.DataFrame:
    """Roster problems (from :func:`pipeline.ingest.roster.read_roster`) as rows of the quarantine table."""
    rows = [{"sector": sector, "year": year, "source_path": i["source_path"], "status": i["status"],
             "reason": i["reason"], "company_name": i["company_name"], "corporate_number": i["corporate_number"],
             "problem_ja": REASONS[i["reason"]][0], "action_ja": REASONS[i["reason"]][1], "detail": i["detail"]}
            for i in issues]
    return pd.DataFrame(rows, columns=["sector", "year", "source_path", "status", "reason", "company_name",
                                       "corporate_number", "problem_ja", "action_ja", "detail"])

"""The quarantine report: what an association clerk must act on, in Japanese, per company and file.

An operational output of the association (it names companies); never part of a published report.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.ingest.parse import Parsed
from pipeline.ingest.reasons import FLAGS, REASONS
from pipeline.xlsx import workbook, write_sheet

STATUS_JA = {"quarantined": "隔離", "superseded": "置換済み", "ingested": "取込済み(要確認)"}
HEADERS_JA = {"sector": "分野", "year": "年度", "status": "状態", "source_path": "ファイル", "company_name": "事業者名",
              "corporate_number": "法人番号", "problem_ja": "問題", "action_ja": "依頼事項", "detail": "詳細",
              "reason": "理由コード"}
SECTOR_JA = {"power": "電力", "auto": "自動車"}


def quarantine_rows(records: list[Parsed], sector: str, year: int) -> pd.DataFrame:
    """One row per file that was not ingested cleanly: quarantined, superseded, or flagged."""
    rows = []
    for rec in records:
        if rec.kind in ("archive", "export") and rec.status == "ingested":
            continue
        flags = [f for f in dict.fromkeys(rec.flags) if f in FLAGS]
        if rec.status == "ingested" and not flags:
            continue
        if rec.status == "ingested":
            problem = "; ".join(FLAGS[f][0] for f in flags)
            action = "; ".join(FLAGS[f][1] for f in flags)
            code = " ".join(flags)
        else:
            problem, action = REASONS[rec.reason]
            code = rec.reason
        rows.append({"sector": sector, "year": year, "source_path": rec.source_path, "status": rec.status,
                     "reason": code, "company_name": str(rec.attributes.get("company_name") or ""),
                     "corporate_number": str(rec.attributes.get("corporate_number") or ""),
                     "problem_ja": problem, "action_ja": action,
                     "detail": " / ".join(x for x in [rec.detail, *rec.warnings] if x)})
    return pd.DataFrame(rows, columns=["sector", "year", "source_path", "status", "reason", "company_name",
                                       "corporate_number", "problem_ja", "action_ja", "detail"])


def write_report(table: pd.DataFrame, store: Path, roster: pd.DataFrame | None = None) -> tuple[Path, Path]:
    """quarantine_report.xlsx and .csv (UTF-8 with BOM, so Excel opens it) with Japanese headers.

    With a roster, the workbook has a second sheet 未回答: members who have not answered in the most
    recent year of each sector (the survey being chased now).
    """
    order = {"quarantined": 0, "ingested": 1, "superseded": 2}
    out = (table.assign(_o=table["status"].map(order)).sort_values(["sector", "year", "_o", "source_path"])
           .drop(columns="_o")
           .assign(sector=lambda d: d["sector"].map(SECTOR_JA), status=lambda d: d["status"].map(STATUS_JA))
           [list(HEADERS_JA)].rename(columns=HEADERS_JA))
    xlsx, csv = store / "quarantine_report.xlsx", store / "quarantine_report.csv"
    tmp_x, tmp_c = xlsx.with_suffix(".xlsx.tmp"), csv.with_suffix(".csv.tmp")
    wb = workbook(tmp_x)
    write_sheet(wb, "隔離・要確認", out, [6, 6, 14, 50, 30, 16, 40, 44, 60, 18])
    if roster is not None and len(roster):
        latest = roster.groupby("sector")["year"].transform("max").eq(roster["year"])
        missing = roster[latest & ~roster["responded"]].sort_values(["sector", "year", "company_name"])
        chase = (missing.assign(sector=missing["sector"].map(SECTOR_JA))
                 [["sector", "year", "company_name", "corporate_number", "business_types", "size_band"]]
                 .rename(columns={"sector": "分野", "year": "年度", "company_name": "事業者名",
                                  "corporate_number": "法人番号", "business_types": "事業区分",
                                  "size_band": "従業員規模"}))
        write_sheet(wb, "未回答", chase, [6, 6, 30, 16, 30, 16])
    wb.close()
    out.to_csv(tmp_c, index=False, encoding="utf-8-sig")
    tmp_x.replace(xlsx)
    tmp_c.replace(csv)
    return xlsx, csv

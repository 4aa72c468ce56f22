"""The power sector's 情報セキュリティ対策自己診断票 as a workbook spec (one company)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np

from pipeline import catalogs
from pipeline.catalogs import catalog_cache
from pipeline.synth.layout import checklist_sheet, column_letter, cover_sheet
from pipeline.synth.mess import NATIVE, Quirks, corp_number_cell, date_cell
from pipeline.synth.sheetspec import Formula, Sheet, Workbook

TEMPLATE = "power-2024"
SYSTEMS = ["社内情報システム", "社内情報システム及び発電所の制御システム", "需給管理システム及び顧客管理システム",
           "給電指令システム及び社内情報システム", "発電所の監視制御システム"]


@catalog_cache
def _type_names(column: str) -> dict[str, str]:
    return {row["code"]: row[column] for row in catalogs.business_type_records("power")}


@catalog_cache
def _csf11_names() -> dict[str, str]:
    """CSF 1.1 node id → Japanese name (a dict: a pandas lookup per cell cost more than writing it)."""
    table = catalogs.csf11()
    return dict(zip(table["node_id"], table["name_ja"], strict=True))


class _Item(NamedTuple):
    """What the checklist shows of one item, the same for every company: computed once per process."""

    item_id: str
    category_id: str
    text_ja: str
    function_label: str  # 機能, e.g. "識別 (ID)"
    category_label: str  # カテゴリ, e.g. "資産管理 (ID.AM)"
    target: str  # 対象事業
    report_to_management: bool


@catalog_cache
def _items() -> tuple[_Item, ...]:
    """The power items in catalog order with their labels resolved (catalogs are read once and never
    change within a process, so neither do these)."""
    names = _csf11_names()
    return tuple(_Item(r.item_id, r.category_id, r.text_ja, f"{names[r.item_id[:2]]} ({r.item_id[:2]})",
                       f"{names[r.category_id]} ({r.category_id})", _target_ja(r.applies_to),
                       bool(r.report_to_management))
                 for r in catalogs.power_items().itertuples())


def _types_ja(codes: str, joiner: str) -> str:
    names = _type_names("name_ja")
    return joiner.join(names[c] for c in codes.split())


def _target_ja(applies_to: str) -> str:
    if applies_to == "all":
        return "全事業"
    short = _type_names("short_ja")
    return "・".join(short[c] for c in applies_to.split())


def build(company: dict, written: list[str | None], answered_on: dt.date, quirks: Quirks,
          rng: np.random.Generator) -> tuple[Workbook, str, list[str]]:
    """Workbook, checklist sheet name and answer cells for one company's self-diagnosis."""
    t = catalogs.template(TEMPLATE)
    items = _items()
    employees = company["employees"] if quirks.employees_style == "number" else f"{company['employees']:,}名"
    cover = cover_sheet(quirks.cover_sheet_name or t["cover"]["sheet"], "情報セキュリティ対策自己診断票 表紙", [
        ("事業者名", company["name"]),
        ("法人番号", corp_number_cell(company["corporate_number"], quirks.corp_number_style)),
        ("事業区分", _types_ja(company["business_types"], quirks.types_joiner)),
        ("主たる事業区分", _types_ja(company["main_type"], "")),
        ("従業員数", employees),
        ("回答日", date_cell(answered_on, quirks.date_style)),
        ("回答部署", company["department"]),
        ("診断対象システム", "建設中の発電所の制御システム" if company.get("under_construction")
         else str(rng.choice(SYSTEMS))),
    ], quirks)
    rows = []
    for i, (item, answer) in enumerate(zip(items, written, strict=True)):
        native_not = answer == NATIVE["power"]["not_implemented"]
        rows.append({
            "No.": i + 1,
            "機能": item.function_label,
            "カテゴリ": item.category_label,
            "点検項目ID": item.item_id,
            "点検項目": item.text_ja,
            "対象事業": item.target,
            "経営層報告推奨": "○" if item.report_to_management else None,
            "回答": answer,
            "未実施の理由・対応予定": "予算化のうえ対応予定" if native_not and rng.random() < 0.4 else None,
            "対応予定時期": f"{answered_on.year + 1}年度" if native_not and rng.random() < 0.3 else None,
            "社内文書参照先等": f"情報セキュリティ規程 第{int(rng.integers(2, 40))}条"
            if answer == NATIVE["power"]["implemented"] and rng.random() < 0.3 else None,
        })
    table = checklist_sheet(quirks.checklist_sheet_name or t["checklist"]["sheet"],
                            ["情報セキュリティ対策自己診断票 チェックシート",
                             "回答欄はプルダウンから選択してください。該当しない項目はあらかじめ「該当しない」としています。"],
                            t["checklist"]["columns"], rows, "回答", "カテゴリ", quirks, rng,
                            list(NATIVE["power"].values()))
    summary = _summary_sheets(table.sheet.name, table.columns, table.header_row, len(rows), items, written)
    sheets = [cover, table.sheet, *summary]
    if quirks.sheets_reordered:
        sheets = [table.sheet, cover, *summary]
    if quirks.notes_sheet:
        notes = Sheet("記入上の注意")
        notes.put(0, 0, "記入上の注意：回答はチェックシートのプルダウンから選択してください。")
        sheets.insert(0, notes)
    return Workbook(sheets), table.sheet.name, table.answer_cells


def _summary_sheets(checklist: str, columns: list[str], header: int, n: int, items: tuple[_Item, ...],
                    written: list[str | None]) -> list[Sheet]:
    """可視化結果 and 可視化結果(広域機関用): formulas over the checklist with the values Excel would cache."""
    id_col = column_letter(columns.index("点検項目ID"))
    ans_col = column_letter(columns.index("回答"))
    first, last = header + 2, header + 1 + n + 4
    ref = f"'{checklist.strip()}'" if checklist == checklist.strip() else f"'{checklist}'"
    native = NATIVE["power"]
    counts_by_cat: dict[str, dict[str, int]] = {}
    for item, answer in zip(items, written, strict=True):
        c = counts_by_cat.setdefault(item.category_id, dict.fromkeys(native, 0) | {"n": 0})
        c["n"] += 1
        for canon, text in native.items():
            c[canon] += answer == text
    names = _csf11_names()
    occto = Sheet("可視化結果(広域機関用)")
    vis = Sheet("可視化結果")
    for c, label in enumerate(["カテゴリ", "対象項目数", "実施", "一部実施", "未実施", "該当なし", "実施率"]):
        occto.put(0, c, label)
    vis.put(0, 0, "カテゴリ")
    vis.put(0, 1, "実施率")
    for r, (cat, c) in enumerate(counts_by_cat.items(), start=1):
        rng_id = f"{ref}!${id_col}${first}:${id_col}${last}"
        rng_ans = f"{ref}!${ans_col}${first}:${ans_col}${last}"
        occto.put(r, 0, f"{names[cat]} ({cat})")
        occto.put(r, 1, Formula(f'COUNTIFS({rng_id},"{cat}-*")', c["n"]))
        for k, canon in enumerate(["implemented", "partial", "not_implemented", "not_applicable"], start=2):
            occto.put(r, k, Formula(f'COUNTIFS({rng_id},"{cat}-*",{rng_ans},"{native[canon]}")', c[canon]))
        denom = c["n"] - c["not_applicable"]
        rate = (c["implemented"] + 0.5 * c["partial"]) / denom if denom else 0
        b, c_, d, f = (f"{x}{r + 1}" for x in "BCDF")
        occto.put(r, 6, Formula(f"IF({b}-{f}=0,0,({c_}+0.5*{d})/({b}-{f}))", round(rate, 4)))
        vis.put(r, 0, cat)
        vis.put(r, 1, Formula(f"'可視化結果(広域機関用)'!G{r + 1}", round(rate, 4)))
    vis.radar = ("カテゴリ別実施率", 1, len(counts_by_cat), 1)
    return [vis, occto]

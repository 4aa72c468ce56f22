"""The automotive checklist (自工会/部工会 v2.0 … v2.3): per-company workbooks and the web export."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.catalogs import catalog_cache
from pipeline.header_roles import column_role
from pipeline.synth.layout import checklist_sheet, column_letter, cover_sheet
from pipeline.synth.mess import NATIVE, Quirks, corp_number_cell, date_cell, native_answers
from pipeline.synth.sheetspec import Formula, Sheet, Workbook

SURVEY_OPENS = (10, 1)  # the automotive survey opens on 1 October of the fiscal year


def template_for_year(year: int) -> str:
    """The form a fiscal year's survey sends out: the newest version the generator can write that was
    published before the survey opened (v2.0 for FY2022, v2.1 for FY2023, v2.2 for FY2024, v2.3 from
    FY2025, as the catalogs' ``published`` dates say; a project's own template counts too)."""
    opens = dt.date(year, *SURVEY_OPENS)
    dated = [(_published(v), v) for v in catalogs.template_versions("auto")
             if v in NATIVE or catalogs.template(v).get("answers")]
    usable = [d_v for d_v in dated if d_v[0] is not None and d_v[0] <= opens]
    if not usable:
        raise ValueError(f"no automotive template for FY{year}: the 153-item checklist starts with v2.0 in FY2022")
    return max(usable)[1]


def _published(version: str) -> dt.date | None:
    value = catalogs.template(version).get("published")
    return value if isinstance(value, dt.date) else None


def version_label(template_version: str) -> str:
    """'Ver.2.3', as the title of the form writes it."""
    t = catalogs.template(template_version)
    return "Ver." + str(t.get("version") or template_version.split("-v")[1])


class _Item(NamedTuple):
    """What the checklist shows of one item, the same for every company: computed once per process."""

    number: int  # No., from the item id "No.12"
    level: str
    domain: str  # 分類, the domain's Japanese name ('' for an imported item not yet given a domain)
    text_ja: str


@catalog_cache
def _items(template_version: str) -> tuple[_Item, ...]:
    """The items of one version in catalog order with their domain names resolved (read once per
    version; a pandas lookup per item cost more than writing the cell)."""
    domains = catalogs.auto_domains()
    names = dict(zip(domains["domain_id"], domains["name_ja"], strict=True))
    return tuple(_Item(int(r.item_id[3:]), r.level, names.get(r.domain_id, ""), r.text_ja)
                 for r in catalogs.items_for(template_version).itertuples())


def build(company: dict, written: list[str | None], template_version: str, answered_on: dt.date,
          quirks: Quirks, rng: np.random.Generator) -> tuple[Workbook, str, list[str]]:
    """Workbook, checklist sheet name and answer cells for one company's self-assessment."""
    t = catalogs.template(template_version)
    items = _items(template_version)
    label = version_label(template_version)
    cover = cover_sheet(quirks.cover_sheet_name or t["cover"]["sheet"], f"チェックシート 表紙 ({label})", [
        ("会社名", company["name"]),
        ("法人番号", corp_number_cell(company["corporate_number"], quirks.corp_number_style)),
        ("所属団体", company["member_org"]),
        ("業種", company["industry"]),
        ("従業員数", company["size_band"]),
        ("資本金", company["capital"]),
        ("目標レベル", company["target_level"]),
        ("回答日", date_cell(answered_on, quirks.date_style)),
    ], quirks)
    native = native_answers(template_version)
    columns = t["checklist"]["columns"]
    roles = {label: column_role(label) for label in columns}  # an imported form names its columns its own way
    rows = []
    for item, answer in zip(items, written, strict=True):
        values = _by_role(item, answer, native, answered_on, rng)  # once per item: one draw of rng at most
        rows.append({label: values.get(role) for label, role in roles.items() if role})
    table = checklist_sheet(quirks.checklist_sheet_name or t["checklist"]["sheet"],
                            [f"自動車産業サイバーセキュリティガイドライン チェックシート {label}",
                             "回答欄から選択してください。"],
                            columns, rows, _label(roles, "answer"), _label(roles, "domain"), quirks, rng,
                            list(native.values()))
    summary = _summary(table.sheet.name, table.columns, table.header_row, len(rows), items, written, template_version)
    sheets = [table.sheet, cover, summary] if quirks.sheets_reordered else [cover, table.sheet, summary]
    if quirks.notes_sheet:
        notes = Sheet("記入方法")
        notes.put(0, 0, "各要求事項について、達成状況を回答欄に記入してください。")
        sheets.insert(0, notes)
    return Workbook(sheets), table.sheet.name, table.answer_cells


def _by_role(item: _Item, answer: str | None, native: dict[str, str], answered_on: dt.date,
             rng: np.random.Generator) -> dict[str, object]:
    """What one item's row holds, by the role of its column."""
    return {"no": item.number, "level": item.level, "domain": item.domain, "requirement": item.text_ja,
            "condition": "規程・記録・設定などで実施を確認できること", "answer": answer,
            "plan_if_not": f"{answered_on.year + 1}年度中に対応"
            if answer == native["not_implemented"] and rng.random() < 0.3 else None}


def _label(roles: dict[str, str | None], role: str) -> str | None:
    """The first column of the template that plays ``role`` (None when none does)."""
    return next((label for label, r in roles.items() if r == role), None)


def _summary(checklist: str, columns: list[str], header: int, n: int, items: tuple[_Item, ...],
             written: list[str | None], template_version: str) -> Sheet:
    """集計: achievement per level, as formulas with cached values."""
    native = native_answers(template_version)
    roles = {label: column_role(label) for label in columns}
    lvl_col = column_letter(columns.index(_label(roles, "level")))
    ans_col = column_letter(columns.index(_label(roles, "answer")))
    first, last = header + 2, header + 1 + n + 4
    ref = f"'{checklist}'"
    sh = Sheet("集計")
    for c, label in enumerate(["レベル", "項目数", "達成", "未達成", "対象外", "達成率"]):
        sh.put(0, c, label)
    for r, level in enumerate(["Lv1", "Lv2", "Lv3"], start=1):
        answers = [w for w, item in zip(written, items, strict=True) if item.level == level]
        n_level = len(answers)
        done = sum(a == native["implemented"] for a in answers)
        na = sum(a == native["not_applicable"] for a in answers)
        lv = f"{ref}!${lvl_col}${first}:${lvl_col}${last}"
        an = f"{ref}!${ans_col}${first}:${ans_col}${last}"
        sh.put(r, 0, level)
        sh.put(r, 1, Formula(f'COUNTIFS({lv},"{level}")', n_level))
        for c, canon in ((2, "implemented"), (3, "not_implemented"), (4, "not_applicable")):
            sh.put(r, c, Formula(f'COUNTIFS({lv},"{level}",{an},"{native[canon]}")',
                                 sum(a == native[canon] for a in answers)))
        # a NumPy float as before, so round() rounds the way it did and the cached value stays the same
        rate = done / np.int64(n_level - na) if n_level > na else 0
        sh.put(r, 5, Formula(f"IF(B{r + 1}-E{r + 1}=0,0,C{r + 1}/(B{r + 1}-E{r + 1}))", round(rate, 4)))
    return sh


EXPORT_COLUMNS = ["受付番号", "会社名", "法人番号", "所属団体", "業種", "従業員数", "目標レベル", "提出日時"]


def export_frame(companies: pd.DataFrame, written: list[list[str | None]], submitted: list[dt.datetime],
                 receipt: list[str], corp_cells: list[object], template_version: str) -> pd.DataFrame:
    """The web system's consolidated export 回答一覧: one row per submission, one column per item.

    The export names no version (the web system's columns are the same for v2.1 to v2.3): ingest
    tells the version from the submission dates and flags it."""
    items = catalogs.items_for(template_version)["item_id"].tolist()
    head = pd.DataFrame({
        "受付番号": receipt,
        "会社名": companies["name"].to_numpy(),
        "法人番号": corp_cells,
        "所属団体": companies["member_org"].to_numpy(),
        "業種": companies["industry"].to_numpy(),
        "従業員数": companies["size_band"].to_numpy(),
        "目標レベル": companies["target_level"].to_numpy(),
        "提出日時": [s.strftime("%Y-%m-%d %H:%M:%S") for s in submitted],
    })
    answers = pd.DataFrame(written, columns=items)
    return pd.concat([head, answers], axis=1)

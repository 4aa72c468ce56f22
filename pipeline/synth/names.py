"""Plausible, fictional Japanese company names and contact details for synthetic submissions."""

from __future__ import annotations

import numpy as np

_PLACES = ["東和", "北辰", "大和", "中央", "丸和", "日進", "旭", "朝日", "平和", "昭栄", "光陽", "協和", "富士見",
           "三河", "浜松", "湘南", "信州", "越後", "筑紫", "瀬戸", "出雲", "甲斐", "常陸", "武蔵野", "相模", "尾張",
           "近江", "播磨", "阿波", "土佐", "肥後", "薩摩", "津軽", "奥州", "若狭", "飛騨", "吉備", "紀州", "房総",
           "石見", "日向", "伊予", "讃岐", "美濃", "丹波", "上州", "下野", "安芸", "周防", "長門", "豊前",
           "陸奥", "加賀"]
_CORES = {
    "power": ["電力", "エナジー", "パワー", "電気", "でんき", "新電力", "グリーンエナジー", "発電", "ソーラー",
              "風力発電", "バイオマス発電", "電源開発", "エネルギーサービス", "送電", "ガス&パワー"],
    "auto": ["精工", "工業", "製作所", "電機", "金属", "化成", "プレス", "ダイカスト", "樹脂", "技研", "産業",
             "ゴム工業", "鋳造", "機工", "オートパーツ", "電装", "ファスナー", "塗装", "物流", "モータース"],
}
_MIDDLES = ["", "", "", "テック", "システム", "エンジニアリング", "工機", "興業", "テクノ",
            "ホールディングス"]
_FORMS = ["株式会社", "株式会社", "株式会社", "有限会社", "合同会社"]
_DEPARTMENTS = ["情報システム部", "総務部", "経営企画部", "DX推進室", "情報セキュリティ室", "業務部", "技術部",
                "管理部", "設備部"]


def company_names(rng: np.random.Generator, sector: str, n: int, words: list[str] | None = None) -> list[str]:
    """n distinct fictional names such as 株式会社東和精工 or 北辰電力株式会社 (``words``: the sector's
    own name cores, for a sector added as data)."""
    cores = words or _CORES[sector]
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < n:
        place, core = rng.choice(_PLACES), rng.choice(cores)
        middle, form = rng.choice(_MIDDLES), rng.choice(_FORMS)
        body = f"{place}{core}{middle}"
        name = f"{form}{body}" if rng.random() < 0.6 else f"{body}{form}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def department(rng: np.random.Generator) -> str:
    return str(rng.choice(_DEPARTMENTS))

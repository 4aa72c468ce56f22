"""Member feedback: each company's scores beside its peers, its percentile and 偏差値, its weakest items.

An operational output of the association: one file per company, named by respondent key, never
part of a shared report. Peer groups with fewer than k scored companies fall back to the whole
sector and year; when that too is below k no peer statistic is shown. The file says which group
was used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import catalogs
from pipeline.scoring.rules import complete_items, is_achieved, is_applicable
from pipeline.scoring.statistics import deviation_score, item_shares, percentile_rank

PEER_ATTRIBUTE = {"power": "main_business_type", "auto": "size_band"}
HEADLINE = {"power": ("csf2", ["GV", "ID", "PR", "DE", "RS", "RC"]), "auto": ("level", ["Lv1", "Lv2", "Lv3", "All"])}


NO_PEERS = "比較群なし（k社未満）"


def feedback_tables(scores: pd.DataFrame, respondents: pd.DataFrame, responses: pd.DataFrame, sector: str,
                    year: int, k: int | None = None, n_weak: int = 10) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """respondent_key → (headline scores vs peers, weakest items) for one sector and year.

    A peer group is the companies sharing the company's peer attribute (power: main business type,
    automotive: size band) *with a score for that node*: those are the companies behind the peer
    mean, percentile and 偏差値, so k applies to them. Fewer than k → the whole sector-year
    ('全体', again counting companies with a score); if that is also below k, every peer statistic
    is NaN and the group is named ``NO_PEERS``.
    """
    k = catalogs.scoring_rules()["min_cell"] if k is None else k
    framework, nodes = HEADLINE[sector]
    peer_col = PEER_ATTRIBUTE[sector]
    resp = respondents[respondents["sector"].eq(sector) & respondents["year"].eq(year)]
    sel = scores[scores["sector"].eq(sector) & scores["year"].eq(year) & scores["framework"].eq(framework)
                 & scores["node_id"].isin(nodes)]
    sel = sel.merge(resp[["respondent_key", peer_col]], on="respondent_key")
    scored = sel[sel["score"].notna()]
    group_n = scored.groupby(["node_id", peer_col])["respondent_key"].nunique()
    sector_n = scored.groupby("node_id")["respondent_key"].nunique()
    own_n = pd.Series([group_n.get((n, g), 0) if pd.notna(g) else 0 for n, g in zip(sel["node_id"], sel[peer_col],
                                                                                   strict=True)], index=sel.index)
    all_n = sel["node_id"].map(sector_n).fillna(0)
    sel["peer_group"] = np.where(own_n.ge(k), sel[peer_col].astype(object),
                                 np.where(all_n.ge(k), "全体", NO_PEERS))
    stats = []
    for (group, node_id), block in sel.groupby(["peer_group", "node_id"]):
        if group == NO_PEERS:
            stats.append(block.assign(peer_mean=np.nan, peer_n=np.nan, percentile=np.nan, deviation=np.nan))
            continue
        pool = scored[scored["node_id"].eq(node_id)]
        if group != "全体":
            pool = pool[pool[peer_col].eq(group)]
        # every scored company of the block is in its pool; an unscored one gets no rank (NaN)
        ranks = percentile_rank(pool["score"]).reindex(block.index)
        dev = deviation_score(pool["score"]).reindex(block.index)
        stats.append(block.assign(peer_mean=pool["score"].mean(), peer_n=pool["respondent_key"].nunique(),
                                  percentile=ranks, deviation=dev))
    headline = pd.concat(stats) if stats else sel.iloc[0:0]
    weak = _weakest_items(responses[responses["sector"].eq(sector) & responses["year"].eq(year)], n_weak, k)
    return {key: (headline[headline["respondent_key"].eq(key)], weak.get(key, pd.DataFrame()))
            for key in resp["respondent_key"]}


def _weakest_items(responses: pd.DataFrame, n_weak: int, k: int) -> dict[str, pd.DataFrame]:
    """Items a company has not achieved that most of its sector has: the gaps worth closing first.

    The peer rate is ``statistics.item_shares`` (the one per-item share), hidden (NaN, listed last)
    when fewer than k companies are behind it. Gaps are applicable, not achieved answers, instrument
    items missing from the submission included, as every score counts them.
    """
    if responses.empty:
        return {}
    shares = item_shares(responses)
    rate = shares.set_index("item_id")["share_implemented"].where(shares.set_index("item_id")["n_applicable"].ge(k))
    full = pd.concat([complete_items(g, str(s)) for s, g in responses.groupby("sector")], ignore_index=True)
    gaps = full[is_applicable(full["answer"]) & ~is_achieved(full["answer"])]
    gaps = gaps.assign(peer_rate=gaps["item_id"].map(rate)).sort_values(["peer_rate", "item_id"],
                                                                       ascending=[False, True], na_position="last")
    return {key: g.head(n_weak)[["item_id", "answer", "peer_rate"]] for key, g in gaps.groupby("respondent_key")}


def write_feedback(tables: dict[str, tuple[pd.DataFrame, pd.DataFrame]], identities: pd.DataFrame, sector: str,
                   year: int, out: Path) -> list[Path]:
    """One Excel file per company (Japanese headers), named by respondent key."""
    out.mkdir(parents=True, exist_ok=True)
    names = identities.set_index("respondent_key")["company_name"].to_dict()
    texts = _item_texts(sector)
    paths = []
    for key, (headline, weak) in tables.items():
        path = out / f"{key}.xlsx"
        head = headline.rename(columns={"node_id": "指標", "score": "貴社", "peer_mean": "比較群平均",
                                        "peer_n": "比較群の社数", "percentile": "パーセンタイル",
                                        "deviation": "偏差値", "peer_group": "比較群"})
        cols = ["指標", "貴社", "比較群平均", "比較群の社数", "パーセンタイル", "偏差値", "比較群"]
        gaps = weak.assign(text=weak["item_id"].map(texts) if len(weak) else None).rename(
            columns={"item_id": "項目", "text": "内容", "answer": "貴社の回答", "peer_rate": "同業の実施率"})
        with pd.ExcelWriter(path, engine="xlsxwriter",
                            engine_kwargs={"options": {"strings_to_formulas": False}}) as xl:
            pd.DataFrame({"項目": ["事業者名", "分野", "年度"], "値": [names.get(key, ""), sector, year]}).to_excel(
                xl, sheet_name="概要", index=False)
            head[[c for c in cols if c in head]].to_excel(xl, sheet_name="スコア", index=False)
            gaps.to_excel(xl, sheet_name="優先して取り組む項目", index=False)
        paths.append(path)
    return paths


def _item_texts(sector: str) -> dict[str, str]:
    items = catalogs.power_items() if sector == "power" else catalogs.auto_items()
    return dict(zip(items["item_id"], items["text_ja"], strict=True))

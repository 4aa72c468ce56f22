# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 分野別 サイバーセキュリティ自己診断 トレンドレポート
# Every number below comes from `pipeline` and has passed disclosure control (cells with fewer than
# `min_cell` companies are hidden, with a complementary cell where a total would reveal them).

# %% tags=["parameters"]
sector = "auto"
years = ""  # e.g. "2022-2024"; empty: every year in the store
segment_by = ""  # empty: business type (power) or size band (automotive)
framework = "csf2"  # csf2, or csf11 for power (the checklist's own framework)
min_cell = 5
lang = "ja"
store = ""  # empty: the project's data/processed, wherever the notebook is opened from
figures_dir = ""  # empty: figures/<sector>/interactive
tables_path = ""  # empty: reports/<sector>/interactive/tables.xlsx

# %%
from pipeline import catalogs, config
from pipeline.report import data as D
from pipeline.report import figures as F
from pipeline.report import style
from pipeline.report import tables as T
from pipeline.report.publish import Publisher

style.apply()
L = style.labels(lang)
store = store or config.STORE_DIR
figures_dir = figures_dir or config.FIGURES_DIR / sector / "interactive"
tables_path = tables_path or config.REPORTS_DIR / sector / "interactive" / "tables.xlsx"
rd = D.load(store, sector, years or None)
by = segment_by or ("business_types" if sector == "power" else "size_band")
names = D.segment_names(sector, lang)
pub = Publisher(figures_dir, tables_path)
span = f"{rd.years[0]}" if len(rd.years) == 1 else f"{rd.years[0]}–{rd.years[-1]}"
rule = L["rule"].format(k=min_cell)
fw = framework if framework in ("csf2", "csf11") and (sector == "power" or framework == "csf2") else "csf2"
fw_nodes = catalogs.csf2() if fw == "csf2" else catalogs.csf11()
fw_label = {"csf2": "NIST CSF 2.0", "csf11": "NIST CSF 1.1"}[fw]
node_names = dict(zip(fw_nodes["node_id"], fw_nodes["name_ja" if lang == "ja" else "name_en"], strict=True))


def source(n):
    return L["source"].format(sector=L["sector"][sector], years=span, n=n)


def show(table):
    return T.display(table, names, L["segment_all"], by)


multi_note = L["multi_counted"] if by == "business_types" else ""
print(f"{sector}: FY{span}, {rd.n()} companies, segments by {by}")

# %% [markdown]
# ## 回答状況 / Responses

# %%
resp = show(T.responses_by_segment(rd, by, min_cell))
pub.table("responses", resp)
fig, ax = style.new_figure()
value = "response_rate" if "response_rate" in resp else "n"
F.grouped_bars(resp, "segment", "year", value, *(("ci_low", "ci_high") if value == "response_rate" else ()),
               ax=ax, percent=value == "response_rate", suppressed_label=L["suppressed"].format(k=min_cell))
style.finish(fig, L["titles"]["response_rate" if value == "response_rate" else "response_counts"],
             source(rd.n()), rule, multi_note)
pub.figure(fig, "response_rate" if value == "response_rate" else "response_counts")

# %% [markdown]
# ## スコアの分布 / Score distribution

# %%
dist = show(T.distribution(rd, by, min_cell))
pub.table("distribution", dist)
fig, ax = style.new_figure()
F.quantile_boxes(dist, "segment", "year", ax=ax)
ax.set_ylabel(L["axes"]["score"])
style.finish(fig, L["titles"]["score_distribution"], source(rd.n()), rule, multi_note)
pub.figure(fig, "score_distribution")

# %% [markdown]
# ## NIST CSF 2.0: カテゴリ × 区分 / categories by segment

# %%
cats = show(T.by_node(rd, by, fw, "category", rd.latest, min_cell))
pub.table("csf2_categories", cats)
fig, ax = style.new_figure(left=0.27)
F.heatmap(cats, "node_id", "segment", "mean", ax=ax,
          row_labels={n: style.short(f"{n} {node_names.get(n, '')}", 24) for n in cats["node_id"]})
note = L["not_assessed"].format(n=T.not_assessed_subcategories(rd)) if fw == "csf2" and sector == "power" \
    else L["dash"]
style.finish(fig, L["titles"]["csf2_heatmap"].replace("NIST CSF 2.0", fw_label) + f" (FY{rd.latest})",
             source(rd.n(rd.latest)), rule,
             " / ".join(x for x in (note, multi_note) if x))
pub.figure(fig, "csf2_heatmap")

# %% [markdown]
# ## 機能別レーダー / functions, each segment against the whole sector

# %%
funcs = show(T.by_node(rd, by, fw, "function", rd.latest, min_cell))
pub.table("csf2_functions", funcs)
fig, ax = style.new_figure(polar=True)
F.radar(funcs, "node_id", "segment", "mean", ax=ax,
        axis_labels={n: f"{node_names[n]}\n({n})" for n in funcs["node_id"]}, highlight=L["segment_all"])
style.finish(fig, L["titles"]["radar"].replace("NIST CSF 2.0", fw_label) + f" (FY{rd.latest})",
             source(rd.n(rd.latest)), rule, multi_note)
pub.figure(fig, "radar")

# %% [markdown]
# ## 経年変化 / year-on-year change by segment (table)

# %%
if len(rd.years) > 1:
    trend = show(T.trends(rd, by, fw, min_cell))
    pub.table("trends", trend)
    display_cols = ["node_id", "segment", "year", "n", "mean", "change"]
    print(trend[trend["year"].eq(rd.latest)][display_cols].head(20).to_string(index=False))

# %% [markdown]
# ## 自動車: レベル到達と ★3/★4 / automotive levels and ★ readiness

# %%
if sector == "auto":
    lv = show(T.level_reached(rd, by, min_cell))
    pub.table("levels", lv)
    latest = lv[lv["year"].eq(rd.latest)]
    fig, ax = style.new_figure()
    F.grouped_bars(latest, "segment", "node_id", "share_reached", "ci_low", "ci_high", ax=ax,
                   suppressed_label=L["suppressed"].format(k=min_cell))
    threshold = catalogs.scoring_rules()["level_threshold"]
    style.finish(fig, L["titles"]["level_achievement"].format(threshold=f"{threshold:.0%}") + f" (FY{rd.latest})",
                 source(rd.n(rd.latest)), rule)
    pub.figure(fig, "level_achievement")
    star, unjudged = T.star_readiness(rd, by, min_cell)
    star = show(star)
    pub.table("star", star)
    fig, ax = style.new_figure()
    F.grouped_bars(star[star["year"].eq(rd.latest)], "segment", "node_id", "mean", ax=ax,
                   suppressed_label=L["suppressed"].format(k=min_cell))
    style.finish(fig, L["titles"]["star_readiness"] + f" (FY{rd.latest})", source(rd.n(rd.latest)), rule,
                 L["star_note"].format(unjudged=f"★3 {unjudged.get('★3', 0)}, ★4 {unjudged.get('★4', 0)}"))
    pub.figure(fig, "star_readiness")

# %% [markdown]
# ## 弱い項目と変化の大きい項目 / weakest items and biggest movers

# %%
weak = T.weakest_items(rd, rd.latest, 10, min_cell)
pub.table("weakest_items", weak)
fig, ax = style.new_figure(left=0.36)
F.item_bars(T.with_item_labels(weak), "label", "share_reached", "ci_low", "ci_high", ax=ax)
style.finish(fig, L["titles"]["weakest_items"] + f" (FY{rd.latest})", source(rd.n(rd.latest)), rule)
pub.figure(fig, "weakest_items")

# %%
if len(rd.years) > 1:
    mv = T.movers(rd, rd.years[0], rd.latest, 8, min_cell)
    pub.table("movers", mv)
    fig, ax = style.new_figure(left=0.36)
    F.item_bars(T.with_item_labels(mv), "label", "change", ax=ax, diverging=True)
    style.finish(fig, L["titles"]["movers"] + f" (FY{rd.years[0]}→{rd.latest})", source(rd.n()), rule)
    pub.figure(fig, "movers")

# %% [markdown]
# ## 同一事業者の変化 / same-company change

# %%
if len(rd.years) > 1:
    pc = T.panel(rd, rd.years[-2], rd.latest, min_cell, fw)
    pub.table("panel", pc)
    fig, ax = style.new_figure(left=0.2)
    F.item_bars(pc.assign(label=pc["node_id"].map(lambda n: f"{node_names[n]} ({n})")), "label", "mean_change", ax=ax,
                diverging=True)
    n_pairs = int(pc["n"].max()) if pc["n"].notna().any() else 0
    style.finish(fig, L["titles"]["panel_change"] + f" (FY{rd.years[-2]}→{rd.latest})", source(n_pairs), rule)
    pub.figure(fig, "panel_change")

# %%
print("tables:", pub.close())
print("figures:", ", ".join(p.stem for p in pub.figures))

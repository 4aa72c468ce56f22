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
# # 分野横断: NIST CSF 2.0 で比べる電力と自動車
# Power answers are CSF 1.1 items projected to CSF 2.0 through NIST's crosswalk; subcategories with no
# CSF 1.1 ancestor are shown as *not assessed* (grey), never as 0. Automotive items reach CSF 2.0
# through the project's item mapping (pipeline/catalogs/auto_items.csv).

# %% tags=["parameters"]
years = ""
min_cell = 5
lang = "ja"
store = ""  # empty: the project's data/processed
figures_dir = ""  # empty: figures/all/interactive
tables_path = ""  # empty: reports/all/interactive/tables.xlsx

# %%
import pandas as pd

from pipeline import catalogs, config
from pipeline.report import data as D
from pipeline.report import figures as F
from pipeline.report import style
from pipeline.report import tables as T
from pipeline.report.publish import Publisher

style.apply()
L = style.labels(lang)
store = store or config.STORE_DIR
pub = Publisher(figures_dir or config.FIGURES_DIR / "all" / "interactive",
                tables_path or config.REPORTS_DIR / "all" / "interactive" / "tables.xlsx")
sectors = {s: D.load(store, s, years or None) for s in ("power", "auto")}
csf2 = catalogs.csf2()
names = dict(zip(csf2["node_id"], csf2["name_ja" if lang == "ja" else "name_en"], strict=True))
rule = L["rule"].format(k=min_cell)
n_text = ", ".join(f"{L['sector'][s]} FY{d.latest} n={d.n(d.latest)}" for s, d in sectors.items())
source = L["source"].format(sector=L["sector"]["all"], years="/".join(str(d.latest) for d in sectors.values()),
                            n=sum(d.n(d.latest) for d in sectors.values()))


def side_by_side(level):
    parts = []
    for s, d in sectors.items():
        t = T.by_node(d, None, "csf2", level, d.latest, min_cell)
        parts.append(t.assign(segment=L["sector"][s]))
    return pd.concat(parts, ignore_index=True)


# %%
funcs = side_by_side("function")
pub.table("functions", funcs)
fig, ax = style.new_figure()
F.grouped_bars(funcs.assign(label=funcs["node_id"].map(lambda n: f"{names[n]}\n{n}")), "label", "segment", "mean",
               ax=ax, suppressed_label=L["suppressed"].format(k=min_cell))
style.finish(fig, L["titles"]["cross_sector_functions"], source, rule, n_text)
pub.figure(fig, "cross_sector_functions")

# %%
cats = side_by_side("category")
pub.table("categories", cats)
fig, ax = style.new_figure(left=0.27)
F.heatmap(cats, "node_id", "segment", "mean", ax=ax,
          row_labels={n: style.short(f"{n} {names[n]}", 24) for n in cats["node_id"]})
style.finish(fig, L["titles"]["cross_sector_categories"], source, rule,
             L["not_assessed"].format(n=T.not_assessed_subcategories(sectors["power"])))
pub.figure(fig, "cross_sector_categories")

# %%
print("tables:", pub.close())

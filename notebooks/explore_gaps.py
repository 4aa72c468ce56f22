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
# # ギャップ探索 / Explore gaps
# Choose a sector, a year, a segment and a CSF 2.0 node; drill down function → category → item.
# Open in JupyterLab with the project's kernel (`make kernel`). Every figure passes disclosure control.

# %% tags=["parameters"]
sector = "auto"
store = ""  # empty: the project's data/processed
lang = "ja"
min_cell = 5

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import clear_output, display

from pipeline import catalogs, config
from pipeline.report import data as D
from pipeline.report import explore as X
from pipeline.report import figures as F
from pipeline.report import style
from pipeline.report import tables as T

style.apply()
L = style.labels(lang)
store = store or config.STORE_DIR
names = dict(zip(catalogs.csf2()["node_id"], catalogs.csf2()["name_ja" if lang == "ja" else "name_en"], strict=True))
cache = {}


def load(s):
    if s not in cache:
        cache[s] = D.load(store, s)
    return cache[s]


sector_w = widgets.Dropdown(options=["power", "auto"], value=sector, description="sector")
year_w = widgets.Dropdown(description="year")
by_w = widgets.Dropdown(options=["business_types", "main_business_type", "size_band", "target_level", "member_org",
                                 "industry"], value="size_band", description="segment")
node_w = widgets.Dropdown(description="node")
out = widgets.Output()


def refresh_choices(*_):
    rd = load(sector_w.value)
    year_w.options = rd.years
    year_w.value = rd.latest
    paths = [(f"{n} {names[n]}", n) for f in X.children(None) for n in [f, *X.children(f)]]
    node_w.options = [("(全機能 / all functions)", "")] + paths


def draw(*_):
    rd = load(sector_w.value)
    if year_w.value is None or by_w.value not in rd.respondents:
        return
    with out:
        clear_output(wait=True)
        node = node_w.value or None
        below = X.children(node)
        if below:
            table = X.node_table(rd, year_w.value, by_w.value, below, k=min_cell)
            t = T.display(table, D.segment_names(rd.sector, lang), L["segment_all"], by_w.value)
            fig, ax = style.new_figure(left=0.27)
            F.heatmap(t, "node_id", "segment", "mean", ax=ax, row_labels={n: f"{n} {names[n]}" for n in below})
            style.finish(fig, f"{node or 'CSF 2.0'} — FY{year_w.value}", L["source"].format(
                sector=L["sector"][rd.sector], years=year_w.value, n=rd.n(year_w.value)), L["rule"].format(k=min_cell))
            plt.show()
        if node:
            dist = T.display(X.node_distribution(rd, year_w.value, by_w.value, node, k=min_cell),
                             D.segment_names(rd.sector, lang), L["segment_all"], by_w.value)
            fig, ax = style.new_figure()
            F.quantile_boxes(dist.assign(series=node), "segment", "series", ax=ax)
            style.finish(fig, f"{node} {names[node]} — FY{year_w.value}", L["source"].format(
                sector=L["sector"][rd.sector], years=year_w.value, n=rd.n(year_w.value)), L["rule"].format(k=min_cell))
            plt.show()
            gaps = X.item_gaps(rd, year_w.value, node, k=min_cell)
            display(gaps[["item_id", "text", "share_reached", "ci_low", "ci_high", "na_share"]].head(15))


refresh_choices()
for w in (year_w, by_w, node_w):
    w.observe(draw, names="value")
sector_w.observe(lambda *_: (refresh_choices(), draw()), names="value")
display(widgets.HBox([sector_w, year_w, by_w, node_w]), out)
draw()

# %% [markdown]
# The same drill-down without widgets (what the report shows for one path):

# %%
rd = load(sector)
first_function = X.children(None)[2]
X.item_gaps(rd, rd.latest, X.children(first_function)[0], k=min_cell).head(10)

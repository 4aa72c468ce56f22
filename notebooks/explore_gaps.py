# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python (sdw)
#     language: python
#     name: sdw
# ---

# %% [markdown]
# # ギャップ探索 / Explore gaps
# Choose a sector, a year, a segment, a framework (power: CSF 2.0 or CSF 1.1) and a node; drill down
# function → category → item. Open in JupyterLab with the project's kernel (`make kernel`). Every figure
# and table passes disclosure control. The logic lives in `pipeline/report/explore.py`.

# %% tags=["parameters"]
sector = "auto"
store = ""  # empty: the project's data/processed
lang = "ja"
min_cell = None  # None: k from catalogs/scoring.yaml (min_cell)

# %%
import ipywidgets as widgets
from IPython.display import clear_output, display

from pipeline import config, ruleset
from pipeline.report import data as D
from pipeline.report import explore as X
from pipeline.report import style

style.apply()
min_cell = ruleset.min_cell(min_cell)
U = X.ui_labels(lang)
store = store or config.STORE_DIR
cache = {}


def load(s):
    if s not in cache:
        cache[s] = D.load(store, s)
    return cache[s]


wide = {"description_width": "initial"}  # Japanese captions are not cut to '機能・カテ…'
choices = D.sector_choices(store, lang)  # the registered sectors the store holds
sector_w = widgets.Dropdown(options=choices, value=sector if sector in [c for _, c in choices] else choices[0][1],
                            description=U["sector"], style=wide)
year_w = widgets.Dropdown(description=U["year"], style=wide)
by_w = widgets.Dropdown(description=U["segment"], style=wide)
framework_w = widgets.Dropdown(description=U["framework"], style=wide)
node_w = widgets.Dropdown(description=U["node"], style=wide, layout=widgets.Layout(width="32em"))
out = widgets.Output()
holding = False  # True while choices are being replaced: one redraw at the end, not one per widget


def set_nodes(framework, node=None):
    node_w.options = X.node_choices(framework, lang)
    node_w.value = node or X.children(None, framework)[0]


def reset_choices(*_):
    global holding
    holding = True
    try:
        rd = load(sector_w.value)
        sel = X.initial_selection(rd)
        year_w.options = rd.years
        year_w.value = sel.year
        by_w.options = [(U.get(c, c), c) for c in X.segment_options(rd)]
        by_w.value = sel.by
        framework_w.options = [(X.FRAMEWORK_NAMES[f], f) for f in X.frameworks(rd.sector)]
        framework_w.value = sel.framework
        framework_w.layout.display = None if len(framework_w.options) > 1 else "none"
        set_nodes(sel.framework, sel.node)
    finally:
        holding = False


def change_framework(*_):
    global holding
    if holding:  # reset_choices sets the nodes itself
        return
    holding = True
    try:
        set_nodes(framework_w.value)
    finally:
        holding = False
    draw()


def draw(*_):
    if holding or node_w.value is None:
        return
    rd = load(sector_w.value)
    sel = X.Selection(year_w.value, by_w.value, framework_w.value, node_w.value)
    with out:
        clear_output(wait=True)
        for fig in X.figures(rd, sel, lang, min_cell):
            X.show(fig)  # displays, then closes: no figure outlives its redraw
        gaps = X.item_gaps(rd, sel.year, sel.node, sel.framework, k=min_cell, lang=lang)
        display(X.item_table(gaps, lang) if len(gaps) else U["no_items"])


reset_choices()
for w in (year_w, by_w, node_w):
    w.observe(draw, names="value")
framework_w.observe(change_framework, names="value")
sector_w.observe(lambda *_: (reset_choices(), draw()), names="value")
display(widgets.VBox([widgets.HBox([sector_w, year_w, by_w]), widgets.HBox([framework_w, node_w])]), out)
draw()

# %% [markdown]
# The same drill-down without widgets (what the report shows for one path):

# %%
rd = load(sector)
first = X.initial_selection(rd)
X.item_table(X.item_gaps(rd, first.year, X.children(first.node, first.framework)[0], first.framework, k=min_cell,
                         lang=lang), lang, rows=10)

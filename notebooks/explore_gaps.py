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
sector = ""  # the dropdown's first choice; empty: the first sector the store holds
store = ""  # empty: the project's data/processed
lang = "ja"
min_cell = None  # None: k from catalogs/scoring.yaml (min_cell)

# %%
from pipeline import config
from pipeline.report import explore as X
from pipeline.report import style

style.apply()
explorer = X.app(store or config.STORE_DIR, sector=sector, lang=lang, k=min_cell)

# %% [markdown]
# The same drill-down without widgets (what the report shows for one path):

# %%
rd = explorer.data(explorer.sector.value)
first = X.initial_selection(rd)
X.item_table(X.item_gaps(rd, first.year, X.children(first.node, first.framework)[0], first.framework, k=explorer.k,
                         lang=lang), lang, rows=10)

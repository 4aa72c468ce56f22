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

# %% tags=["parameters"]
# Sectors side by side on NIST CSF 2.0, run by `sdw report --sector all`. Power answers are
# CSF 1.1 items projected through NIST's crosswalk (subcategories with no CSF 1.1 ancestor are not
# assessed, never 0); automotive items reach CSF 2.0 through the project's own mapping — said on each figure.
sector_list = ""  # e.g. "power,auto"; empty: every sector in the store scored on CSF 2.0 (catalogs/sectors.yaml)
years = ""
min_cell = None  # None: k from catalogs/scoring.yaml (min_cell)
lang = "ja"
store = ""  # empty: the project's data/processed
figures_dir = ""  # empty: figures/all/interactive
report_dir = ""  # empty: reports/all/interactive
pptx = False

# %%
from IPython.display import HTML, Markdown, display

from pipeline import config, ruleset
from pipeline.publish.model import SlidePivot
from pipeline.publish.provenance import provenance
from pipeline.publish.publisher import Publisher
from pipeline.publish.render_html import REPORT_CSS
from pipeline.report import data as D
from pipeline.report import figures as F
from pipeline.report import protected as P
from pipeline.report import scheme_names, style
from pipeline.report import tables as T
from pipeline.report.context import COMMON_FRAMEWORK, mapping_note, node_names, not_assessed_text
from pipeline.report.headline import cross_headline
from pipeline.report.page import PAGE_TABLES, source_body

style.apply()
min_cell = ruleset.min_cell(min_cell)
L = style.labels(lang)
store = config.in_project(store) if store else config.STORE_DIR
compared = [s.strip() for s in sector_list.split(",") if s.strip()] or D.cross_sector_sectors(store)
in_span = {s: D.years_in(store, s, years or None) for s in compared}
# each sector at its latest year, CSF 2.0 scores only (the ten-year store is gigabytes), its segments merged as
# its own report merges them
sectors = {s: D.latest_as_reported(store, s, years or None, min_cell) for s in compared}
every_year = sorted({y for ys in in_span.values() for y in ys})
prov = provenance(store, list(sectors), every_year, {"years": years or "all", "k": min_cell, "lang": lang})
ALL = L["segment_all"]
hidden = L["suppressed"]  # legend text beside the mark x
links = [r for d in sectors.values() for r in T.relations(d, COMMON_FRAMEWORK)]  # public item map: node ⊂ node
pub = Publisher(config.in_project(figures_dir) if figures_dir else config.FIGURES_DIR / "all" / "interactive",
                config.in_project(report_dir) if report_dir else config.REPORTS_DIR / "all" / "interactive",
                lang, min_cell, prov, total_label=ALL,
                relations=links, deck=pptx, store=store)
names = node_names(COMMON_FRAMEWORK, lang)
rule = style.rule_line(L, list(sectors), min_cell)
fy = {s: L["fy"].format(year=d.latest) for s, d in sectors.items()}
n_text = ", ".join(f"{L['sector'][s]} {fy[s]} {L['n_year'].format(n=f'{d.n(d.latest):,}')}"
                   for s, d in sectors.items())
# the page's sectors by their names in catalogs/sectors.yaml (電力・自動車), whichever the store holds
source = L["source"].format(sector=style.sectors_name(L, list(sectors)),
                            years="/".join(str(d.latest) for d in sectors.values()),
                            n=L["n_year"].format(n=f"{sum(d.n(d.latest) for d in sectors.values()):,}"))
display(HTML(f"<style>{REPORT_CSS}</style>"))
display(Markdown(f"# {L['cross_title']}"))
# how each sector's items reach CSF 2.0 (the project's mapping, or NIST's crosswalk from CSF 1.1), and the
# subcategories a crosswalk leaves without an answer, said as not assessed (never 0): as each sector's report says
mapping_notes = " / ".join(x for x in (mapping_note(s, L) for s in sectors) if x)
not_assessed = [x for x in (not_assessed_text(s, COMMON_FRAMEWORK, d, L) for s, d in sectors.items()) if x]
category_notes = " / ".join([*not_assessed, *([mapping_notes] if mapping_notes else [])])
if mapping_notes:
    display(Markdown(mapping_notes))


# functions and categories are tied by the item map: protected together, with each sector's own segments as its
# report publishes them (a total hidden there to protect one of them stays hidden here), then the totals kept
levels = P.cross_sector_nodes(sectors, min_cell, links)


def side_by_side(level):
    """One table for both sectors (each at its latest year), labelled by sector for the figure."""
    t = T.display(levels[level], {}, ALL)
    return t.assign(node_name=t["node_id"].map(names), sector_name=t["sector"].map(L["sector"]))


# %%
funcs = side_by_side("function")


def draw_functions():
    fig, ax = style.new_figure()
    F.grouped_bars(funcs.assign(label=funcs["node_id"].map(lambda n: f"{names[n]}\n{n}")), "label", "sector_name",
                   "mean", ax=ax, suppressed_label=hidden)
    if mapping_notes:
        style.caveat(ax, mapping_notes)
    style.finish(fig, L["titles"]["cross_sector_functions"], source, rule, n_text)
    return fig


pub.figure(draw_functions, "cross_sector_functions", L["titles"]["cross_sector_functions"], source)
cross = PAGE_TABLES["cross_sector"]  # the columns both tables publish, and their disclosure spec
# the deck's table slide: each function's mean read across the sectors (the sector decks have their headline tables)
pub.table("functions", funcs, cross.specs[cross.protection], L["titles"]["cross_sector_functions"],
          list(cross.columns), L["hidden_note"].format(k=min_cell), slide=True, source=source,
          slide_pivot=SlidePivot(["node_id", "node_name"], "sector_name", "mean"))

# %%
cats = side_by_side("category")




def draw_categories(part=None):  # on a slide, half the categories each
    rows = style.slide_half(cats, part)
    fig, ax = style.new_figure(left=0.3 if style.on_slide() else 0.27)
    F.heatmap(rows, "node_id", "sector_name", "mean", ax=ax, suppressed_label=hidden,
              row_labels=style.node_row_labels(rows["node_id"], names))
    style.finish(fig, L["titles"]["cross_sector_categories"], source, rule, category_notes)
    return fig


pub.figure(draw_categories, "cross_sector_categories", L["titles"]["cross_sector_categories"], source,
           slide_parts=2)
pub.table("categories", cats, cross.specs[cross.protection], L["titles"]["cross_sector_categories"],
          list(cross.columns), L["hidden_note"].format(k=min_cell))

# %%
display(Markdown(f"## {L['sections']['rules']}"))
rules_text = style.rules_text(L, list(sectors), style.threshold_text())
display(Markdown(rules_text))
disclosure_text = L["disclosure_text"].format(k=min_cell, k_less=min_cell - 1)
display(Markdown(disclosure_text))
display(Markdown(L["marks_text"]))
# the run's provenance last, as an appendix in the page's words: for the analyst who reruns it, not the reader of
# the first page
display(Markdown(f"## {L['sections']['appendix']}"))
display(HTML(f'<p class="sdw-provenance">{scheme_names.provenance_text(prov, L, lang)}</p>'))
about = [(L["about"]["disclosure"], disclosure_text), (L["about"]["k"], str(min_cell))]
# the key numbers, read from the published function table: each sector's strongest and weakest function, and
# the function the sectors differ most on (the key-points slide states findings, not only counts)
published = {t.name: t for t in pub.tables}
key_points = cross_headline(published["functions"].frame.assign(node_name=lambda f: f["node_id"].map(names)), L,
                            lang, {s: (d.latest, d.n(d.latest)) for s, d in sectors.items()})
written = pub.close(about, {"title": L["cross_title"], "subtitle": n_text,
                            "headline": [s.text for s in key_points] or [n_text],
                            "sources": [source_body(L, source)], "source": source,
                            "caveats": [mapping_notes] if mapping_notes else [],
                            # short bullets, each sector's scoring named as its own
                            "rules": style.rules_bullets(L, list(sectors), style.threshold_text(),
                                                         min_cell, mapping_only=True)}
                    if pptx else None)

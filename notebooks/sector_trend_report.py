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
# The per-sector trend report, run by `sdw report`. Every heading and sentence comes from
# catalogs/report_labels.yaml in the report's language; every number from a protected, published table.
sector = ""  # required, one of catalogs/sectors.yaml (sdw report names it); empty stops with the list
years = ""  # e.g. "2022-2024"; empty: every year in the store
segment_by = ""  # empty: the sector's own (catalogs/sectors.yaml: business type for power, size band for automotive)
framework = ""  # empty: the framework every sector is scored on (NIST CSF 2.0); csf11 for power's own checklist
min_cell = None  # None: k from catalogs/scoring.yaml (min_cell)
lang = "ja"
store = ""  # empty: the project's data/processed, wherever the notebook is opened from
figures_dir = ""  # empty: figures/<sector>/interactive
report_dir = ""  # empty: reports/<sector>/interactive
pptx = False  # also write a 16:9 briefing deck
weights = "roster"  # roster: the members' estimates beside the respondents' where the store has weights; none
what_if = ""  # empty, or the scope of sdw report --what-if (sectors scored on the star scheme)

# %%

# %%
import html

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

from pipeline import catalogs, config
from pipeline.arguments import read_what_if
from pipeline.publish.formats import BAND_LABELS
from pipeline.publish.model import SlidePivot
from pipeline.publish.provenance import provenance
from pipeline.publish.publisher import Publisher
from pipeline.publish.render_html import REPORT_CSS
from pipeline.report import data as D
from pipeline.report import figures as F
from pipeline.report import protected as P
from pipeline.report import scheme_names, style
from pipeline.report import star_tables as S
from pipeline.report import tables as T
from pipeline.report.context import ReportContext, hidden_count
from pipeline.report.headline import Sentence, headline, headline_html
from pipeline.report.page import Page

style.apply()
L = style.labels(lang)
store = config.in_project(store) if store else config.STORE_DIR
info = catalogs.sector_info(sector)  # what the sector is scored on and segmented by (catalogs/sectors.yaml)
ctx = ReportContext.build(sector, framework, lang, min_cell)  # framework, its names and k from the rules
fw, fw_label, node_names, min_cell = ctx.framework, ctx.framework_label, ctx.node_names, ctx.k
# read only the frameworks this page draws (the store may hold many years of every sector)
scored_on = ctx.frameworks_to_load
loaded = D.load(store, sector, years or None, frameworks=scored_on, weights=weights)
by = segment_by or info["segment"]
rd, merges = loaded.merge_small_segments(by, min_cell)  # recode before you hide: documented neighbour groups
span = f"{rd.years[0]}" if len(rd.years) == 1 else f"{rd.years[0]}–{rd.years[-1]}"
prov = provenance(store, [sector], rd.years, {"sector": sector, "years": span, "segment_by": by, "framework": fw,
                                              "k": min_cell, "lang": lang, "what_if": what_if})
pub = Publisher(config.in_project(figures_dir) if figures_dir else config.FIGURES_DIR / sector / "interactive",
                config.in_project(report_dir) if report_dir else config.REPORTS_DIR / sector / "interactive",
                lang, min_cell, prov,
                total_label=L["segment_all"], relations=T.relations(rd, fw), deck=pptx, store=store)
# every table and figure goes through it
page = Page(ctx, rd, by, merges, pub, span)
ALL, hidden, unit = page.total, page.hidden_mark, L["unit_points"]
show, named, n_all, n_year, source = page.show, page.named, page.n_all, page.n_year, page.source
by_year, item_labels = page.by_year, page.item_labels  # years and items as the figures label them
fy = [L["fy"].format(year=y) for y in rd.years]
year_format = L["fy"]  # the figures' year ticks: the same label template as the tables' years
latest = L["fy"].format(year=rd.latest)
latest_year = str(rd.latest)  # the source line writes "FY" itself
mapping_note = ctx.mapping_note(L)


version_note, trend_note, score_note = page.version_note, page.trend_note, page.score_note

# a what-if report says its scenario in its title (and its deck's), so it never reads as the plain report
what_if_scope = read_what_if(what_if) if what_if else None
report_title = L["report_title"].format(sector=L["sector"][sector]) + (L["readiness"]["what_if_title_suffix"].format(
    star=what_if_scope.star, scope=f"{L['breakdown'].get(what_if_scope.attribute, what_if_scope.attribute)} "
    f"{what_if_scope.value}") if what_if_scope else "")
what_if_text = ""  # the what-if's summary sentence, also the summary's first point
display(HTML(f"<style>{REPORT_CSS}</style>"))
display(Markdown(f"# {report_title}"))
display(Markdown(L["subtitle"].format(years=span, n=f"{len(rd.respondents):,}", latest=f"{rd.n(rd.latest):,}")))
provenance_text = scheme_names.provenance_text(prov, L, lang)  # the appendix's, at the end of the page
if provisional := rd.provisional_caveat(L):  # our own texts and levels: the reader must know before the numbers
    display(HTML(f'<p class="sdw-note"><em>{html.escape(provisional)} {html.escape(L["provisional_import"])}</em></p>'))
if framework_note := ctx.framework_note(L):  # --framework csf11 for a sector not scored on it
    display(HTML(f'<p class="sdw-note">{html.escape(framework_note)}</p>'))
caveats = [x for x in (provisional, framework_note, mapping_note, version_note, page.merge_note, page.multi_note)
           if x]
summary = display(HTML(""), display_id=True)  # filled in once every table is published

# %%
# Responses: rate by segment and year, and the sector's rate over the years.
# one call makes the response tables (the other breakdowns the sector publishes too: automotive by industry beside
# size), merges the weighting cells onto their published rows, weighs the other breakdowns alike and completes the
# functions, categories and items together; member feedback's peer values come from the same call
tied = P.linked_tables(loaded, rd, by, merges, fw, min_cell, lang, pub.relations)
rd, others, resp_protected, other_resps = tied.data, tied.others, tied.responses, tied.other_responses
page.data = rd
weighting_text = T.weighting_note(rd, L, page.names, min_cell)  # the weights as merged onto published rows
resp = show(resp_protected)
has_roster = "response_rate" in resp
display(Markdown(f"## {L['sections']['responses']}"))
rate_name = "response_rate" if has_roster else "response_counts"
page.figure(rate_name, L["titles"][rate_name], n_all, lambda ax: F.grouped_bars(
    by_year(resp), "segment", "fy", "response_rate" if has_roster else "n",
    *(("ci_low", "ci_high") if has_roster else ()), ax=ax, percent=has_roster, suppressed_label=hidden, total=ALL))
if has_roster and len(rd.years) > 1:
    page.figure("response_trend", L["titles"]["response_trend"], n_all, lambda ax: F.rate_by_year(
        resp[resp["segment"].eq(ALL)], ax=ax, suppressed_label=hidden, year_format=year_format), right=0.78)
if weighting_text:  # what the members' estimates assume, where the reader first meets the response rates
    display(HTML(f'<p class="sdw-note">{html.escape(weighting_text)}</p>'))
page.table("responses", resp)

# %%
# Change over time: the sector mean per function with 95% intervals, and all respondents vs the same companies.
# functions, categories and items are tied by the public item map: protected together, before any is drawn
protected_functions, linked_categories, linked_items, other_categories = (
    tied.functions, tied.categories, tied.items, tied.other_categories)
functions = show(named(protected_functions))
display(Markdown(f"## {L['sections']['trend']}"))
total_fn = functions[functions["segment"].eq(ALL)]
fn_labels = page.node_labels(total_fn["node_id"].unique())
function_title = L["titles"]["function_trend"].format(framework=fw_label)


def plot_function_trend(ax):
    # members' estimate solid with its interval, respondents' mean dashed; where every members' total is withheld
    # (docs/method.md §12.4a) the respondents' means alone, so no legend promises a line that is not drawn
    if rd.weighted and "w_mean" in total_fn and total_fn["w_mean"].notna().any():
        F.trend_lines_weighted(total_fn, ax=ax, labels=fn_labels, suppressed_label=hidden,
                               style_labels=(L["series"]["members"], L["series"]["respondents"]),
                               year_format=year_format)
    else:
        F.trend_lines(total_fn, y="mean", hue="node_id", lo="mean_ci_low", hi="mean_ci_high", ax=ax, labels=fn_labels,
                      suppressed_label=hidden, year_format=year_format)


page.figure("function_trend", function_title, n_all, plot_function_trend, note=trend_note,
            alt=[f"{r.node_id} {L['fy'].format(year=r.year)}: {r.mean:.3f}" for r in total_fn.itertuples()
                 if r.mean == r.mean], ylabel=L["axes"]["score"], caveat=mapping_note, right=(0.78, 0.74))
page.table("functions", functions, trend=trend_note)  # by year, then function (its PAGE_TABLES order)
if len(rd.years) > 1:
    year_from = rd.years[-2]
    pc = named(T.panel(rd, year_from, rd.latest, min_cell, fw))
    both = T.panel_vs_all(pc, functions, rd.latest, ALL)
    n_pairs = page.n_pairs(pc)
    period = f"{L['fy'].format(year=year_from)}→{L['fy'].format(year=rd.latest)}"
    # the legend right of the bars: long English basis names need room, the slide's larger text more
    page.figure("panel_vs_all", f"{L['titles']['panel_vs_all']} ({period})", n_pairs, lambda ax: F.panel_vs_all(
        both, labels=page.node_labels(both["node_id"]),
        basis_labels={"all": L["series"]["all"], "panel": L["series"]["panel"]}, unit=unit, ax=ax,
        suppressed_label=hidden), note=trend_note, years=f"{year_from}–{rd.latest}",
        right=(0.72, 0.72) if lang == "en" else (0.78, 0.72), left=0.22)
    page.table("panel", pc, suffix=f" ({period})")  # the two years compared

# %%
# Score distribution by segment, per year.
# a segment's overall mean bounds its functions from below: withheld where one of them is (docs/method.md §5)
dist = show(P.distribution(rd, by, min_cell, protected_functions))
display(Markdown(f"## {L['sections']['distribution']}"))
# drawn by the table's rule: what it prints is drawn (a mean printed as 「90%以上」 as that band), x where it prints x
page.figure("score_distribution", L["titles"]["score_distribution"], n_all, lambda ax: F.quantile_boxes(
    by_year(dist), "segment", "fy", ax=ax, suppressed_label=hidden, total=ALL, whisker_label=L["no_whisker"],
    band_text=BAND_LABELS[lang], band_label=L["band_bar"], box_label=L["no_box"], mean_label=L["mean_marker"]),
    ylabel=L["axes"]["score"])
page.table("distribution", dist, source=source(n_year(rd.latest), latest_year))

# %%
# Categories by segment (latest year) and functions by segment (radar).
note = ctx.not_assessed_note(rd, L)


def heatmap_section(data, attribute, protected, suffix=""):
    """The category heatmap and its table for one breakdown (the sector's own or another it publishes),
    protected with the functions and items (:func:`T.linked`)."""
    cats = page.show(named(protected), by=attribute)
    withheld_note = page.withheld_note(cats, attribute)  # a merged group still withheld in every cell, never why
    title = L["titles"]["csf2_heatmap"].format(framework=fw_label) + \
        (f" {L['breakdown'].get(attribute, '')}" if suffix else "") + f" ({latest})"

    def plot(ax, part=None):  # on a slide, half the categories each
        rows = style.slide_half(cats, part)
        F.heatmap(rows, "node_id", "segment", "mean", ax=ax, suppressed_label=hidden, total=ALL,
                  band_label=L["band"].format(k=min_cell), band_text=L["band_cells"], band_short=L["band_cells_short"],
                  row_labels=style.node_row_labels(rows["node_id"], node_names))

    page.figure("csf2_heatmap" + suffix, title, n_year(data.latest), plot,
                note=" / ".join(x for x in (note, withheld_note) if x), years=latest_year, caveat=mapping_note,
                slide_parts=2, left=(0.27, 0.3), right=(0.94, 0.9))
    if withheld_note:
        display(HTML(f'<p class="sdw-note">{html.escape(withheld_note)}</p>'))
    page.table("categories", cats, name="categories" + suffix, title=title, withheld=withheld_note)


display(Markdown(f"## {L['sections']['categories']}"))
heatmap_section(rd, by, linked_categories)
for (other, other_rd), other_cats, other_protected in zip(others.items(), other_categories, other_resps, strict=True):
    heatmap_section(other_rd, other, other_cats, f"_{other}")
    page.table("responses_breakdown", page.show(other_protected, D.segment_names(sector, lang), other),
               name=f"responses_{other}", title_args={"by": L["breakdown"].get(other, other)})

latest_fn = functions[functions["year"].eq(rd.latest)]
page.figure("radar", L["titles"]["radar"].format(framework=fw_label) + f" ({latest})", n_year(rd.latest),
            lambda ax: F.radar(latest_fn, "node_id", "segment", "mean", ax=ax, highlight=ALL, suppressed_label=hidden,
                               band_text=BAND_LABELS[lang],
                               axis_labels=page.node_labels(latest_fn["node_id"], "\n")),
            years=latest_year, polar=True, left=0.1, right=(0.62, 0.55))

# %%
# Sectors scored on levels (automotive): levels reached by segment over the years.
if "level" in info["frameworks"]:
    display(Markdown(f"## {L['sections']['levels']}"))
    lv = show(P.levels(rd, by, min_cell))
    relevelled = T.relevelled_items(rd)
    relevelled_note = L["relevelled"].format(n=len(relevelled)) if relevelled else ""

    def draw_levels():
        fig = plt.figure(figsize=style.SLIDE_FIGURE if style.on_slide() else style.SLIDE)
        F.small_multiples(lv, facet="node_id", y="share_reached", hue="segment", fig=fig, suppressed_label=hidden,
                          year_format=L["fy_stacked"] if style.on_slide() else year_format, total=ALL,
                          rect=(0.07, 0.25, 0.7, 0.84) if style.on_slide() else (0.07, 0.17, 0.78, 0.80))
        if relevelled:
            style.caveat(fig, relevelled_note)
        return fig

    page.figure("level_trend", L["titles"]["level_trend"].format(threshold=ctx.threshold_text),
                n_all, draw=draw_levels, note=score_note, alt=[relevelled_note] if relevelled else None)
    page.table("levels", lv, relevelled=relevelled_note)

# %%
# Sectors whose items the ★ scheme cites (automotive): ★3/★4 readiness.
if "star" in info["frameworks"]:
    star_tables = P.star(rd, by, min_cell, lang)  # readiness and bottlenecks, protected together
    star_protected, bottle, unjudged = star_tables.readiness, star_tables.bottlenecks, star_tables.unjudgeable
    # each row named for what its value is (a mean share of requirements met, or the share of companies ready)
    star = page.star_named(show(star_protected))
    latest_star = star[star["year"].eq(rd.latest)]
    star_note = L["star_note"].format(n3=len(unjudged["★3"]), n4=len(unjudged["★4"]))
    star_list = L["star_list"].format(n3=", ".join(unjudged["★3"]), n4=", ".join(unjudged["★4"]))
    page.figure("star_readiness", L["titles"]["star_readiness"] + f" ({latest})", n_year(rd.latest),
                lambda ax: F.grouped_bars(latest_star.assign(series=latest_star["node_name"]),
                                          "segment", "series", "mean", "mean_ci_low", "mean_ci_high", ax=ax,
                                          suppressed_label=hidden, total=ALL, band_text=BAND_LABELS[lang],
                                          band_label=L["band_bar"]),  # a band drawn as the table prints it
                note=(f"{star_note}\n{star_list}", star_note), years=latest_year,
                alt=[star_note, star_list])
    page.table("star", star, star=f"{star_note}: {star_list}",
               star_rounded=L["rounded_note_star"] if star_tables.rounded_mean else "")

# %%
# ★ readiness for policy: which requirements block most companies, how far they are, the trend and,
# when asked (--what-if), what ★N asked of one segment would demand. Statistics: pipeline/scoring/readiness.py.
if "star" in info["frameworks"]:
    R = L["readiness"]
    display(Markdown(f"## {R['section']}"))
    scheme = catalogs.scheme_info()
    scheme_note = R["scheme"].format(name=scheme["name" if lang == "ja" else "name_en"],
                                     date=scheme_names.scheme_version(lang) + scheme_names.scheme_origin(lang),
                                     via=scheme_names.scheme_via(lang))
    unjudged_note = R["unjudgeable"].format(n3=", ".join(unjudged["★3"]), n4=", ".join(unjudged["★4"]))
    display(HTML(f'<p class="sdw-note">{html.escape(scheme_note)}<br>{html.escape(unjudged_note)}</p>'))
    bottle_shown = show(bottle)
    for n_star in catalogs.stars():
        top = S.top_bottlenecks(bottle_shown, n_star, rd.latest, 10, total=ALL)  # segments as displayed
        # the bar labels read a requirement as an item (id and text); the published table keeps its own columns
        as_items = top.assign(item_id=top["requirement_id"], text=top["requirement_name"])
        page.figure(f"star{n_star}_bottlenecks", R["bottleneck_title"].format(star=n_star, year=rd.latest),
                    n_year(rd.latest), lambda ax, bars=as_items: F.item_bars(
                        item_labels(bars), "label", "share_unmet", "ci_low", "ci_high", ax=ax, suppressed_label=hidden),
                    note=R["unmet_note"], years=latest_year, xlabel=L["axes"]["share_companies"], left=0.36,
                    alt=[f"{r.requirement_id} {r.requirement_name}: {r.share_unmet:.1%} ({r.cited_items})"
                         for r in top.itertuples()])
        page.table("star_top", top, name=f"star{n_star}_top", title_args={"star": n_star}, slide=True,
                   source=source(n_year(rd.latest), latest_year))
    for n_star in catalogs.stars():  # the top ten of each star by segment, ★3 and ★4 alike
        heat = S.top_bottleneck_segments(bottle_shown, n_star, rd.latest, 10, total=ALL)
        if not heat.empty:
            page.figure(f"star{n_star}_bottleneck_segments",
                        R["bottleneck_heatmap"].format(star=n_star, year=rd.latest), n_year(rd.latest),
                        lambda ax, heat=heat: F.heatmap(
                            heat, "node_id", "segment", "share_unmet", ax=ax, suppressed_label=hidden, total=ALL,
                            row_labels=page.requirement_labels(heat)),
                        note=R["unmet_note"], years=latest_year, left=0.3, right=0.9)
    page.table("star_bottlenecks", bottle_shown, unjudged=unjudged_note)

    # distance to ★3/★4 and ready after fixing at most N: companies by band, for each star
    bands, within = S.distance(rd, by, star_protected, min_cell, bottlenecks=bottle)
    bands_shown, within_shown = show(bands), show(within)
    ready_rows = star[star["node_id"].isin([f"★{n}+" for n in catalogs.stars()])]
    for n_star in catalogs.stars():
        lb = bands_shown[bands_shown["year"].eq(rd.latest) & bands_shown["node_id"].str.startswith(f"★{n_star}:")]
        lw = within_shown[within_shown["year"].eq(rd.latest) & within_shown["node_id"].str.startswith(f"★{n_star}")]
        now = ready_rows[ready_rows["year"].eq(rd.latest) & ready_rows["node_id"].eq(f"★{n_star}+")]
        shown_bands = {  # figure → (companies by band, the band's name, its share, the note, the legend's room)
            "distance": (lb.assign(band=S.band_words(lb["node_id"], R["band"], R["within_series"],
                                                    L["distance_bands"])),
                         "band", "share_distance", R["distance_note"], (0.74, 0.84)),  # slide: legend right
            "within": (pd.concat([now.assign(series=R["ready_series"]),
                                  lw.assign(series=S.band_words(lw["node_id"], R["band"], R["within_series"]))],
                                 ignore_index=True),
                       "series", "share_reached", R["within_note"], (0.76, 0.84))}
        for kind, (rows, series, share, kind_note, top_room) in shown_bands.items():
            page.figure(f"star{n_star}_{kind}", R[f"{kind}_title"].format(star=n_star, year=rd.latest),
                        n_year(rd.latest),
                        lambda ax, rows=rows, series=series, share=share: F.grouped_bars(
                            rows, "segment", series, share, "ci_low", "ci_high", ax=ax, suppressed_label=hidden,
                            total=ALL, band_text=BAND_LABELS[lang], band_label=L["band_bar"]),
                        note=kind_note, years=latest_year, ylabel=L["axes"]["share_companies"], top=top_room)
    # the bands in words beside their ids (★3:0 → ★3 あと0件), as the figures name them
    page.table("star_distance", S.with_names(bands_shown, R["band_name"], R["within_series"], L["distance_bands"]),
               slide=True, source=source(n_year(rd.latest), latest_year),
               slide_pivot=SlidePivot(["segment"], "node_name", "share_distance", split=" ", split_name="★"))
    page.table("star_within", S.with_names(within_shown, R["band_name"], R["within_series"], L["distance_bands"]))

    # readiness over the years, on the requirements that compare across the forms answered
    if len(rd.years) > 1:
        trend_rows, left_out = S.trend(rd, by, star_protected, T.trend_excluded_items(rd), min_cell)
        trend_shown = show(trend_rows)
        excluded_ids = left_out[3] + [r for r in left_out[4] if r not in left_out[3]]
        trend_basis = R["trend_excluded"].format(n3=len(left_out[3]), n4=len(left_out[4]),
                                                 ids=", ".join(excluded_ids)) if excluded_ids else R["trend_same"]
        total_trend = trend_shown[trend_shown["segment"].eq(ALL)]
        # respondents only: no members' estimate is made for the ★ readiness tables (docs/method.md §3.3)
        page.figure("star_trend", R["trend_title"], n_all, lambda ax: F.trend_lines(
            total_trend, y="share_reached", hue="node_id", lo="ci_low", hi="ci_high", ax=ax, labels=L["star_series"],
            suppressed_label=hidden, year_format=year_format),
            note=" / ".join(x for x in (trend_basis, trend_note) if x), alt=[trend_basis],
            ylabel=L["axes"]["share_companies"], right=(0.78, 0.74))
        if excluded_ids:  # a table of its own only when it differs from the ★ table
            page.table("star_comparable", trend_shown, trend_basis=trend_basis)
        else:
            display(HTML(f'<p class="sdw-note">{html.escape(trend_basis)}</p>'))

    # what-if: ★N asked of every company of one segment (sdw report --what-if star3:size_band=101〜300人)
    if what_if:
        scope = what_if_scope
        S.check_scope(scope, rd.respondents, rd.latest, rd.sector, min_cell)
        wt, wsum = S.what_if_table(rd, scope, rd.latest, bottle, star_protected, by, min_cell, lang)
        scope_text = f"{L['breakdown'].get(scope.attribute, scope.attribute)} {scope.value}"
        display(Markdown(f"### {R['what_if_section'].format(star=scope.star, scope=scope_text, year=rd.latest)}"))

        counts = P.what_if_counts(wsum)  # a withheld count reads x, as in the tables
        what_if_text = R["what_if_summary"].format(scope=scope_text, n=counts["n_companies"],
                                                   judged=counts["n_judged"], ready=counts["n_ready"],
                                                   must=counts["n_must_act"])
        display(HTML(f'<p class="sdw-note">{html.escape(what_if_text)}</p>'))
        page.table("star_what_if", wt, title_args={"star": scope.star, "scope": scope_text},
                   source=source(n_year(rd.latest), latest_year))

# %%
# Items: the least implemented in the latest year, and those that moved most.
display(Markdown(f"## {L['sections']['items']}"))
items = linked_items
weak = T.weakest_items(items, rd.latest, 10)
page.figure("weakest_items", L["titles"]["weakest_items"] + f" ({latest})", n_year(rd.latest), lambda ax: F.item_bars(
    item_labels(weak), "label", "share_implemented", "ci_low", "ci_high", ax=ax, suppressed_label=hidden),
    years=latest_year, alt=[f"{r.item_id}: {r.share_implemented:.1%}" for r in weak.itertuples()], left=0.36)
page.table("weakest_items", weak, suffix=f" ({latest})")
if len(rd.years) > 1:
    excluded = T.incomparable_items(rd, rd.years[0], rd.latest)  # reworded, new or removed between the versions
    excluded_note = L["incomparable"].format(n=len(excluded)) if excluded else ""
    mv = T.movers(items, rd.years[0], rd.latest, 8, exclude=excluded)
    n_up, n_down = int(mv["direction"].eq("up").sum()), int(mv["direction"].eq("down").sum())
    period = f"{fy[0]}→{latest}"  # the two years compared, named: not 前年差 when they are two years apart
    n_movers = L["n_year"].format(n=f"{rd.n(rd.years[0]):,} / {rd.n(rd.latest):,}")
    page.figure("movers", (L["titles"]["movers"] if n_down else L["titles"]["movers_no_fall"]).format(
        up=n_up, down=n_down) + f" ({period})", n_movers, lambda ax: F.item_bars(
        item_labels(mv), "label", "change", ax=ax, diverging=True, unit=unit, suppressed_label=hidden),
        note=" / ".join(x for x in (version_note, excluded_note) if x), years=f"{rd.years[0]}, {rd.latest}",
        alt=[excluded_note] if excluded else None, left=0.36)
    page.table("movers", mv, title=L["tables"]["movers" if n_down else "movers_no_fall"], suffix=f" ({period})",
               excluded=excluded_note)
page.table("items", items)

# %%
# The instrument's own scale, where scoring.yaml declares result bands for it (IPA 自社診断: 100 / 70–99 / 50–69 /
# ≤49 points): companies per band over the years; and, where catalogs/sectors.yaml asks for it, every item's share
# implemented in the checklist's order (the instrument's own profile).
own = T.own_scale(sector)
if own.get("bands"):
    display(Markdown(f"## {L['sections']['bands']}"))
    band_table = P.score_bands(rd, min_cell)
    shown = T.display(band_table, page.band_names(own["bands"]), ALL)
    drawn = shown[shown["segment"].ne(ALL)]
    scale_note = L["bands_note"].format(scale=own["label"])
    page.figure("score_bands", L["titles"]["bands"], n_all, lambda ax: F.grouped_bars(
        by_year(drawn), "segment", "fy", "share_band", "ci_low", "ci_high", ax=ax, suppressed_label=hidden),
        note=" / ".join(x for x in (scale_note, version_note) if x), ylabel=L["axes"]["share_companies"],
        alt=[f"{L['fy'].format(year=r.year)} {r.segment}: {r.share_band:.1%}" for r in drawn.itertuples()
             if r.share_band == r.share_band])
    page.table("bands", shown, scale=scale_note)
if info.get("item_profile"):
    display(Markdown(f"## {L['sections']['profile']}"))
    profile = T.item_profile(items, rd.latest)
    page.figure("item_profile", L["titles"]["profile"] + f" ({latest})", n_year(rd.latest), lambda ax: F.item_bars(
        item_labels(profile), "label", "share_implemented", "ci_low", "ci_high", ax=ax, suppressed_label=hidden),
        years=latest_year, alt=[f"{r.item_id}: {r.share_implemented:.1%}" for r in profile.itertuples()
                                if r.share_implemented == r.share_implemented],
        size=(style.SLIDE[0], style.SLIDE[1] * 1.5), left=0.4, top=0.9)
    page.table("item_profile", profile, suffix=f" ({latest})")

# %%
# Scoring and disclosure rules; the summary at the top; tables, deck and audit written last.
display(Markdown(f"## {L['sections']['rules']}"))
rules_text = style.rules_text(L, [sector], ctx.threshold_text)  # the sector's own answers only
disclosure_text = L["disclosure_text"].format(k=min_cell, k_less=min_cell - 1)
display(Markdown(rules_text))
display(Markdown(disclosure_text))
display(Markdown(L["marks_text"]))
if weighting_text:
    display(Markdown(weighting_text))
# the run's provenance (snapshot, code, method, parameters) last, as an appendix: for the analyst who reruns it, not
# the reader of the first page
display(Markdown(f"## {L['sections']['appendix']}"))
display(HTML(f'<p class="sdw-provenance">{provenance_text}</p>'))
published = {t.name: t for t in pub.tables}
sentences = headline(published, L, lang, rd.latest, ALL, node_names, hidden_count(pub.tables), min_cell,
                     rd.years[-2] if len(rd.years) > 1 else None, framework_label=fw_label)
if what_if_text:  # the scenario's result first: it is what a what-if report was run for
    sentences = [Sentence(what_if_text, ["star_what_if: summary"]), *sentences]
summary.update(HTML(headline_html(sentences, L["sections"]["headline"])))
about = [(L["about"]["rules"], rules_text), (L["about"]["disclosure"], disclosure_text),
         (L["about"]["k"], str(min_cell)), *([(L["about"]["weighting"], weighting_text)] if weighting_text else [])]
written = pub.close(about, {"title": report_title,
                            "subtitle": L["subtitle"].format(years=span, n=f"{len(rd.respondents):,}",
                                                             latest=f"{rd.n(rd.latest):,}"),
                            "headline": [s.text for s in sentences], "caveats": caveats,
                            "sources": page.deck_sources(), "source": source(n_all),
                            # the slide's short bullets (the paragraphs above ran to one 900-character block)
                            "rules": style.rules_bullets(L, [sector], ctx.threshold_text, min_cell)}
                    if pptx else None)

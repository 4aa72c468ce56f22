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
sector = "auto"
years = ""  # e.g. "2022-2024"; empty: every year in the store
segment_by = ""  # empty: the sector's own (catalogs/sectors.yaml: business type for power, size band for automotive)
framework = "csf2"  # csf2, or csf11 for power (the checklist's own framework)
min_cell = None  # None: k from catalogs/scoring.yaml (min_cell)
lang = "ja"
store = ""  # empty: the project's data/processed, wherever the notebook is opened from
figures_dir = ""  # empty: figures/<sector>/interactive
report_dir = ""  # empty: reports/<sector>/interactive
pptx = False  # also write a 16:9 briefing deck
weights = "roster"  # roster: the members' estimates beside the respondents' where the store has weights; none
what_if = ""  # empty, or the scope of sdw report --what-if (sectors scored on the star scheme)

# %%
import html

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display

from pipeline import catalogs, config, ruleset
from pipeline.arguments import read_what_if
from pipeline.publish.formats import hidden_text
from pipeline.publish.model import SlidePivot
from pipeline.publish.provenance import provenance
from pipeline.publish.publisher import Publisher
from pipeline.publish.render_html import REPORT_CSS
from pipeline.report import data as D
from pipeline.report import figures as F
from pipeline.report import star_tables as S
from pipeline.report import style
from pipeline.report import tables as T
from pipeline.report.context import ReportContext, hidden_count
from pipeline.report.headline import headline, headline_html

style.apply()
L = style.labels(lang)
store = store or config.STORE_DIR
info = catalogs.sector_info(sector)  # what the sector is scored on and segmented by (catalogs/sectors.yaml)
ctx = ReportContext.build(sector, framework, lang, min_cell)  # framework, its names and k from the rules
fw, fw_label, node_names, min_cell = ctx.framework, ctx.framework_label, ctx.node_names, ctx.k
# read only the frameworks this page draws (the store may hold many years of every sector)
scored_on = ctx.frameworks_to_load
rd = D.load(store, sector, years or None, frameworks=scored_on, weights=weights)
by = segment_by or info["segment"]
rd, merges = rd.merge_small_segments(by, min_cell)  # recode before you hide: documented neighbour groups
names = D.segment_names(sector, lang)
span = f"{rd.years[0]}" if len(rd.years) == 1 else f"{rd.years[0]}–{rd.years[-1]}"
ALL = L["segment_all"]
hidden = L["suppressed"]  # legend text beside the mark x
unit = L["unit_points"]
fy = [L["fy"].format(year=y) for y in rd.years]
year_format = L["fy"].replace("{year}", "{}")
prov = provenance(store, [sector], rd.years, {"sector": sector, "years": span, "segment_by": by, "framework": fw,
                                              "k": min_cell, "lang": lang, "what_if": what_if})
stamp = prov.stamp()
pub = Publisher(figures_dir or config.FIGURES_DIR / sector / "interactive",
                report_dir or config.REPORTS_DIR / sector / "interactive", lang, min_cell, prov, total_label=ALL,
                relations=T.relations(rd, fw), deck=pptx)
rule = style.rule_line(L, [sector], min_cell)  # the sector's own answers
multi_note = L["multi_counted"] if by == "business_types" else ""
groups = {}
for member, group in merges.items():
    groups.setdefault(group, []).append(names.get(member, member))
merge_note = L["merged"].format(groups="; ".join(L["merged_group"].format(group=names.get(g, g), members="+".join(m))
                                                 for g, m in groups.items())) if merges else ""
hidden_note = " ".join(x for x in (L["hidden_note"].format(k=min_cell), merge_note) if x)


def band_note_for(table):
    """The note on means published as a band (「90%以上」), where the table has one."""
    has = "mean_band" in table and table["mean_band"].isin(["high", "low"]).any()
    return L["band_note"].format(k=min_cell) if has else ""


versions = sorted(rd.respondents["template_version"].dropna().unique())
version_note = L["template_change"].format(versions=", ".join(versions)) if len(versions) > 1 else ""
# Scores of functions and levels use every item of each version; say how many of those do not compare.
# Function trends and the panel score every year on the items that compare across its versions
# (T.comparable_scores) and say how many they leave out; level trends keep each version's items and say so.
n_trend_excluded = len(T.trend_excluded_items(rd))
trend_note = " / ".join(x for x in (version_note, L["incomparable"].format(n=n_trend_excluded)
                                    if n_trend_excluded else "") if x)
score_note = " / ".join(x for x in (version_note, L["incomparable_included"].format(n=n_trend_excluded)
                                    if n_trend_excluded else "") if x)


def weighted(*columns):  # the members' columns of a table, in a weighted report only
    return list(columns) if rd.weighted else []


weighting_text = T.weighting_note(rd, L, names, min_cell)  # '' when the report describes the respondents only


def source(n, years=span):
    """The one source line; ``n`` says what it counts (L n_all / n_year / n_pairs), as the text does."""
    return L["source"].format(sector=L["sector"][sector], years=years, n=n)


n_all = L["n_all"].format(n=f"{len(rd.respondents):,}")  # respondent-years: the subtitle's 延べ


def n_year(year):
    return L["n_year"].format(n=f"{rd.n(year):,}")


def show(table):
    return T.display(table, names, ALL, by)


def named(table):
    return table.assign(node_name=table["node_id"].map(node_names))


def finish(fig, ax, title, n, note="", years=span):
    style.finish(fig, title, source(n, years), rule, " / ".join(x for x in (note, multi_note, merge_note) if x),
                 stamp)


display(HTML(f"<style>{REPORT_CSS}</style>"))
display(Markdown(f"# {L['report_title'].format(sector=L['sector'][sector])}"))
display(Markdown(L["subtitle"].format(years=span, n=f"{len(rd.respondents):,}", latest=f"{rd.n(rd.latest):,}")))
params_text = ", ".join(f"{k}={v}" for k, v in prov.parameters.items() if v not in ("", None))  # no "what_if="
provenance_text = L["provenance"].format(snapshot=prov.snapshot, code=prov.code_version, method=prov.method,
                                         generated=prov.generated, params=params_text) \
    + (L["provenance_scheme"].format(scheme=prov.scheme) if prov.scheme else "")
display(HTML(f'<p class="sdw-provenance">{provenance_text}</p>'))
if provisional := rd.provisional_caveat(L):  # our own texts and levels: the reader must know before the numbers
    display(HTML(f'<p class="sdw-note"><em>{html.escape(provisional)}</em></p>'))
caveats = [x for x in (provisional, L["mapping_note"].get(sector, ""), version_note, merge_note, multi_note) if x]
summary = display(HTML(""), display_id=True)  # filled in once every table is published

# %%
# Responses: rate by segment and year, and the sector's rate over the years.
# the other breakdowns the sector publishes (automotive: by industry beside size), merged alike and protected
# together with the sector's own: they publish the same totals
others = {b: D.load(store, sector, years or None, frameworks=scored_on).merge_small_segments(b, min_cell)[0]
          for b in info.get("breakdowns", []) if b != by and b in rd.respondents}
resp_protected, *other_resps = T.secure_together(
    [T.responses_by_segment(rd, by, min_cell), *[T.responses_by_segment(d, b, min_cell) for b, d in others.items()]],
    T.SPECS["responses"], min_cell)
resp = show(resp_protected)
has_roster = "response_rate" in resp
display(Markdown(f"## {L['sections']['responses']}"))
value = "response_rate" if has_roster else "n"
title = L["titles"]["response_rate" if has_roster else "response_counts"]


def draw_responses():
    fig, ax = style.new_figure()
    F.grouped_bars(resp.assign(fy=resp["year"].map(lambda y: L["fy"].format(year=y))), "segment", "fy", value,
                   *(("ci_low", "ci_high") if has_roster else ()), ax=ax, percent=has_roster,
                   suppressed_label=hidden, total=ALL)
    finish(fig, ax, title, n_all)
    return fig


pub.figure(draw_responses, "response_rate" if has_roster else "response_counts", title, source(n_all))
if has_roster and len(rd.years) > 1:
    def draw_response_trend():
        fig, ax = style.new_figure(right=0.78)
        F.rate_by_year(resp[resp["segment"].eq(ALL)], ax=ax, suppressed_label=hidden, year_format=year_format)
        finish(fig, ax, L["titles"]["response_trend"], n_all)
        return fig

    pub.figure(draw_response_trend, "response_trend", L["titles"]["response_trend"], source(n_all))
if weighting_text:  # what the members' estimates assume, where the reader first meets the response rates
    display(HTML(f'<p class="sdw-note">{html.escape(weighting_text)}</p>'))
pub.table("responses", resp, T.SPECS["responses"], L["tables"]["responses"],
          ["year", "segment", "n", "n_on_roster", "roster_n", "response_rate", "ci_low", "ci_high"],
          hidden_note + " " + L["rate_note"],
          view_columns=["year", "segment", "n", "roster_n", "response_rate"])

# %%
# Change over time: the sector mean per function with 95% intervals, and all respondents vs the same companies.
# functions, categories and items are tied by the public item map: protected together, before any is drawn
protected_functions, linked_categories, linked_items, *other_categories = T.linked(
    rd, by, fw, min_cell, lang, pub.relations,
    extra=[T.by_node(d, b, fw, "category", d.latest, min_cell) for b, d in others.items()])
functions = show(named(protected_functions))
display(Markdown(f"## {L['sections']['trend']}"))
total_fn = functions[functions["segment"].eq(ALL)]


def draw_function_trend():
    fig, ax = style.new_figure(right=0.74 if style.on_slide() else 0.78)
    fn_labels = {n: f"{node_names[n]} ({n})" for n in total_fn["node_id"].unique()}
    if rd.weighted:  # members' estimate solid with its interval, respondents' mean dashed
        F.trend_lines_weighted(total_fn, ax=ax, labels=fn_labels, suppressed_label=hidden,
                               style_labels=(L["series"]["members"], L["series"]["respondents"]),
                               year_format=year_format)
    else:
        F.trend_lines(total_fn, y="mean", hue="node_id", lo="mean_ci_low", hi="mean_ci_high", ax=ax, labels=fn_labels,
                      suppressed_label=hidden, year_format=year_format)
    ax.set_ylabel(L["axes"]["score"])
    if sector in L["mapping_note"]:
        style.caveat(ax, L["mapping_note"][sector])
    finish(fig, ax, L["titles"]["function_trend"].format(framework=fw_label), n_all, trend_note)
    return fig


pub.figure(draw_function_trend, "function_trend", L["titles"]["function_trend"].format(framework=fw_label),
           source(n_all), [f"{r.node_id} {L['fy'].format(year=r.year)}: {r.mean:.3f}" for r in total_fn.itertuples()
                           if r.mean == r.mean])
# by year, then function, then the segments in their order (全体 last): a reader compares segments side by side
function_order = {n: i for i, n in enumerate(dict.fromkeys(functions["node_id"]))}
functions_by_year = functions.sort_values(
    ["year", "node_id"], key=lambda s: s.map(function_order) if s.name == "node_id" else s, kind="stable")
pub.table("functions", functions_by_year, T.SPECS["nodes"],
          L["tables"]["functions"],
          ["year", "node_id", "node_name", "segment", "n_scored", "mean", "mean_ci_low", "mean_ci_high",
           *weighted("w_mean", "w_mean_ci_low", "w_mean_ci_high", "n_eff"), "previous_year", "change", "na_share"],
          " ".join(x for x in (hidden_note, band_note_for(functions_by_year), trend_note) if x),
          # every segment beside 全体, as the title promises (the radar and heatmap draw the segments too)
          view_columns=["year", "node_id", "node_name", "segment", "n_scored", "mean", *weighted("w_mean"),
                        "mean_ci_low", "mean_ci_high", "change"])
if len(rd.years) > 1:
    year_from = rd.years[-2]
    pc = named(T.panel(rd, year_from, rd.latest, min_cell, fw))
    both = T.panel_vs_all(pc, functions, rd.latest, ALL)
    n_pairs = L["n_pairs"].format(n=f"{int(pc['n'].max()) if pc['n'].notna().any() else 0:,}")
    period = f"{L['fy'].format(year=year_from)}→{L['fy'].format(year=rd.latest)}"
    pair_years = f"{year_from}–{rd.latest}"

    def draw_panel():
        # the legend right of the bars: long English basis names need room, the slide's larger text more
        fig, ax = style.new_figure(right=0.72 if lang == "en" or style.on_slide() else 0.78, left=0.22)
        F.panel_vs_all(both, labels={n: f"{node_names[n]} ({n})" for n in both["node_id"]},
                       basis_labels={"all": L["series"]["all"], "panel": L["series"]["panel"]}, unit=unit, ax=ax,
                       suppressed_label=hidden)
        finish(fig, ax, f"{L['titles']['panel_vs_all']} ({period})", n_pairs, trend_note, pair_years)
        return fig

    pub.figure(draw_panel, "panel_vs_all", f"{L['titles']['panel_vs_all']} ({period})", source(n_pairs, pair_years))
    pub.table("panel", pc, T.SPECS["panel"], L["tables"]["panel"], ["year", "node_id", "node_name", "n",
                                                                     "mean_change", "share_improved",
                                                                     "share_worsened"])

# %%
# Score distribution by segment, per year.
# a segment's overall mean bounds its functions from below: withheld where one of them is (docs/method.md §5)
dist = show(T.hide_with_functions(T.distribution(rd, by, min_cell), protected_functions, T.SPECS["distribution"],
                                  min_cell))
display(Markdown(f"## {L['sections']['distribution']}"))


def draw_distribution():
    fig, ax = style.new_figure()
    F.quantile_boxes(dist.assign(fy=dist["year"].map(lambda y: L["fy"].format(year=y))), "segment", "fy", ax=ax,
                     suppressed_label=hidden, total=ALL)
    ax.set_ylabel(L["axes"]["score"])
    finish(fig, ax, L["titles"]["score_distribution"], n_all)
    return fig


pub.figure(draw_distribution, "score_distribution", L["titles"]["score_distribution"], source(n_all))
pub.table("distribution", dist, T.SPECS["distribution"], L["tables"]["distribution"],
          ["year", "segment", "n", "mean", "previous_year", "change",
           *weighted("w_mean", "w_mean_ci_low", "w_mean_ci_high", "w_change", "n_eff"),
           "p10", "p25", "p50", "p75", "p90"],
          hidden_note + " " + L["quantile_note"].format(k=min_cell),
          view=dist["year"].eq(rd.latest), view_title=L["tables"]["distribution_latest"].format(year=rd.latest),
          view_columns=["year", "segment", "n", "mean", *weighted("w_mean"), "previous_year", "change", "p25", "p50",
                        "p75"], slide=True, source=source(n_year(rd.latest), str(rd.latest)))

# %%
# Categories by segment (latest year) and functions by segment (radar).
latest = L["fy"].format(year=rd.latest)
latest_year = str(rd.latest)  # the source line writes "FY" itself
note = ctx.not_assessed_note(rd, L)


def heatmap_section(data, attribute, protected, suffix=""):
    """The category heatmap and its table for one breakdown (the sector's own or another it publishes),
    protected with the functions and items (:func:`T.linked`)."""
    seg_names = D.segment_names(sector, lang)
    cats = T.display(named(protected), seg_names, ALL, attribute)
    # a merged group still withheld in every cell: said under the heatmap and its table, never why
    merged_names = list(dict.fromkeys(seg_names.get(g, g) for g in (merges if attribute == by else {}).values()))
    still = T.withheld_segments(cats, merged_names)
    withheld_note = L["group_withheld"].format(groups="、".join(still) if lang == "ja" else "; ".join(still)) \
        if still else ""
    band_note = band_note_for(cats)
    title = L["titles"]["csf2_heatmap"].format(framework=fw_label) + \
        (f" {L['breakdown'].get(attribute, '')}" if suffix else "") + f" ({latest})"

    ids = list(dict.fromkeys(cats["node_id"]))

    def draw(part=None):
        slide = style.on_slide()
        limit = (12 if lang == "ja" else 24) if slide else (18 if lang == "ja" else 36)
        half = (len(ids) + 1) // 2  # on a slide, half the categories each: 22 rows do not fit at 14 pt
        rows = cats if part is None else cats[cats["node_id"].isin(ids[:half] if part == 0 else ids[half:])]
        fig, ax = style.new_figure(left=0.3 if slide else 0.27, right=0.9 if slide else 0.94)
        F.heatmap(rows, "node_id", "segment", "mean", ax=ax, suppressed_label=hidden, total=ALL,
                  band_label=L["band"].format(k=min_cell), band_text=L["band_cells"],
                  row_labels={n: f"{n} {style.short(node_names.get(n, ''), limit)}" for n in rows["node_id"]})
        if sector in L["mapping_note"]:
            style.caveat(ax, L["mapping_note"][sector])
        finish(fig, ax, title, n_year(data.latest), " / ".join(x for x in (note, withheld_note) if x), latest_year)
        return fig

    pub.figure(draw, "csf2_heatmap" + suffix, title, source(n_year(data.latest), latest_year), slide_parts=2)
    if withheld_note:
        display(HTML(f'<p class="sdw-note">{html.escape(withheld_note)}</p>'))
    pub.table("categories" + suffix, cats, T.SPECS["nodes"], title,
              ["node_id", "node_name", "segment", "n_scored", "mean", "na_share"],
              " ".join(x for x in (hidden_note, band_note, withheld_note) if x), show=False)


display(Markdown(f"## {L['sections']['categories']}"))
heatmap_section(rd, by, linked_categories)
for (other, other_rd), other_cats, other_protected in zip(others.items(), other_categories, other_resps, strict=True):
    heatmap_section(other_rd, other, other_cats, f"_{other}")
    other_resp = T.display(other_protected, D.segment_names(sector, lang), ALL, other)
    pub.table(f"responses_{other}", other_resp, T.SPECS["responses"],
              f"{L['tables']['responses']} {L['breakdown'].get(other, '')}",
              ["year", "segment", "n", "n_on_roster", "roster_n", "response_rate", "ci_low", "ci_high"],
              hidden_note + " " + L["rate_note"], view=other_resp["year"].eq(rd.latest),
              view_columns=["year", "segment", "n", "roster_n", "response_rate"])

latest_fn = functions[functions["year"].eq(rd.latest)]
radar_title = L["titles"]["radar"].format(framework=fw_label) + f" ({latest})"


def draw_radar():
    fig, ax = style.new_figure(polar=True, left=0.1, right=0.55 if style.on_slide() else 0.62)
    F.radar(latest_fn, "node_id", "segment", "mean", ax=ax, highlight=ALL, suppressed_label=hidden,
            axis_labels={n: f"{node_names[n]}\n({n})" for n in latest_fn["node_id"]})
    finish(fig, ax, radar_title, n_year(rd.latest), years=latest_year)
    return fig


pub.figure(draw_radar, "radar", radar_title, source(n_year(rd.latest), latest_year))

# %%
# Sectors scored on levels (automotive): levels reached by segment over the years.
if "level" in info["frameworks"]:
    display(Markdown(f"## {L['sections']['levels']}"))
    threshold = ruleset.level_threshold()
    lv = show(T.secure(T.level_reached(rd, by, min_cell), T.SPECS["levels"], min_cell))
    title = L["titles"]["level_trend"].format(threshold=f"{threshold:.0%}")
    relevelled = T.relevelled_items(rd)
    relevelled_note = L["relevelled"].format(n=len(relevelled)) if relevelled else ""

    def draw_levels():
        fig = plt.figure(figsize=style.SLIDE_FIGURE if style.on_slide() else style.SLIDE)
        F.small_multiples(lv, facet="node_id", y="share_reached", hue="segment", fig=fig, suppressed_label=hidden,
                          year_format=year_format.replace("{}", "{}\n") if style.on_slide() and lang == "ja"
                          else year_format, total=ALL,  # three 14-point years side by side in a narrow panel
                          rect=(0.07, 0.25, 0.7, 0.84) if style.on_slide() else (0.07, 0.17, 0.78, 0.80))
        if relevelled:
            style.caveat(fig, relevelled_note)
        finish(fig, None, title, n_all, score_note)
        return fig

    pub.figure(draw_levels, "level_trend", title, source(n_all), [relevelled_note] if relevelled else None)
    pub.table("levels", lv, T.SPECS["levels"], L["tables"]["levels"],
              ["year", "node_id", "segment", "n_scored", "share_reached", "ci_low", "ci_high",
               *weighted("w_share_reached", "w_ci_low", "w_ci_high")],
              " ".join(x for x in (hidden_note, relevelled_note) if x),
              view=lv["year"].eq(rd.latest), view_title=L["tables"]["levels_latest"].format(year=rd.latest))

# %%
# Sectors whose items the ★ scheme cites (automotive): ★3/★4 readiness.
if "star" in info["frameworks"]:
    star, unjudged = T.star_readiness(rd, by, min_cell)
    star_protected = T.secure(star, T.SPECS["star"], min_cell)  # its ★N+ cells are band 0 of the distance table
    star = show(star_protected)
    latest_star = star[star["year"].eq(rd.latest)]
    star_note = L["star_note"].format(n3=len(unjudged["★3"]), n4=len(unjudged["★4"]))
    star_list = L["star_list"].format(n3=", ".join(unjudged["★3"]), n4=", ".join(unjudged["★4"]))
    star_title = L["titles"]["star_readiness"] + f" ({latest})"

    def draw_star():
        fig, ax = style.new_figure()
        F.grouped_bars(latest_star.assign(series=latest_star["node_id"].map(L["star_series"])), "segment", "series",
                       "mean", "mean_ci_low", "mean_ci_high", ax=ax, suppressed_label=hidden, total=ALL)
        finish(fig, ax, star_title, n_year(rd.latest), star_note if style.on_slide() else f"{star_note}\n{star_list}",
               latest_year)
        return fig

    pub.figure(draw_star, "star_readiness", star_title, source(n_year(rd.latest), latest_year),
               [star_note, star_list])
    pub.table("star", star, T.SPECS["star"], L["tables"]["star"],
              ["year", "node_id", "segment", "n_scored", "mean", "mean_ci_low", "mean_ci_high",
               *weighted("w_mean", "w_mean_ci_low", "w_mean_ci_high")],
              f"{star_note}: {star_list} / " + hidden_note, view=star["year"].eq(rd.latest),
              view_title=L["tables"]["star_latest"].format(year=rd.latest))

# %%
# ★ readiness for policy (issue #24): which requirements block most companies, how far they are, the trend and,
# when asked (--what-if), what ★N asked of one segment would demand. Statistics: pipeline/scoring/readiness.py.
if "star" in info["frameworks"]:
    R = L["readiness"]
    display(Markdown(f"## {R['section']}"))
    scheme = catalogs.scheme_info()
    scheme_note = R["scheme"].format(name=scheme["name"], date=scheme["label"], via=scheme["via"])
    unjudged_note = R["unjudgeable"].format(n3=", ".join(unjudged["★3"]), n4=", ".join(unjudged["★4"]))
    display(HTML(f'<p class="sdw-note">{html.escape(scheme_note)}<br>{html.escape(unjudged_note)}</p>'))
    bottle = S.with_keys(T.secure(S.bottlenecks(rd, by, min_cell), S.SPECS["star_bottlenecks"], min_cell))
    bottle_shown = show(bottle)
    for n_star in (3, 4):
        top = S.top_bottlenecks(bottle_shown, n_star, rd.latest, 10, total=ALL)  # ALL: the report's word
        top_title = R["bottleneck_title"].format(star=n_star, year=rd.latest)

        def draw_top(top=top, top_title=top_title):
            fig, ax = style.new_figure(left=0.36)
            # the bar labels read a requirement as an item (id and text); the published table keeps its own columns
            named = top.assign(item_id=top["requirement_id"], text=top["requirement_name"])
            F.item_bars(T.with_item_labels(named, 16 if style.on_slide() else 24, lang), "label", "share_unmet",
                        "ci_low", "ci_high", ax=ax, suppressed_label=hidden)
            ax.set_xlabel(L["axes"]["share_companies"])
            finish(fig, ax, top_title, n_year(rd.latest), R["unmet_note"], latest_year)
            return fig

        pub.figure(draw_top, f"star{n_star}_bottlenecks", top_title, source(n_year(rd.latest), latest_year),
                   [f"{r.requirement_id} {r.requirement_name}: {r.share_unmet:.1%} ({r.cited_items})"
                    for r in top.itertuples()])
        pub.table(f"star{n_star}_top", top, S.SPECS["star_bottlenecks"],
                  R["top_table"].format(star=n_star, year=rd.latest),
                  ["year", "requirement_id", "requirement_name", "cited_items", "n_scored", "share_unmet", "ci_low",
                   "ci_high"], R["unmet_note"], slide=n_star == 3, source=source(n_year(rd.latest), latest_year),
                  view_columns=["requirement_id", "requirement_name", "cited_items", "share_unmet", "ci_low",
                                "ci_high"])
    for n_star in (3, 4):  # the top ten of each star by segment (issue #24: ★3 and ★4 alike)
        top_ids = S.top_bottlenecks(bottle_shown, n_star, rd.latest, 10, total=ALL)["node_id"].tolist()
        heat = bottle_shown[bottle_shown["year"].eq(rd.latest) & bottle_shown["node_id"].isin(top_ids)]
        heat = heat.assign(_o=heat["node_id"].map({n: i for i, n in enumerate(top_ids)})).sort_values(
            "_o", kind="stable")
        heat_title = R["bottleneck_heatmap"].format(star=n_star, year=rd.latest)

        def draw_heat(heat=heat, heat_title=heat_title):
            fig, ax = style.new_figure(left=0.3, right=0.9)
            limit = 10 if style.on_slide() else 16
            F.heatmap(heat, "node_id", "segment", "share_unmet", ax=ax, suppressed_label=hidden, total=ALL,
                      row_labels={r.node_id: f"{r.requirement_id} {style.short(r.requirement_name, limit)}"
                                  for r in heat.itertuples()})
            finish(fig, ax, heat_title, n_year(rd.latest), R["unmet_note"], latest_year)
            return fig

        if not heat.empty:
            pub.figure(draw_heat, f"star{n_star}_bottleneck_segments", heat_title,
                       source(n_year(rd.latest), latest_year))
    pub.table("star_bottlenecks", bottle_shown, S.SPECS["star_bottlenecks"], R["bottlenecks_table"],
              ["year", "star", "requirement_id", "requirement_name", "cited_items", "segment", "n_scored",
               "share_unmet", "ci_low", "ci_high"],
              f"{R['unmet_note']} / {unjudged_note} / {hidden_note}", view=bottle_shown["year"].eq(rd.latest),
              view_columns=["star", "requirement_id", "requirement_name", "segment", "n_scored", "share_unmet"],
              view_title=R["bottlenecks_latest"].format(year=rd.latest), show=False)

    # distance to ★3/★4 and ready after fixing at most N
    bands, within = S.distance(rd, by, star_protected, min_cell)
    bands_shown, within_shown = show(bands), show(within)
    ready_rows = star[star["node_id"].isin(["★3+", "★4+"])]
    for n_star in (3, 4):
        lb = bands_shown[bands_shown["year"].eq(rd.latest) & bands_shown["node_id"].str.startswith(f"★{n_star}:")]
        lb = lb.assign(band=lb["node_id"].str.split(":").str[1].map(lambda b: R["band"].format(band=b)))
        d_title = R["distance_title"].format(star=n_star, year=rd.latest)

        def draw_distance(lb=lb, d_title=d_title):
            # six bands: a legend of up to three rows above the bars (more on a slide's larger text)
            fig, ax = style.new_figure(top=0.84 if style.on_slide() else 0.74)  # on a slide the legend goes right
            F.grouped_bars(lb, "segment", "band", "share_distance", "ci_low", "ci_high", ax=ax,
                           suppressed_label=hidden, total=ALL)
            ax.set_ylabel(L["axes"]["share_companies"])
            finish(fig, ax, d_title, n_year(rd.latest), R["distance_note"], latest_year)
            return fig

        pub.figure(draw_distance, f"star{n_star}_distance", d_title, source(n_year(rd.latest), latest_year))
        lw = within_shown[within_shown["year"].eq(rd.latest) & within_shown["node_id"].str.startswith(f"★{n_star}")]
        now = ready_rows[ready_rows["year"].eq(rd.latest) & ready_rows["node_id"].eq(f"★{n_star}+")]
        lw = pd.concat([now.assign(series=R["ready_series"]),
                        lw.assign(series=lw["node_id"].str.split("≤").str[1].map(
                            lambda n: R["within_series"].format(n=n)))], ignore_index=True)
        w_title = R["within_title"].format(star=n_star, year=rd.latest)

        def draw_within(lw=lw, w_title=w_title):
            fig, ax = style.new_figure(top=0.84 if style.on_slide() else 0.76)
            F.grouped_bars(lw, "segment", "series", "share_reached", "ci_low", "ci_high", ax=ax,
                           suppressed_label=hidden, total=ALL)
            ax.set_ylabel(L["axes"]["share_companies"])
            finish(fig, ax, w_title, n_year(rd.latest), R["within_note"], latest_year)
            return fig

        pub.figure(draw_within, f"star{n_star}_within", w_title, source(n_year(rd.latest), latest_year))
    # the bands in words beside their ids (★3:0 → ★3 あと0件), as the figures name them
    bands_shown = S.with_names(bands_shown, R["band_name"], R["within_series"])
    within_shown = S.with_names(within_shown, R["band_name"], R["within_series"])
    pub.table("star_distance", bands_shown, S.SPECS["star_distance"], R["distance_table"],
              ["year", "node_id", "node_name", "segment", "n_scored", "share_distance", "ci_low", "ci_high"],
              f"{R['distance_note']} / {hidden_note}", view=bands_shown["year"].eq(rd.latest),
              view_columns=["year", "node_name", "segment", "n_scored", "share_distance"],
              view_title=R["distance_latest"].format(year=rd.latest), slide=True,
              source=source(n_year(rd.latest), latest_year),
              slide_pivot=SlidePivot(["segment"], "node_name", "share_distance", split=" ", split_name="★"))
    pub.table("star_within", within_shown, S.SPECS["star_within"], R["within_table"],
              ["year", "node_id", "node_name", "segment", "n_scored", "share_reached", "ci_low", "ci_high"],
              f"{R['within_note']} / {hidden_note}", show=False)

    # readiness over the years, on the requirements that compare across the forms answered
    if len(rd.years) > 1:
        trend_rows, left_out = S.trend(rd, by, star_protected, T.trend_excluded_items(rd), min_cell)
        trend_shown = show(trend_rows)
        excluded_ids = left_out[3] + [r for r in left_out[4] if r not in left_out[3]]
        trend_basis = R["trend_excluded"].format(n3=len(left_out[3]), n4=len(left_out[4]),
                                                 ids=", ".join(excluded_ids)) if excluded_ids else R["trend_same"]
        total_trend = trend_shown[trend_shown["segment"].eq(ALL)]
        ready_labels = {"★3+": L["star_series"]["★3+"], "★4+": L["star_series"]["★4+"]}

        def draw_star_trend():
            fig, ax = style.new_figure(right=0.74 if style.on_slide() else 0.78)
            # respondents only: no members' estimate is made for the ★ readiness tables (docs/method.md §3.3)
            F.trend_lines(total_trend, y="share_reached", hue="node_id", lo="ci_low", hi="ci_high", ax=ax,
                          labels=ready_labels, suppressed_label=hidden, year_format=year_format)
            ax.set_ylabel(L["axes"]["share_companies"])
            finish(fig, ax, R["trend_title"], n_all, " / ".join(x for x in (trend_basis, trend_note) if x))
            return fig

        pub.figure(draw_star_trend, "star_trend", R["trend_title"], source(n_all), [trend_basis])
        if excluded_ids:  # a table of its own only when it differs from the ★ table
            pub.table("star_comparable", trend_shown, S.SPECS["star_trend"], R["trend_table"],
                      ["year", "node_id", "segment", "n_scored", "share_reached", "ci_low", "ci_high"],
                      f"{trend_basis} / {hidden_note}", show=False)
        else:
            display(HTML(f'<p class="sdw-note">{html.escape(trend_basis)}</p>'))

    # what-if: ★N asked of every company of one segment (sdw report --what-if star3:size_band=101〜300人)
    if what_if:
        scope = read_what_if(what_if)
        S.check_scope(scope, rd.respondents, rd.latest, rd.sector, min_cell)
        wt, wsum = S.what_if_table(rd, scope, rd.latest, bottle, star_protected, by, min_cell)
        scope_text = f"{L['breakdown'].get(scope.attribute, scope.attribute)} {scope.value}"
        display(Markdown(f"### {R['what_if_section'].format(star=scope.star, scope=scope_text, year=rd.latest)}"))

        mark = hidden_text()  # a withheld count reads x, as in the tables
        counts = {name: mark if v != v else f"{int(v):,}" for name, v in wsum.items()}
        what_if_text = R["what_if_summary"].format(scope=scope_text, n=counts["n_companies"],
                                                   judged=counts["n_judged"], ready=counts["n_ready"],
                                                   must=counts["n_must_act"])
        display(HTML(f'<p class="sdw-note">{html.escape(what_if_text)}</p>'))
        pub.table("star_what_if", wt, S.SPECS["star_what_if"],
                  R["what_if_title"].format(star=scope.star, scope=scope_text, year=rd.latest),
                  ["rank", "requirement_id", "requirement_name", "cited_items", "n_scored", "share_unmet", "ci_low",
                   "ci_high", "n_must_act", "n_lifted_alone", "n_ready_if_fixed_in_order"],
                  R["what_if_note"].format(k=min_cell), slide=True, source=source(n_year(rd.latest), latest_year),
                  view_columns=["rank", "requirement_id", "requirement_name", "share_unmet", "n_lifted_alone",
                                "n_ready_if_fixed_in_order"])

# %%
# Items: the least implemented in the latest year, and those that moved most.
display(Markdown(f"## {L['sections']['items']}"))
items = linked_items
weak = T.weakest_items(items, rd.latest, 10)
weak_title = L["titles"]["weakest_items"] + f" ({latest})"


def draw_weakest():
    fig, ax = style.new_figure(left=0.36)
    F.item_bars(T.with_item_labels(weak, 16 if style.on_slide() else 24, lang), "label", "share_implemented",
                "ci_low", "ci_high", ax=ax, suppressed_label=hidden)
    finish(fig, ax, weak_title, n_year(rd.latest), years=latest_year)
    return fig


pub.figure(draw_weakest, "weakest_items", weak_title, source(n_year(rd.latest), latest_year),
           [f"{r.item_id}: {r.share_implemented:.1%}" for r in weak.itertuples()])
title = weak_title
item_cols = ["year", "item_id", "text", "n_applicable", "share_implemented", "ci_low", "ci_high",
             *weighted("w_share_implemented", "w_ci_low", "w_ci_high"), "na_share"]
pub.table("weakest_items", weak, T.SPECS["items"], L["tables"]["weakest_items"] + f" ({latest})", item_cols,
          view_columns=["year", "item_id", "text", "n_applicable", "share_implemented"])
if len(rd.years) > 1:
    excluded = T.incomparable_items(rd, rd.years[0], rd.latest)  # reworded, new or removed between the versions
    excluded_note = L["incomparable"].format(n=len(excluded)) if excluded else ""
    mv = T.movers(items, rd.years[0], rd.latest, 8, exclude=excluded)
    n_up, n_down = int(mv["direction"].eq("up").sum()), int(mv["direction"].eq("down").sum())
    period = f"{fy[0]}→{latest}"  # the two years compared, named: not 前年差 when they are two years apart
    movers_title = (L["titles"]["movers"] if n_down else L["titles"]["movers_no_fall"]).format(up=n_up, down=n_down) \
        + f" ({period})"
    mover_years = f"{rd.years[0]}, {rd.latest}"
    n_movers = L["n_year"].format(n=f"{rd.n(rd.years[0]):,} / {rd.n(rd.latest):,}")

    def draw_movers():
        fig, ax = style.new_figure(left=0.36)
        F.item_bars(T.with_item_labels(mv, 16 if style.on_slide() else 24, lang), "label", "change", ax=ax,
                    diverging=True, unit=unit, suppressed_label=hidden)
        finish(fig, ax, movers_title, n_movers, " / ".join(x for x in (version_note, excluded_note) if x),
               mover_years)
        return fig

    pub.figure(draw_movers, "movers", movers_title, source(n_movers, mover_years),
               [excluded_note] if excluded else None)
    pub.table("movers", mv, T.SPECS["movers"], L["tables"]["movers"] + f" ({period})",
              ["item_id", "text", "previous_year", "share_previous", "year", "share_implemented", "change"],
              excluded_note, view_columns=["item_id", "text", "previous_year", "share_previous", "year",
                                           "share_implemented", "change"])
pub.table("items", items, T.SPECS["items"], L["tables"]["items"], item_cols, hidden_note, show=False)

# %%
# The instrument's own scale, where scoring.yaml declares result bands for it (IPA 自社診断: 100 / 70–99 / 50–69 /
# ≤49 points): companies per band over the years; and, where catalogs/sectors.yaml asks for it, every item's share
# implemented in the checklist's order (the instrument's own profile).
own = T.own_scale(sector)
if own.get("bands"):
    display(Markdown(f"## {L['sections']['bands']}"))
    band_names = {b["id"]: L["bands"][b["id"]] for b in own["bands"]}
    band_table = T.secure(T.bands(rd, min_cell), T.SPECS["bands"], min_cell)
    shown = T.display(band_table, band_names, ALL)
    drawn = shown[shown["segment"].ne(ALL)]
    bands_title = L["titles"]["bands"]
    scale_note = L["bands_note"].format(scale=own["label"])

    def draw_bands():
        fig, ax = style.new_figure()
        F.grouped_bars(drawn.assign(fy=drawn["year"].map(lambda y: L["fy"].format(year=y))), "segment", "fy",
                       "share_band", "ci_low", "ci_high", ax=ax, suppressed_label=hidden)
        ax.set_ylabel(L["axes"]["share_companies"])
        finish(fig, ax, bands_title, n_all, " / ".join(x for x in (scale_note, version_note) if x))
        return fig

    pub.figure(draw_bands, "score_bands", bands_title, source(n_all),
               [f"FY{r.year} {r.segment}: {r.share_band:.1%}" for r in drawn.itertuples()
                if r.share_band == r.share_band])
    pub.table("bands", shown, T.SPECS["bands"], L["tables"]["bands"],
              ["year", "segment", "n", "share_band", "ci_low", "ci_high"],
              hidden_note + " " + scale_note + " " + L.get("bands_meaning", ""),
              view=shown["year"].eq(rd.latest), view_title=L["tables"]["bands_latest"].format(year=rd.latest),
              view_columns=["year", "segment", "n", "share_band"])
if info.get("item_profile"):
    display(Markdown(f"## {L['sections']['profile']}"))
    profile = T.item_profile(items, rd.latest)
    profile_title = L["titles"]["profile"] + f" ({latest})"

    def draw_profile():
        fig, ax = style.new_figure(size=(style.SLIDE[0], style.SLIDE[1] * 1.5), left=0.4, top=0.9)
        F.item_bars(T.with_item_labels(profile, 16 if style.on_slide() else 22, lang), "label", "share_implemented",
                    "ci_low", "ci_high", ax=ax, suppressed_label=hidden)
        finish(fig, ax, profile_title, n_year(rd.latest), years=latest_year)
        return fig

    title = profile_title
    pub.figure(draw_profile, "item_profile", title, source(n_year(rd.latest), latest_year),
               [f"{r.item_id}: {r.share_implemented:.1%}" for r in profile.itertuples()
                if r.share_implemented == r.share_implemented])
    pub.table("item_profile", profile, T.SPECS["items"], L["tables"]["profile"] + f" ({latest})", item_cols,
              hidden_note, view_columns=["year", "item_id", "text", "n_applicable", "share_implemented"])

# %%
# Scoring and disclosure rules; the summary at the top; tables, deck and audit written last.
display(Markdown(f"## {L['sections']['rules']}"))
threshold = ruleset.level_threshold()
rules_text = style.rules_text(L, [sector], f"{threshold:.0%}")  # the sector's own answers, levels and ★ only
disclosure_text = L["disclosure_text"].format(k=min_cell, k_less=min_cell - 1)
display(Markdown(rules_text))
display(Markdown(disclosure_text))
display(Markdown(L["marks_text"]))
if weighting_text:
    display(Markdown(weighting_text))
published = {t.name: t for t in pub.tables}
sentences = headline(published, L, lang, rd.latest, ALL, node_names, hidden_count(pub.tables), min_cell,
                     rd.years[-2] if len(rd.years) > 1 else None, framework_label=fw_label)
summary.update(HTML(headline_html(sentences, L["sections"]["headline"])))
about = [(L["about"]["rules"], rules_text), (L["about"]["disclosure"], disclosure_text),
         (L["about"]["k"], str(min_cell)), *([(L["about"]["weighting"], weighting_text)] if weighting_text else [])]
written = pub.close(about, {"title": L["report_title"].format(sector=L["sector"][sector]),
                            "subtitle": L["subtitle"].format(years=span, n=f"{len(rd.respondents):,}",
                                                             latest=f"{rd.n(rd.latest):,}"),
                            "headline": [s.text for s in sentences], "caveats": caveats,
                            "rules": [rules_text, disclosure_text, L["marks_text"]]} if pptx else None)

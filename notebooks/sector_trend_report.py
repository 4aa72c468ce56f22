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
min_cell = 5
lang = "ja"
store = ""  # empty: the project's data/processed, wherever the notebook is opened from
figures_dir = ""  # empty: figures/<sector>/interactive
report_dir = ""  # empty: reports/<sector>/interactive
pptx = False  # also write a 16:9 briefing deck

# %%
import html

import matplotlib.pyplot as plt
from IPython.display import HTML, Markdown, display

from pipeline import catalogs, config
from pipeline.publish.provenance import provenance
from pipeline.publish.publisher import Publisher
from pipeline.publish.render_html import REPORT_CSS
from pipeline.report import data as D
from pipeline.report import figures as F
from pipeline.report import style
from pipeline.report import tables as T
from pipeline.report.headline import headline, headline_html

style.apply()
L = style.labels(lang)
store = store or config.STORE_DIR
info = catalogs.sector_info(sector)  # what the sector is scored on and segmented by (catalogs/sectors.yaml)
fw = framework if framework in ("csf2", "csf11") and framework in info["frameworks"] else "csf2"
# read only the frameworks this page draws (the store may hold many years of every sector)
scored_on = sorted({fw, "csf2"} | ({"level", "star"} & set(info["frameworks"])))
rd = D.load(store, sector, years or None, frameworks=scored_on)
by = segment_by or info["segment"]
names = D.segment_names(sector, lang)
span = f"{rd.years[0]}" if len(rd.years) == 1 else f"{rd.years[0]}–{rd.years[-1]}"
fw_nodes = catalogs.csf2() if fw == "csf2" else catalogs.csf11()
fw_label = {"csf2": "NIST CSF 2.0", "csf11": "NIST CSF 1.1"}[fw]
node_names = dict(zip(fw_nodes["node_id"], fw_nodes["name_ja" if lang == "ja" else "name_en"], strict=True))
ALL = L["segment_all"]
hidden = L["suppressed"].format(k=min_cell)
unit = L["unit_points"]
fy = [L["fy"].format(year=y) for y in rd.years]
prov = provenance(store, [sector], rd.years, {"sector": sector, "years": span, "segment_by": by, "framework": fw,
                                              "k": min_cell, "lang": lang})
stamp = prov.stamp()
pub = Publisher(figures_dir or config.FIGURES_DIR / sector / "interactive",
                report_dir or config.REPORTS_DIR / sector / "interactive", lang, min_cell, prov, total_label=ALL)
rule = L["rule"].format(k=min_cell)
multi_note = L["multi_counted"] if by == "business_types" else ""
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


def source(n, years=span):
    return L["source"].format(sector=L["sector"][sector], years=years, n=f"{n:,}")


def show(table):
    return T.display(table, names, ALL, by)


def named(table):
    return table.assign(node_name=table["node_id"].map(node_names))


def finish(fig, ax, title, n, note="", years=span):
    style.finish(fig, title, source(n, years), rule, " / ".join(x for x in (note, multi_note) if x), stamp)


display(HTML(f"<style>{REPORT_CSS}</style>"))
display(Markdown(f"# {L['report_title'].format(sector=L['sector'][sector])}"))
display(Markdown(L["subtitle"].format(years=span, n=f"{len(rd.respondents):,}", latest=f"{rd.n(rd.latest):,}")))
params_text = ", ".join(f"{k}={v}" for k, v in prov.parameters.items())
provenance_text = L["provenance"].format(snapshot=prov.snapshot, code=prov.code_version, method=prov.method,
                                         generated=prov.generated, params=params_text)
display(HTML(f'<p class="sdw-provenance">{provenance_text}</p>'))
if provisional := rd.provisional_caveat(L):  # our own texts and levels: the reader must know before the numbers
    display(HTML(f'<p class="sdw-note"><em>{html.escape(provisional)}</em></p>'))
summary = display(HTML(""), display_id=True)  # filled in once every table is published

# %%
# Responses: rate by segment and year, and the sector's rate over the years.
resp = show(T.responses_by_segment(rd, by, min_cell))
has_roster = "response_rate" in resp
display(Markdown(f"## {L['sections']['responses']}"))
fig, ax = style.new_figure()
value = "response_rate" if has_roster else "n"
F.grouped_bars(resp.assign(fy=resp["year"].map(lambda y: L["fy"].format(year=y))), "segment", "fy", value,
               *(("ci_low", "ci_high") if has_roster else ()), ax=ax, percent=has_roster, suppressed_label=hidden)
title = L["titles"]["response_rate" if has_roster else "response_counts"]
finish(fig, ax, title, rd.n())
pub.figure(fig, "response_rate" if has_roster else "response_counts", title, source(rd.n()))
if has_roster and len(rd.years) > 1:
    fig, ax = style.new_figure()
    F.rate_by_year(resp[resp["segment"].eq(ALL)], ax=ax, suppressed_label=hidden, year_format=L["fy"].replace(
        "{year}", "{}"))
    finish(fig, ax, L["titles"]["response_trend"], rd.n())
    pub.figure(fig, "response_trend", L["titles"]["response_trend"], source(rd.n()))
pub.table("responses", resp, T.SPECS["responses"], L["tables"]["responses"],
          ["year", "segment", "n", "n_on_roster", "roster_n", "response_rate", "ci_low", "ci_high"],
          L["hidden_note"].format(k=min_cell) + " " + L["rate_note"],
          view_columns=["year", "segment", "n", "roster_n", "response_rate"])

# %%
# Change over time: the sector mean per function with 95% intervals, and all respondents vs the same companies.
functions = show(named(T.by_node(rd, by, fw, "function", None, min_cell)))
display(Markdown(f"## {L['sections']['trend']}"))
total_fn = functions[functions["segment"].eq(ALL)]
fig, ax = style.new_figure(right=0.78)
F.trend_lines(total_fn, y="mean", hue="node_id", lo="mean_ci_low", hi="mean_ci_high", ax=ax,
              labels={n: f"{node_names[n]} ({n})" for n in total_fn["node_id"].unique()}, suppressed_label=hidden,
              year_format=L["fy"].replace("{year}", "{}"))
ax.set_ylabel(L["axes"]["score"])
if sector in L["mapping_note"]:
    style.caveat(ax, L["mapping_note"][sector])
finish(fig, ax, L["titles"]["function_trend"].replace("NIST CSF 2.0", fw_label), rd.n(), trend_note)
pub.figure(fig, "function_trend", L["titles"]["function_trend"].replace("NIST CSF 2.0", fw_label), source(rd.n()),
           [f"{r.node_id} FY{r.year}: {r.mean:.3f}" for r in total_fn.itertuples() if r.mean == r.mean])
pub.table("functions", functions, T.SPECS["nodes"], L["tables"]["functions"].replace("NIST CSF 2.0", fw_label),
          ["year", "node_id", "node_name", "segment", "n_scored", "mean", "mean_ci_low", "mean_ci_high", "change",
           "na_share"], " ".join(x for x in (L["hidden_note"].format(k=min_cell), trend_note) if x),
          view=functions["segment"].eq(ALL),
          view_columns=["year", "node_id", "node_name", "n_scored", "mean", "mean_ci_low", "mean_ci_high", "change"])
if len(rd.years) > 1:
    year_from = rd.years[-2]
    pc = named(T.panel(rd, year_from, rd.latest, min_cell, fw))
    both = T.panel_vs_all(pc, functions, rd.latest, ALL)
    fig, ax = style.new_figure(right=0.78, left=0.2)
    F.panel_vs_all(both, labels={n: f"{node_names[n]} ({n})" for n in both["node_id"]},
                   basis_labels={"all": L["series"]["all"], "panel": L["series"]["panel"]}, unit=unit, ax=ax,
                   suppressed_label=hidden)
    n_pairs = int(pc["n"].max()) if pc["n"].notna().any() else 0
    period = f"{L['fy'].format(year=year_from)}→{L['fy'].format(year=rd.latest)}"
    finish(fig, ax, f"{L['titles']['panel_vs_all']} ({period})", n_pairs, trend_note)
    pub.figure(fig, "panel_vs_all", f"{L['titles']['panel_vs_all']} ({period})", source(n_pairs))
    pub.table("panel", pc, T.SPECS["panel"], L["tables"]["panel"], ["year", "node_id", "node_name", "n",
                                                                     "mean_change", "share_improved",
                                                                     "share_worsened"])

# %%
# Score distribution by segment, per year.
dist = show(T.distribution(rd, by, min_cell))
display(Markdown(f"## {L['sections']['distribution']}"))
fig, ax = style.new_figure()
F.quantile_boxes(dist.assign(fy=dist["year"].map(lambda y: L["fy"].format(year=y))), "segment", "fy", ax=ax,
                 suppressed_label=hidden)
ax.set_ylabel(L["axes"]["score"])
finish(fig, ax, L["titles"]["score_distribution"], rd.n())
pub.figure(fig, "score_distribution", L["titles"]["score_distribution"], source(rd.n()))
pub.table("distribution", dist, T.SPECS["distribution"], L["tables"]["distribution"],
          ["year", "segment", "n", "mean", "change", "p10", "p25", "p50", "p75", "p90"],
          L["hidden_note"].format(k=min_cell) + " " + L["quantile_note"].format(k=min_cell),
          view=dist["year"].eq(rd.latest),
          view_columns=["segment", "n", "mean", "change", "p25", "p50", "p75"])

# %%
# Categories by segment (latest year) and functions by segment (radar).
latest = L["fy"].format(year=rd.latest)
latest_year = str(rd.latest)  # the source line writes "FY" itself
cats = show(named(T.by_node(rd, by, fw, "category", rd.latest, min_cell)))
display(Markdown(f"## {L['sections']['categories']}"))
fig, ax = style.new_figure(left=0.27)
F.heatmap(cats, "node_id", "segment", "mean", ax=ax, suppressed_label=hidden,
          row_labels={n: style.short(f"{n} {node_names.get(n, '')}", 24) for n in cats["node_id"]})
note = L["not_assessed"].format(n=T.not_assessed_subcategories(rd)) if fw == "csf2" and "csf11" in info["frameworks"] \
    else L["dash"]
if sector in L["mapping_note"]:
    style.caveat(ax, L["mapping_note"][sector])
title = L["titles"]["csf2_heatmap"].replace("NIST CSF 2.0", fw_label) + f" ({latest})"
finish(fig, ax, title, rd.n(rd.latest), note, latest_year)
pub.figure(fig, "csf2_heatmap", title, source(rd.n(rd.latest), latest_year))
pub.table("categories", cats, T.SPECS["nodes"], L["tables"]["categories"] + f" ({latest})",
          ["node_id", "node_name", "segment", "n_scored", "mean", "na_share"], L["hidden_note"].format(k=min_cell),
          show=False)

latest_fn = functions[functions["year"].eq(rd.latest)]
fig, ax = style.new_figure(polar=True, left=0.1, right=0.62)
F.radar(latest_fn, "node_id", "segment", "mean", ax=ax, highlight=ALL, suppressed_label=hidden,
        axis_labels={n: f"{node_names[n]}\n({n})" for n in latest_fn["node_id"]})
title = L["titles"]["radar"].replace("NIST CSF 2.0", fw_label) + f" ({latest})"
finish(fig, ax, title, rd.n(rd.latest), years=latest_year)
pub.figure(fig, "radar", title, source(rd.n(rd.latest), latest_year))

# %%
# Sectors scored on levels (automotive): levels reached by segment over the years.
if "level" in info["frameworks"]:
    display(Markdown(f"## {L['sections']['levels']}"))
    threshold = catalogs.scoring_rules()["level_threshold"]
    lv = show(T.level_reached(rd, by, min_cell))
    fig = plt.figure(figsize=style.SLIDE)
    F.small_multiples(lv, facet="node_id", y="share_reached", hue="segment", fig=fig, suppressed_label=hidden,
                      year_format=L["fy"].replace("{year}", "{}"))
    title = L["titles"]["level_trend"].format(threshold=f"{threshold:.0%}")
    relevelled = T.relevelled_items(rd)
    relevelled_note = L["relevelled"].format(n=len(relevelled)) if relevelled else ""
    if relevelled:
        style.caveat(fig, relevelled_note)
    finish(fig, None, title, rd.n(), score_note)
    pub.figure(fig, "level_trend", title, source(rd.n()), [relevelled_note] if relevelled else None)
    pub.table("levels", lv, T.SPECS["levels"], L["tables"]["levels"],
              ["year", "node_id", "segment", "n_scored", "share_reached", "ci_low", "ci_high"],
              " ".join(x for x in (L["hidden_note"].format(k=min_cell), relevelled_note) if x),
              view=lv["year"].eq(rd.latest))

# %%
# Sectors whose items the ★ scheme cites (automotive): ★3/★4 readiness.
if "star" in info["frameworks"]:
    star, unjudged = T.star_readiness(rd, by, min_cell)
    star = show(star)
    fig, ax = style.new_figure()
    latest_star = star[star["year"].eq(rd.latest)]
    F.grouped_bars(latest_star.assign(series=latest_star["node_id"].map(L["star_series"])), "segment", "series",
                   "mean", "mean_ci_low", "mean_ci_high", ax=ax, suppressed_label=hidden)
    star_note = L["star_note"].format(n3=len(unjudged["★3"]), n4=len(unjudged["★4"]))
    star_list = L["star_list"].format(n3=", ".join(unjudged["★3"]), n4=", ".join(unjudged["★4"]))
    title = L["titles"]["star_readiness"] + f" ({latest})"
    finish(fig, ax, title, rd.n(rd.latest), f"{star_note}\n{star_list}", latest_year)
    pub.figure(fig, "star_readiness", title, source(rd.n(rd.latest), latest_year), [star_note, star_list])
    pub.table("star", star, T.SPECS["star"], L["tables"]["star"],
              ["year", "node_id", "segment", "n_scored", "mean", "mean_ci_low", "mean_ci_high"],
              f"{star_note}: {star_list} / " + L["hidden_note"].format(k=min_cell), view=star["year"].eq(rd.latest))

# %%
# Items: the least implemented in the latest year, and those that moved most.
display(Markdown(f"## {L['sections']['items']}"))
items = T.items(rd, min_cell, lang)
weak = T.weakest_items(items, rd.latest, 10)
fig, ax = style.new_figure(left=0.36)
F.item_bars(T.with_item_labels(weak, lang=lang), "label", "share_implemented", "ci_low", "ci_high", ax=ax,
            suppressed_label=hidden)
title = L["titles"]["weakest_items"] + f" ({latest})"
finish(fig, ax, title, rd.n(rd.latest), years=latest_year)
pub.figure(fig, "weakest_items", title, source(rd.n(rd.latest), latest_year),
           [f"{r.item_id}: {r.share_implemented:.1%}" for r in weak.itertuples()])
item_cols = ["year", "item_id", "text", "n_applicable", "share_implemented", "ci_low", "ci_high", "na_share"]
pub.table("weakest_items", weak, T.SPECS["items"], L["tables"]["weakest_items"] + f" ({latest})", item_cols,
          view_columns=["item_id", "text", "n_applicable", "share_implemented"])
if len(rd.years) > 1:
    excluded = T.incomparable_items(rd, rd.years[0], rd.latest)  # reworded, new or removed between the versions
    excluded_note = L["incomparable"].format(n=len(excluded)) if excluded else ""
    mv = T.movers(items, rd.years[0], rd.latest, 8, exclude=excluded)
    fig, ax = style.new_figure(left=0.36)
    F.item_bars(T.with_item_labels(mv, lang=lang), "label", "change", ax=ax, diverging=True, unit=unit,
                suppressed_label=hidden)
    period = f"{fy[0]}→{latest}"
    finish(fig, ax, L["titles"]["movers"] + f" ({period})", rd.n(),
           " / ".join(x for x in (version_note, excluded_note) if x))
    pub.figure(fig, "movers", L["titles"]["movers"] + f" ({period})", source(rd.n()),
               [excluded_note] if excluded else None)
    pub.table("movers", mv, T.SPECS["movers"], L["tables"]["movers"] + f" ({period})",
              ["item_id", "text", "previous_year", "share_previous", "year", "share_implemented", "change"],
              excluded_note, view_columns=["item_id", "text", "share_previous", "share_implemented", "change"])
pub.table("items", items, T.SPECS["items"], L["tables"]["items"], item_cols, L["hidden_note"].format(k=min_cell),
          show=False)

# %%
# The instrument's own scale, where scoring.yaml declares result bands for it (IPA 自社診断: 100 / 70–99 / 50–69 /
# ≤49 points): companies per band over the years; and, where catalogs/sectors.yaml asks for it, every item's share
# implemented in the checklist's order (the instrument's own profile).
own = T.own_scale(sector)
if own.get("bands"):
    display(Markdown(f"## {L['sections']['bands']}"))
    band_names = {b["id"]: L["bands"][b["id"]] for b in own["bands"]}
    band_table = T.bands(rd, min_cell)
    shown = T.display(band_table, band_names, ALL)
    fig, ax = style.new_figure()
    drawn = shown[shown["segment"].ne(ALL)]
    F.grouped_bars(drawn.assign(fy=drawn["year"].map(lambda y: L["fy"].format(year=y))), "segment", "fy",
                   "share_band", "ci_low", "ci_high", ax=ax, suppressed_label=hidden)
    ax.set_ylabel(L["axes"]["share_companies"])
    title = L["titles"]["bands"]
    scale_note = L["bands_note"].format(scale=own["label"])
    finish(fig, ax, title, rd.n(), " / ".join(x for x in (scale_note, version_note) if x))
    pub.figure(fig, "score_bands", title, source(rd.n()),
               [f"FY{r.year} {r.segment}: {r.share_band:.1%}" for r in drawn.itertuples()
                if r.share_band == r.share_band])
    pub.table("bands", shown, T.SPECS["bands"], L["tables"]["bands"],
              ["year", "segment", "n", "share_band", "ci_low", "ci_high"],
              L["hidden_note"].format(k=min_cell) + " " + scale_note + " " + L.get("bands_meaning", ""),
              view=shown["year"].eq(rd.latest), view_columns=["segment", "n", "share_band"])
if info.get("item_profile"):
    display(Markdown(f"## {L['sections']['profile']}"))
    profile = T.item_profile(items, rd.latest)
    fig, ax = style.new_figure(size=(style.SLIDE[0], style.SLIDE[1] * 1.5), left=0.4, top=0.9)
    F.item_bars(T.with_item_labels(profile, 22, lang), "label", "share_implemented", "ci_low", "ci_high", ax=ax,
                suppressed_label=hidden)
    title = L["titles"]["profile"] + f" ({latest})"
    finish(fig, ax, title, rd.n(rd.latest), years=latest_year)
    pub.figure(fig, "item_profile", title, source(rd.n(rd.latest), latest_year),
               [f"{r.item_id}: {r.share_implemented:.1%}" for r in profile.itertuples()
                if r.share_implemented == r.share_implemented])
    pub.table("item_profile", profile, T.SPECS["items"], L["tables"]["profile"] + f" ({latest})", item_cols,
              L["hidden_note"].format(k=min_cell),
              view_columns=["item_id", "text", "n_applicable", "share_implemented"])

# %%
# Scoring and disclosure rules; the summary at the top; tables, deck and audit written last.
display(Markdown(f"## {L['sections']['rules']}"))
threshold = catalogs.scoring_rules()["level_threshold"]
display(Markdown(L["rules_text"].format(threshold=f"{threshold:.0%}")))
display(Markdown(L["disclosure_text"].format(k=min_cell)))
published = {t.name: t for t in pub.tables}
n_hidden = int(sum((t.frame["suppressed"].fillna("") != "").sum() for t in pub.tables if "suppressed" in t.frame))
sentences = headline(published, L, lang, rd.latest, ALL, node_names, n_hidden, min_cell)
summary.update(HTML(headline_html(sentences, L["sections"]["headline"])))
about = [(L["about"]["rules"], L["rules_text"].format(threshold=f"{threshold:.0%}")),
         (L["about"]["disclosure"], L["disclosure_text"].format(k=min_cell)), (L["about"]["k"], str(min_cell))]
written = pub.close(about, {"title": L["report_title"].format(sector=L["sector"][sector]),
                            "subtitle": L["subtitle"].format(years=span, n=f"{len(rd.respondents):,}",
                                                             latest=f"{rd.n(rd.latest):,}"),
                            "headline": [s.text for s in sentences]} if pptx else None)

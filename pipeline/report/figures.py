"""One function per figure kind: takes a tidy (already protected) table and an Axes, draws, returns
the Axes. Never saves or shows; suppressed cells are drawn as visibly empty, never as zero."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from pipeline.report.style import HATCHES, PALETTE

SUPPRESSED_COLOUR = "#DDDDDD"


def _ax(ax: Axes | None) -> Axes:
    return ax if ax is not None else plt.gca()


def _groups(table: pd.DataFrame, x: str, hue: str):
    """Group positions on x, hue series within a group, and each series' bar width."""
    xs = list(dict.fromkeys(table[x]))
    hues = list(dict.fromkeys(table[hue]))
    return xs, hues, 0.8 / max(len(hues), 1)


def grouped_bars(table: pd.DataFrame, x: str, hue: str, value: str, lo: str | None = None, hi: str | None = None,
                 ax: Axes | None = None, percent: bool = True, suppressed_label: str = "n<k") -> Axes:
    """Bars of ``value`` by ``x`` (groups) and ``hue`` (bars within a group), with interval whiskers.

    Rows whose ``suppressed`` is set are drawn as a hatched grey stub labelled ``suppressed_label``.
    """
    ax = _ax(ax)
    xs, hues, width = _groups(table, x, hue)
    for j, h in enumerate(hues):
        rows = table[table[hue].eq(h)].set_index(x).reindex(xs)
        pos = np.arange(len(xs)) - 0.4 + width * (j + 0.5)
        vals = rows[value].to_numpy(dtype=float)
        hidden = rows.get("suppressed", pd.Series("", index=rows.index)).fillna("").ne("").to_numpy()
        ax.bar(pos, np.nan_to_num(vals), width * 0.92, color=PALETTE[j % len(PALETTE)], hatch=HATCHES[j % 8],
               edgecolor="white", label=str(h))
        if lo and hi:
            err = np.vstack([vals - rows[lo].to_numpy(float), rows[hi].to_numpy(float) - vals])
            ax.errorbar(pos, vals, yerr=np.clip(np.nan_to_num(err), 0, None), fmt="none", ecolor="#333333", capsize=2,
                        lw=0.8)
        for p, h_ in zip(pos, hidden, strict=True):
            if h_:
                ax.bar(p, 0.03 if percent else 0, width * 0.92, color=SUPPRESSED_COLOUR, hatch="///")
                ax.text(p, 0.04, suppressed_label, rotation=90, ha="center", va="bottom", fontsize=7)
    ax.set_xticks(np.arange(len(xs)), [str(v) for v in xs])
    if percent:
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    ax.legend(ncols=min(len(hues), 6), loc="upper left", bbox_to_anchor=(0, 1.0), fontsize=8)
    return ax


def quantile_boxes(table: pd.DataFrame, x: str, hue: str, ax: Axes | None = None) -> Axes:
    """Box from the 25th to the 75th percentile, whiskers 10th–90th, line at the median."""
    ax = _ax(ax)
    xs, hues, width = _groups(table, x, hue)
    for j, h in enumerate(hues):
        rows = table[table[hue].eq(h)].set_index(x).reindex(xs)
        for i, (_, r) in enumerate(rows.iterrows()):
            p = i - 0.4 + width * (j + 0.5)
            if pd.isna(r.get("p50")):
                ax.text(p, 0.02, "n<k", rotation=90, ha="center", fontsize=7, color="#666666")
                continue
            c = PALETTE[j % len(PALETTE)]
            ax.add_patch(plt.Rectangle((p - width * 0.4, r["p25"]), width * 0.8, r["p75"] - r["p25"], facecolor=c,
                                       alpha=0.75, hatch=HATCHES[j % 8], edgecolor="white"))
            ax.plot([p, p], [r["p10"], r["p25"]], color=c, lw=1)
            ax.plot([p, p], [r["p75"], r["p90"]], color=c, lw=1)
            ax.plot([p - width * 0.4, p + width * 0.4], [r["p50"], r["p50"]], color="black", lw=1.5)
        ax.bar([0], [0], color=PALETTE[j % len(PALETTE)], label=str(h))
    ax.set_xlim(-0.6, len(xs) - 0.4)
    ax.set_xticks(range(len(xs)), [str(v) for v in xs])
    ax.set_ylim(0, 1.02)
    ax.legend(ncols=min(len(hues), 6), loc="upper left", fontsize=8)
    return ax


def heatmap(table: pd.DataFrame, row: str, col: str, value: str, ax: Axes | None = None,
            row_labels: dict[str, str] | None = None) -> Axes:
    """Rows × columns of a 0–1 value, annotated; suppressed or not-assessed cells grey with '—'."""
    ax = _ax(ax)
    rows = list(dict.fromkeys(table[row]))
    cols = list(dict.fromkeys(table[col]))
    grid = table.pivot_table(index=row, columns=col, values=value, aggfunc="first", dropna=False)
    grid = grid.reindex(index=rows, columns=cols)
    data = np.ma.masked_invalid(grid.to_numpy(dtype=float))
    cmap = plt.get_cmap("cividis").with_extremes(bad=SUPPRESSED_COLOUR)
    im = ax.imshow(data, cmap=cmap, vmin=0, vmax=1, aspect="auto")
    for i in range(len(rows)):
        for j in range(len(cols)):
            v = grid.iat[i, j]
            text, colour = ("—", "#555555") if pd.isna(v) else (f"{v:.0%}", "white" if v < 0.6 else "black")
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
    ax.set_xticks(range(len(cols)), [str(c) for c in cols], fontsize=8)
    ax.set_yticks(range(len(rows)), [(row_labels or {}).get(r, r) for r in rows], fontsize=7)
    ax.grid(False)
    ax.figure.colorbar(im, ax=ax, fraction=0.025, pad=0.01)
    return ax


def radar(table: pd.DataFrame, axis: str, series: str, value: str, ax: Axes, axis_labels: dict[str, str] | None = None,
          highlight: str | None = None) -> Axes:
    """One closed polygon per series over the axes (e.g. CSF functions); ``ax`` must be polar."""
    axes_order = list(dict.fromkeys(table[axis]))
    angles = np.linspace(0, 2 * np.pi, len(axes_order), endpoint=False)
    for j, s in enumerate(dict.fromkeys(table[series])):
        vals = table[table[series].eq(s)].set_index(axis).reindex(axes_order)[value].to_numpy(float)
        if np.isnan(vals).all():
            continue
        closed = np.append(vals, vals[0])
        lw, colour = (2.5, "black") if s == highlight else (1.2, PALETTE[j % len(PALETTE)])
        ax.plot(np.append(angles, angles[0]), closed, lw=lw, color=colour, label=str(s),
                linestyle="-" if s == highlight else ["-", "--", ":", "-."][j % 4])
    ax.set_xticks(angles, [(axis_labels or {}).get(a, a) for a in axes_order])
    ax.set_ylim(0, 1)
    ax.set_yticks([0.25, 0.5, 0.75, 1.0], ["25%", "50%", "75%", "100%"], fontsize=7)
    ax.legend(loc="upper left", bbox_to_anchor=(1.05, 1.0), fontsize=8)
    return ax


def item_bars(table: pd.DataFrame, label: str, value: str, lo: str | None = None, hi: str | None = None,
              ax: Axes | None = None, diverging: bool = False) -> Axes:
    """Horizontal bars, one per item (or node), optionally with whiskers; diverging for changes."""
    ax = _ax(ax)
    t = table.reset_index(drop=True)
    vals = t[value].to_numpy(float)
    colours = [PALETTE[0] if (v >= 0 or not diverging) else PALETTE[3] for v in np.nan_to_num(vals)]
    ax.barh(range(len(t)), np.nan_to_num(vals), color=colours)
    if lo and hi:
        err = np.vstack([vals - t[lo].to_numpy(float), t[hi].to_numpy(float) - vals])
        ax.errorbar(vals, range(len(t)), xerr=np.clip(np.nan_to_num(err), 0, None), fmt="none", ecolor="#333333",
                    capsize=2, lw=0.8)
    ax.set_yticks(range(len(t)), [str(v) for v in t[label]], fontsize=8)
    ax.invert_yaxis()
    if diverging:
        ax.axvline(0, color="black", lw=0.8)
    else:
        ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:+.0%}" if diverging else f"{v:.0%}"))
    return ax

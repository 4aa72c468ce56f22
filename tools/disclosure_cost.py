"""What disclosure control costs a report: published cells and headline sentences, before and after.

    python tools/disclosure_cost.py BEFORE_DIR AFTER_DIR

Each DIR is a report folder written by ``sdw report`` (tables/*.csv, sector_trend_report.html). A cell is
one statistic of one row (mean, share, quantile, count…) that is published: its row is not hidden and the
value is not blank. Prints, per table, the cells published before and after, and the headline sentences
(the report's summary list) that differ.
"""

from __future__ import annotations

import re
import sys
from html import unescape
from pathlib import Path

import pandas as pd

KEYS = {"sector", "year", "framework", "node_id", "segment", "item_id", "text", "node_name", "suppressed",
        "previous_year", "threshold", "multi_counted", "year_from", "year_to", "sector_name", "rounded",
        "rounded_previous"}


def cells(folder: Path) -> dict[str, int]:
    """Published statistic cells per table of a report folder's machine copy."""
    out = {}
    for path in sorted((folder / "tables").glob("*.csv")):
        t = pd.read_csv(path, keep_default_na=False, na_values=[""])
        shown = t[t["suppressed"].isna() | t["suppressed"].eq("")] if "suppressed" in t else t
        stats = [c for c in shown.columns if c not in KEYS]
        out[path.stem] = int(shown[stats].notna().sum().sum())
    return out


def headline(folder: Path) -> list[str]:
    """The headline sentences at the top of the report's HTML."""
    pages = list(folder.glob("*.html"))
    if not pages:
        return []
    html = pages[0].read_text(encoding="utf-8")
    block = re.search(r'<div class="sdw-headline">(.*?)</div>', html, re.S)
    if not block:
        return []
    items = re.findall(r"<li[^>]*>(.*?)</li>", block.group(1), re.S)
    return [unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in items]


def main(before: Path, after: Path) -> None:
    b, a = cells(before), cells(after)
    print(f"{'table':<16}{'before':>8}{'after':>8}{'lost':>8}")
    for name in sorted(set(b) | set(a)):
        x, y = b.get(name, 0), a.get(name, 0)
        print(f"{name:<16}{x:>8}{y:>8}{x - y:>8}")
    tb, ta = sum(b.values()), sum(a.values())
    print(f"{'total':<16}{tb:>8}{ta:>8}{tb - ta:>8} ({(tb - ta) / tb:.1%} of the cells)" if tb else "no cells")
    hb, ha = headline(before), headline(after)
    changed = [(x, y) for x, y in zip(hb, ha, strict=False) if x != y]
    print(f"headline: {len(hb)} sentences before, {len(ha)} after, {len(changed)} changed")
    for x, y in changed:
        print(f"  - {x}\n  + {y}")
    for y in ha[len(hb):]:
        print(f"  + {y}")
    for x in hb[len(ha):]:
        print(f"  - {x}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))

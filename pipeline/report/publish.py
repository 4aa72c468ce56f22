"""Where a report's figures and tables go: PNG (300 dpi) and SVG under stable names, and one Excel
workbook of the tables behind them for policy staff."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import xlsxwriter


class Publisher:
    def __init__(self, figures_dir: Path | str, tables_path: Path | str) -> None:
        self.figures_dir = Path(figures_dir)
        self.tables_path = Path(tables_path)
        self.figures: list[Path] = []
        self.tables: dict[str, pd.DataFrame] = {}
        self.figures_dir.mkdir(parents=True, exist_ok=True)

    def figure(self, fig, name: str) -> Path:
        """Save ``fig`` as NAME.png and NAME.svg; returns the PNG path. The figure stays open for display."""
        for ext in ("png", "svg"):
            fig.savefig(self.figures_dir / f"{name}.{ext}", dpi=300 if ext == "png" else None)
        self.figures.append(self.figures_dir / f"{name}.png")
        return self.figures[-1]

    def table(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        self.tables[re.sub(r"[\[\]:*?/\\]", "_", name)[:31]] = frame
        return frame

    def close(self) -> Path:
        """Write every table to one workbook; text that looks like a formula stays text."""
        self.tables_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.tables_path.with_suffix(".tmp.xlsx")
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False,
                                            "strings_to_numbers": False, "nan_inf_to_errors": True})
        head = wb.add_format({"bold": True, "bg_color": "#DDDDDD"})
        for name, frame in self.tables.items():
            ws = wb.add_worksheet(name)
            ws.write_row(0, 0, [str(c) for c in frame.columns], head)
            for r, row in enumerate(frame.itertuples(index=False), start=1):
                ws.write_row(r, 0, [_cell(v) for v in row])
            ws.freeze_panes(1, 0)
        wb.close()
        tmp.replace(self.tables_path)
        plt.close("all")
        return self.tables_path


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if hasattr(value, "item"):
        return value.item()
    return value if isinstance(value, int | float | str) else str(value)

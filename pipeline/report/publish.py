"""Where a report's figures and tables go: PNG (300 dpi) and SVG under stable names, and one Excel
workbook of the tables behind them for policy staff."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from pipeline.xlsx import workbook, write_sheet


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
        wb = workbook(tmp)
        for name, frame in self.tables.items():
            write_sheet(wb, name, frame, autofilter=False)
        wb.close()
        tmp.replace(self.tables_path)
        plt.close("all")
        return self.tables_path

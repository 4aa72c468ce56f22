"""Write the checklist fixtures saved by LibreOffice (tests/fixtures/libreoffice/), by hand, once.

usage: python tools/make_libreoffice_fixtures.py   (needs `soffice`; Debian: libreoffice-calc-nogui)

Associations receive workbooks that members opened and saved in LibreOffice, whose files differ
from Excel's (its own styles, shared strings, numbers for typed digits, .ods when a member keeps
the native format). CI has no LibreOffice, so the files are made here and committed (a few KB
each); the tests read them with the answers below, which the tests import from this module.

Each fixture starts as a handmade checklist (tests/handmade.py) and is converted by LibreOffice:
the automotive one to .xlsx, .ods and .xls, the power one to .xlsm.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "fixtures" / "libreoffice"
COMPANY_AUTO = "株式会社エルオー部品"
COMPANY_POWER = "エルオー電力株式会社"
NUMBER_AUTO = 9234567890123  # a valid 法人番号 typed as a number: LibreOffice keeps it numeric
NUMBER_POWER = "7000012050002"
FORMATS = {"auto": ("xlsx", "ods", "xls"), "power": ("xlsm",)}
FILTERS = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "ods": "ods", "xls": "xls:MS Excel 97",
           "xlsm": "xlsm:Calc MS Excel 2007 VBA XML"}


def auto_answer(n: int) -> str:
    """The answer the automotive fixtures give to item n (three kinds, and a full-width variant)."""
    if n % 7 == 0:
        return "未達成"
    if n % 11 == 0:
        return "対象外"
    return "達成　" if n == 5 else "達成"


def power_answer(item: str) -> str:
    return "一部実施している" if item.startswith("DE.") else "実施している"


def _sources(folder: Path) -> dict[str, Path]:
    sys.path.insert(0, str(ROOT))
    from tests.handmade import auto_rows, power_rows, write_auto, write_power

    auto = write_auto(folder / "auto_libreoffice.xlsx", rows=auto_rows(auto_answer),
                      cover={"会社名": COMPANY_AUTO, "法人番号": NUMBER_AUTO, "回答日": dt.date(2024, 11, 5)})
    power = write_power(folder / "power_libreoffice.xlsx", rows=power_rows(power_answer),
                        cover={"事業者名": COMPANY_POWER, "法人番号": NUMBER_POWER})
    return {"auto": auto, "power": power}


def main() -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        sys.exit("soffice not found (Debian: apt-get install libreoffice-calc-nogui)")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        sources = _sources(Path(tmp) / "src")
        for kind, source in sources.items():
            for fmt in FORMATS[kind]:
                target = Path(tmp) / fmt
                subprocess.run([soffice, "--headless", "--convert-to", FILTERS[fmt], "--outdir", str(target),
                                str(source)], check=True, capture_output=True, timeout=180)
                made = next(target.iterdir())
                shutil.copy(made, OUT / f"{source.stem}.{fmt}")
                print(f"{OUT / f'{source.stem}.{fmt}'}: {made.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

"""Test helper: read synthetic files back with plain openpyxl / python-calamine / csv, independently of
the generator's own code, to compare with its ground truth."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
from python_calamine import CalamineWorkbook


def member_bytes(root: Path, source_path: str) -> bytes:
    """Bytes of a file, or of ``archive.zip!inner/name`` with cp932 or UTF-8 member names."""
    if "!" not in source_path:
        return (root / source_path).read_bytes()
    archive, inner = source_path.split("!", 1)
    with zipfile.ZipFile(root / archive) as zf:
        for info in zf.infolist():
            name = info.filename if info.flag_bits & 0x800 else info.filename.encode("cp437").decode("cp932")
            if name == inner:
                return zf.read(info)
    raise KeyError(source_path)


def rc(cell: str) -> tuple[int, int]:
    letters, digits = re.match(r"([A-Z]+)(\d+)$", cell).groups()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int(digits) - 1, col - 1


def calamine_grid(data: bytes, sheet: str) -> list[list[object]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def openpyxl_values(data: bytes, sheet: str, cells: list[str]) -> list[object]:
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)[sheet]
    return [ws[c].value for c in cells]


def csv_grid(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    text = raw[3:].decode("utf-8") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("cp932")
    frame = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False)
    return frame.to_numpy().tolist()


def as_text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)

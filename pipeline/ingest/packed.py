"""Answers moved from the worker processes to the main one as small typed arrays, not strings.

A year of automotive answers is about half a million rows. Workers send, per chunk of files, one
code per answer for the item, the canonical answer and the cell's column and row, and the raw
text as an index into the chunk's distinct texts (a few dozen). That pickles to a few hundred
bytes per file and keeps Arrow's array builder — which loads pandas on first use — out of the
workers. The main process turns the codes back into the store's text columns with Arrow takes.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from pipeline.a1_notation import column_letters
from pipeline.catalogs import catalog_cache, item_ids_of, on_change, template_versions
from pipeline.ingest.vocab import CANONICAL

if TYPE_CHECKING:
    import pyarrow as pa

    from pipeline.ingest.parse import Parsed

_ANSWER_CODE = {a: k for k, a in enumerate(CANONICAL)}


@catalog_cache
def item_ids() -> tuple[str, ...]:
    """Every item ID of every template version (shipped or the project's): an item's code is its
    position here. Workers and the main process compute it from the same files, so codes agree."""
    return tuple(dict.fromkeys(item for v in template_versions() for item in item_ids_of(v)))


@catalog_cache
def _item_code() -> dict[str, int]:
    return {item: k for k, item in enumerate(item_ids())}


@lru_cache(maxsize=64)
def _codes(items: tuple[str, ...]) -> array:
    """Item codes of one item list (cached: nearly every file lists the same items in the same order)."""
    code = _item_code()
    return array("h", [code[i] for i in items])


on_change(_codes.cache_clear)


@dataclass
class Packed:
    """The answers of a list of records; ``rec`` indexes that list."""

    rec: array = field(default_factory=lambda: array("i"))
    item: array = field(default_factory=lambda: array("h"))
    answer: array = field(default_factory=lambda: array("b"))
    row: array = field(default_factory=lambda: array("i"))  # 0-based, as in a1()
    col: array = field(default_factory=lambda: array("h"))
    raw: array = field(default_factory=lambda: array("i"))  # index into texts; -1 = blank
    texts: list[str] = field(default_factory=list)


def pack(records: list[Parsed]) -> Packed:
    """Move the answers out of ``records`` (their lists are emptied) into one :class:`Packed`."""
    out = Packed()
    text_code: dict[str, int] = {}
    for k, rec in enumerate(records):
        n = len(rec.items)
        if not n:
            continue
        out.rec.extend([k] * n)
        out.item.extend(_codes(tuple(rec.items)))
        out.answer.extend([_ANSWER_CODE[a] for a in rec.answers])
        out.row.extend(rec.rows)
        out.col.extend(rec.cols)
        out.raw.extend([-1 if v is None else text_code.setdefault(v, len(text_code)) for v in rec.raw])
        rec.items, rec.raw, rec.answers, rec.rows, rec.cols = [], [], [], [], []
    out.texts = list(text_code)
    return out


def unpack(parts: list[Packed], offsets: list[int]) -> pa.Table:
    """One Arrow table (rec, item_id, answer_raw, answer, cell) of the parts' answers, ``rec``
    shifted by each part's offset in the combined record list."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    def codes(name: str, dtype: type, shifts: list[int] | None = None) -> np.ndarray:
        out = [np.zeros(0, np.int64)]
        for k, part in enumerate(parts):
            values = np.frombuffer(getattr(part, name), dtype=dtype).astype(np.int64)
            out.append(values if shifts is None else np.where(values < 0, -1, values + shifts[k]))
        return np.concatenate(out)

    raw = codes("raw", np.int32, np.cumsum([0] + [len(p.texts) for p in parts]).tolist())
    texts = pa.array([t for p in parts for t in p.texts] + [""], pa.string())  # "" so a take never sees []
    cols, rows = codes("col", np.int16), codes("row", np.int32) + 1
    letters = pa.array([column_letters(c) for c in range(int(cols.max(initial=0)) + 1)], pa.string())
    return pa.table({
        "rec": pa.array(codes("rec", np.int32, offsets)),
        "item_id": pa.array(item_ids(), pa.string()).take(codes("item", np.int16)),
        "answer_raw": texts.take(pa.array(np.maximum(raw, 0), pa.int64(), mask=raw < 0)),
        "answer": pa.array(CANONICAL, pa.string()).take(codes("answer", np.int8)),
        "cell": pc.binary_join_element_wise(letters.take(cols), pc.cast(pa.array(rows), pa.string()), ""),
    })

"""Answer texts → canonical answers, through the instrument's vocabulary (catalogs/vocabularies.yaml)."""

from __future__ import annotations

from pipeline import catalogs
from pipeline.catalogs import catalog_cache
from pipeline.text import answer_key

CANONICAL = ("implemented", "partial", "not_implemented", "not_applicable", "unknown", "unanswered", "invalid")


@catalog_cache
def lookup(instrument: str) -> dict[str, str]:
    """Every accepted spelling (normalised) of every template version, and certain synonyms."""
    vocab = catalogs.vocabulary(instrument)
    table: dict[str, str] = {}
    for answers in vocab["native"].values():
        for canonical, text in answers.items():
            table[answer_key(text)] = canonical
    for canonical, texts in vocab.get("synonyms", {}).items():
        for text in texts:
            key = answer_key(text)
            if table.get(key, canonical) != canonical:
                raise ValueError(f"vocabulary {instrument}: {text!r} maps to both {table[key]} and {canonical}")
            table[key] = canonical
    return table


def canonical_answer(raw: object, instrument: str) -> str:
    """Canonical answer of one cell: blank → unanswered, unknown text → invalid (never a guess)."""
    if raw is None:
        return "unanswered"
    key = answer_key(raw)
    if not key:
        return "unanswered"
    return lookup(instrument).get(key, "invalid")

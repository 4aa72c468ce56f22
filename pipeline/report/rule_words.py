"""The scoring rule in a sector's own answer words, written from catalogs/scoring.yaml's points and the words of
the sector's forms: a changed point, or a sector added as data, reads right in every report without a text to edit.

Two forms: the figures' one line (labels ``rule_scoring``: 実施=1、一部実施=0.5、未実施・未回答=0、該当なしは除外)
and the rules section's sentence (labels ``rules_answers``), which quotes each answer as the form writes it, older
forms' words in brackets (「達成」(旧版の「○」)=1 …).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from pipeline import catalogs, ruleset

ORDER = ("implemented", "partial", "not_implemented", "unknown", "not_applicable")
"""The answers a form offers, in the order a rule lists them."""


def _form_words(sector: str) -> dict[str, list[str]]:
    """Canonical answer → the words the sector's forms write for it, the newest form's first (distinct only)."""
    native = catalogs.vocabulary(sector).get("native") or {}

    def published(version: str) -> tuple[dt.date, str]:
        date = catalogs.template(version).get("published")
        return (date if isinstance(date, dt.date) else dt.date.min, version)

    words: dict[str, list[str]] = {}
    for version in sorted(native, key=published, reverse=True):
        for answer, word in native[version].items():
            if word not in words.setdefault(answer, []):
                words[answer].append(str(word))
    return {a: words[a] for a in ORDER if a in words}


def _points(value: float) -> str:
    return f"{value:g}"


def _split(answers: list[str]) -> tuple[list[tuple[str, float]], list[str], list[str]]:
    """(answers scoring above 0 with their points, answers scoring 0, answers left out of the denominator)."""
    points = ruleset.point_table()
    scored = sorted(((a, points[a]) for a in answers if not math.isnan(points[a]) and points[a] > 0),
                    key=lambda p: -p[1])
    zero = [a for a in answers if points[a] == 0]
    excluded = [a for a in answers if math.isnan(points[a])]
    return scored, zero, excluded


def _joined(words: list[str], join: str, last: str) -> str:
    return words[0] if len(words) == 1 else join.join(words[:-1]) + last + words[-1]


def rule_line(sector: str, labels: dict[str, Any], lang: str) -> str:
    """A figure's scoring rule for one sector: 達成=1、未達成・未回答=0、対象外は除外."""
    form = labels["rule_scoring"]
    words = {**form["words"], **{a: w.lower() if lang != "ja" else w
                                 for a, w in catalogs.answer_words(sector, lang).items()}}
    scored, zero, excluded = _split(list(_form_words(sector)))
    parts = [form["scored"].format(word=words[a], points=_points(p)) for a, p in scored]
    parts.append(form["zero"].format(words=_joined([words[a] for a in zero] + [form["unanswered"]],
                                                   form["or"], form["or_last"])))
    parts += [form["excluded"].format(word=words[a]) for a in excluded]
    return form["join"].join(parts)


def rules_sentence(sector: str, labels: dict[str, Any], lang: str) -> str:
    """The rules section's sentence for one sector, each answer as the form writes it (ja) or in English with
    the form's older marks beside it (en)."""
    form = labels["rules_answers"]
    forms = _form_words(sector)
    english = {**form.get("words", {}), **{a: w.lower() for a, w in catalogs.answer_words(sector, lang).items()}}
    older_said = False

    def word(answer: str) -> str:
        nonlocal older_said
        newest, *older = forms[answer]
        text = form["word"].format(word=english.get(answer, newest) if lang != "ja" else newest)
        for w in older:
            text += form["older" if older_said else "older_first"].format(word=w)
            older_said = True
        return text

    scored, zero, excluded = _split(list(forms))
    scored_text = form["join"].join(form["scored"].format(word=word(a), points=_points(p)) for a, p in scored)
    zero_text = form["zero_join"].join([*(word(a) for a in zero), form["unanswered"]])
    if not excluded:
        return form["sentence_all"].format(scored=scored_text, zero=zero_text)
    return form["sentence"].format(scored=scored_text, zero=zero_text,
                                   excluded=form["join"].join(word(a) for a in excluded))

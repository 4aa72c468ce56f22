"""Which template version a submission is on: what the form says, else what its layout fits, never the year.

The version written on the form (title, cover, sheet names) wins. A written version the project does not
know is refused: scoring it on another version's levels would be a wrong answer with no flag. When nothing
is written, the columns, the answer vocabulary and the item set pick among the known versions; when several
still fit (v2.1, v2.2 and v2.3 share one layout), the newest one published by the submission's own date is
taken and the file is flagged ``version_not_written`` for the clerk to confirm.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline import catalogs
from pipeline.catalogs._files import registered_cache
from pipeline.ingest.reasons import Rejected
from pipeline.ingest.text import answer_key, label_key

# After label_key (NFKC, no spaces, lower case): ver.2.3, ver2.3, v2.3, version2.3, バージョン2.3, 第2.3版.
WRITTEN = re.compile(r"(?<![a-z])(?:version|ver|v|バージョン)[.:]?(\d{1,2}\.\d{1,2})(?!\d)|第(\d{1,2}\.\d{1,2})版")
PLAN_COLUMN = "未達成時の対応予定"
IMPORT_HINT = "import the official form with `sdw instrument import`"


def written_version(texts: Iterable[object]) -> str | None:
    """The first version written in ``texts`` ('チェックシート Ver.２．３' → '2.3'), or None."""
    for value in texts:
        if value is None or value == "":
            continue
        m = WRITTEN.search(label_key(value))
        if m:
            major, minor = (m.group(1) or m.group(2)).split(".")
            return f"{int(major)}.{int(minor)}"
    return None


@dataclass(frozen=True)
class Candidate:
    """What ingest needs to know of one known version to tell it apart from the others."""

    name: str
    published: dt.date | None
    native: frozenset[str]  # the answers its dropdown offers, normalised
    plan_column: bool  # 未達成時の対応予定 after 回答
    export: bool  # has a consolidated export
    items: frozenset[str]


@registered_cache  # ingest refreshes the catalogs once per file
def candidates(sector: str) -> tuple[Candidate, ...]:
    """Every known template version of a sector (shipped and the project's), oldest published first."""
    native = catalogs.vocabulary(sector)["native"] if sector != "power" else {}
    out = []
    for name in catalogs.template_versions(sector):
        t = catalogs.template(name)
        answers = native.get(name) or t.get("answers") or {}
        published = t.get("published")
        out.append(Candidate(name, published if isinstance(published, dt.date) else None,
                             frozenset(answer_key(a) for a in answers.values()),
                             PLAN_COLUMN in t.get("checklist", {}).get("columns", []), "export" in t,
                             frozenset(catalogs.items_for(name)["item_id"])))
    return tuple(sorted(out, key=lambda c: (c.published or dt.date.min, c.name)))


@registered_cache
def by_written(sector: str) -> dict[str, str]:
    """'2.3' → 'auto-v2.3': the version each known template writes on its form."""
    out: dict[str, str] = {}
    for name in catalogs.template_versions(sector):
        t = catalogs.template(name)
        out[str(t.get("version") or name.rsplit("-v", 1)[-1])] = name
    return out


@dataclass
class Decision:
    """The template version, and, when the form did not say it, the versions that fitted equally."""

    template: str
    fitted: tuple[str, ...] = ()

    @property
    def flagged(self) -> bool:
        return len(self.fitted) > 1

    def warning(self, on: dt.date | None) -> str:
        when = f"回答日 {on.isoformat()} 時点で公開済みの最新" if on else "回答日が読めないため最新"
        return f"版の記載なし: {' / '.join(self.fitted)} が該当、{when}の {self.template} と判断"


def known(sector: str, written: str) -> str:
    """The template a written version names; a version the project does not know is refused."""
    name = by_written(sector).get(written)
    if name is None:
        raise Rejected("unknown_version", f"unknown template version v{written} — {IMPORT_HINT}")
    return name


def fitting(sector: str, answers: Iterable[object], items: Iterable[str], plan_column: bool | None,
            export: bool = False) -> tuple[Candidate, ...]:
    """The known versions that fit the file best: most answers in their vocabulary, then the
    未達成時の対応予定 column as they have it or not (None: the file cannot tell), then most items known."""
    keys = Counter(answer_key(a) for a in answers if a is not None)  # a few distinct texts
    listed = set(items)
    pool = [c for c in candidates(sector) if c.export or not export]

    def fit(c: Candidate) -> tuple[int, bool, int]:
        return (sum(n for k, n in keys.items() if k in c.native), plan_column is None or c.plan_column == plan_column,
                len(listed & c.items))

    best = max(map(fit, pool), default=None)
    return tuple(c for c in pool if fit(c) == best)


def by_date(fitted: tuple[Candidate, ...], on: dt.date | None) -> Decision:
    """Among equally fitting versions, the newest published by ``on`` (the oldest if all came later;
    the newest when there is no date)."""
    if not fitted:
        raise Rejected("unknown_template", "no known template version fits the file")
    names = tuple(c.name for c in fitted)
    if on is None:
        return Decision(fitted[-1].name, names)
    before = [c for c in fitted if c.published is None or c.published <= on]
    return Decision((before[-1] if before else fitted[0]).name, names)


def decide(sector: str, written: str | None, answers: Iterable[object], items: Iterable[str],
           plan_column: bool | None, on: dt.date | None) -> Decision:
    """The template version of one submission (see the module's docstring)."""
    if written is not None:
        return Decision(known(sector, written))
    return by_date(fitting(sector, answers, items, plan_column), on)

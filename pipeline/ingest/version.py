"""Which template version a submission is on: what the form says, else what its layout fits, never the year.

The version written on the form (title, cover, sheet names) wins. A written version the project does not
know is refused: scoring it on another version's levels would be a wrong answer with no flag. Every place
is read, and a form that writes two versions is refused too (``version_conflict``), never settled by
picking one; texts about a change between versions (「Ver.2.2から変更」, a 改訂履歴 sheet) are not read. When nothing
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
from functools import lru_cache

from pipeline import catalogs
from pipeline.catalogs import registered_cache
from pipeline.ingest.reasons import Rejected
from pipeline.text import answer_key, label_key

# After label_key (NFKC, no spaces, lower case): ver.2.3, ver2.3, v2.3, version2.3, バージョン2.3, rev.2.3,
# ver2_3 (an underscore where a file or sheet name cannot hold a dot), 第2.3版, 2.3版 — not 2.3億円 nor a date.
WRITTEN = re.compile(r"(?<![a-z])(?:version|ver|rev|v|バージョン)[.:_]?(\d{1,2})[._](\d{1,2})(?![\d.])"
                     r"|(?<![\d.])第?(\d{1,2})\.(\d{1,2})版")
# A cover's 様式の版 / バージョン value: '2.4', 'Ver.2.4', 2.4 as Excel stores the number.
BARE = re.compile(r"^(?:version|ver|rev|v|第)?[.:_]?(\d{1,2})[._](\d{1,2})版?$")
# A text about a change between versions names an old one next to the current: 「Ver.2.2から変更」, 「v2.2→v2.3」,
# 「旧Ver.2.2」, 「前回(Ver.2.2)の回答」, 改訂履歴 …; one that cites another document names that document's version
# (「NIST CSF Ver.2.0 との対応」). Neither says which form this is, so neither is read for a version.
CHANGE_TALK = re.compile(r"から|→|->|⇒|変更|旧|履歴|前版|前回|前年|昨年|以前|差分|history|changelog"
                         r"|nist|csf|iso|iec|sp800|cpsf")
PLAN_COLUMN = "未達成時の対応予定"
IMPORT_HINT = "import the official form with `sdw instrument import`"


def _normal(major: str, minor: str) -> str:
    return f"{int(major)}.{int(minor)}"


@lru_cache(maxsize=1 << 14)
def written_in(value: object) -> str | None:
    """The version one text writes ('チェックシート Ver.２．３' → '2.3'); None when it writes none,
    speaks of a change between versions or cites another document's version (cached: the same titles and
    cover labels recur in every file)."""
    if value is None or value == "":
        return None
    key = label_key(value)
    if CHANGE_TALK.search(key):
        return None
    m = WRITTEN.search(key)
    return _normal(*(g for g in m.groups() if g is not None)) if m else None


def bare_version(value: object) -> str | None:
    """The version a cover's version field holds ('2.4', 'Ver.2.4', 'v2_4'), or None."""
    if value is None or value == "":
        return None
    m = BARE.match(label_key(value))
    return _normal(*m.groups()) if m else None


def written_version(texts: Iterable[object]) -> str | None:
    """The first version written in ``texts`` ('チェックシート Ver.２．３' → '2.3'), or None."""
    return next((v for v in map(written_in, texts) if v is not None), None)


def one_written(found: list[tuple[str, str]]) -> str | None:
    """The one version a form writes, from (version, where) pairs; None if it writes none.

    Several different versions on one form are refused, naming each and where it is written: picking
    one would score the member on a form they may not have used.
    """
    versions = sorted({v for v, _ in found}, key=lambda v: tuple(map(int, v.split("."))))
    if len(versions) > 1:
        where = {v: ", ".join(dict.fromkeys(w for x, w in found if x == v)) for v in versions}
        count = {2: "two", 3: "three"}.get(len(versions), str(len(versions)))
        raise Rejected("version_conflict", f"the form writes {count} versions: "
                       + ", ".join(f"v{v} ({where[v]})" for v in versions)
                       + " — ask the member which form they used")
    return versions[0] if versions else None


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
    native = catalogs.vocabulary(sector).get("native") or {}
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


def provisional_notes(template_versions: Iterable[str]) -> list[str]:
    """One line per provisional catalog the submissions were stored on ('12 submissions on auto-v2.3, a
    provisional catalog: import …'): its texts and levels are ours, and the clerk should know it."""
    counts = Counter(template_versions)
    return [f"{counts[v]} submission{'s' if counts[v] != 1 else ''} on {v}, a provisional catalog: {IMPORT_HINT}"
            for v in catalogs.provisional(counts)]

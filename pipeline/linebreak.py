"""Where a short label (a table header, a legend entry) may break over lines: between phrases, never inside a word.

A Japanese renderer (PowerPoint, LibreOffice, a browser, ReportLab as we drive it) breaks Japanese text between any
two characters, so a header in a narrow column would read 「回答事業 / 者数」「95%信 / 頼区間 / (下限)」. A label is cut
here into phrases instead: BudouX's Japanese model (the segmenter browsers use for the same purpose) finds the
phrase boundaries (「満たしていない / 事業者の / 割合」); a parenthesis always starts a phrase of its own
(「平均スコア / (会員推計)」); a closing bracket or a comma never starts one; Latin text breaks at its spaces. The
callers lay a label out phrase by phrase (:func:`pack`) and set the column width from its widest phrase
(:func:`narrowest`), so the renderer never has to choose a break itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

OPENING = "(（「『[【"
"""A phrase starts before these."""
NO_LINE_START = ")）」』]】、。,.・:：;；%％ー〜~"
"""Never the first character of a line (kinsoku): it joins the phrase before."""
PAUSE = "、,，;；"
"""A line that must break prefers to break after one of these."""
AFTER = r"(?<=\D・)(?=.)|(?<=\d・)(?=\D)|(?<=\d〜)(?=\d)"
"""A phrase may end after a 「・」 between names (not between two numbers: 「10・90パーセンタイル」 is one) and after
a 「〜」 between two numbers (a range)."""
NO_LINE_END = OPENING + "★☆#№"
"""Never the last character of a line: it joins the phrase after (「★3」 is one word)."""


KATAKANA_WORDS = ("サイバー", "セキュリティ", "サプライ", "チェーン", "リスク", "マネジメント", "データ",
                  "プラットフォーム", "インシデント", "アセスメント", "パッチ", "アップデート", "コミュニケーション")
"""The words of the long katakana compounds the catalogs carry (CSF 2.0's 「サイバーセキュリティサプライチェーンリスク
マネジメント」, 27 characters BudouX keeps whole): a compound made only of these breaks between them, as a Japanese
typesetter breaks it, so a row label can wrap without cutting a word."""
_KATAKANA_RUN = re.compile(r"[\u30A0-\u30FF]{9,}")


def _compound_words(run: str) -> list[str]:
    """``run`` cut into :data:`KATAKANA_WORDS` when it is made of them only (longest first), else whole."""
    words: list[str] = []
    rest = run
    while rest:
        word = next((w for w in sorted(KATAKANA_WORDS, key=len, reverse=True) if rest.startswith(w)), None)
        if word is None:
            return [run]
        words.append(word)
        rest = rest[len(word):]
    return words


def _split_compounds(chunk: str) -> list[str]:
    """``chunk`` with its long katakana compounds cut between their words (:data:`KATAKANA_WORDS`)."""
    out: list[str] = []
    at = 0
    for m in _KATAKANA_RUN.finditer(chunk):
        words = _compound_words(m.group())
        if len(words) > 1:
            out += [chunk[at:m.start()], *words]
            at = m.end()
    out.append(chunk[at:])
    return [p for p in out if p]


@cache
def _parser():
    import budoux

    return budoux.load_default_japanese_parser()


@lru_cache(maxsize=4096)
def phrases(text: str) -> tuple[str, ...]:
    """``text`` cut where a line may break; the pieces join back to ``text``.

    Parameters
    ----------
    text : str
        A short label, Japanese or Latin or both.

    Returns
    -------
    tuple of str
        The phrases in order: ``''.join(phrases(t)) == t``. Latin words keep their trailing space.
    """
    text = str(text)
    if not text:
        return ()
    pieces: list[str] = []
    for part in re.findall(r"[^ ]+ *| +", text):  # words first: a space is always a break
        if part.isascii():
            pieces.append(part)
            continue
        for chunk in _parser().parse(part):
            # a parenthesis opens a phrase of its own, also inside a chunk BudouX kept whole (平均スコア(会員推計));
            # a list of names breaks after its 「・」 and a range after its 「〜」 (「一般送配電・ / 送電・ / 配電」,
            # 「1,001〜 / 10,000人」), never inside a name or a number
            for piece in re.split(f"(?=[{re.escape(OPENING)}])|{AFTER}", chunk):
                pieces += [p for p in _split_compounds(piece) if p] if piece else []
    out: list[str] = []
    for piece in pieces:
        if out and (piece[0] in NO_LINE_START or out[-1][-1] in NO_LINE_END):
            out[-1] += piece
        else:
            out.append(piece)
    return _no_lone_characters(out)


def _no_lone_characters(parts: list[str]) -> tuple[str, ...]:
    """``parts`` with every one-character Japanese phrase joined to its neighbour (the phrase before, or after
    when it comes first): BudouX ends 「比較年度との / 差」, and a character alone on a line is not a phrase a
    reader can take in; a label breaks only where both sides are at least two characters, or not at all."""
    out: list[str] = []
    for part in parts:
        if out and (_lone(part) or _lone(out[-1])):
            out[-1] += part
        else:
            out.append(part)
    return tuple(out)


def _lone(part: str) -> bool:
    """One non-Latin character (its trailing space aside): 「差」, not "a" or "%"."""
    core = part.strip()
    return len(core) == 1 and not core.isascii()


def pack(text: str, fits: Callable[[str], bool]) -> list[str]:
    """``text`` over lines of whole phrases, each as long as ``fits`` allows (a phrase too wide for any line
    gets a line of its own); a line that must break breaks after its last comma when that leaves at least half
    of it on the line (「秘匿(社数が少ない、 / 又は他の値から算出できる)」, not 「…少ない、又は他の / 値から…」).
    The lines keep no trailing space."""
    lines: list[str] = []
    line: list[str] = []
    for phrase in phrases(text):
        while line and not fits("".join([*line, phrase]).rstrip()):
            whole = len("".join(line))
            cut = next((i for i in range(len(line) - 1, 0, -1)
                        if line[i - 1].rstrip()[-1:] in PAUSE and len("".join(line[:i])) * 2 >= whole), len(line))
            lines.append("".join(line[:cut]).rstrip())
            line = line[cut:]
        line.append(phrase)
    if line or not lines:
        lines.append("".join(line).rstrip())
    return lines


def narrowest(text: str, lines: int, width: Callable[[str], float]) -> float:
    """The least width at which ``text`` takes at most ``lines`` lines of whole phrases, by ``width`` (any unit:
    the width of a string on one line). Never less than the widest phrase: a word is never broken."""
    parts = phrases(text)
    widest = max((width(p.strip()) for p in parts), default=0.0)
    candidates = sorted({w for i in range(len(parts)) for j in range(i + 1, len(parts) + 1)
                         if (w := width("".join(parts[i:j]).strip())) >= widest})
    for w in candidates:
        if len(pack(text, lambda s, w=w: width(s) <= w)) <= lines:
            return w
    return candidates[-1] if candidates else 0.0

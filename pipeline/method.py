"""The version of the statistical method, and where each part of it is written down.

``docs/method.md`` states the method a report's numbers follow; its first lines say
``Method version: <METHOD_VERSION>`` (tests/test_method_doc.py holds the two together). Every report's
provenance stamp names the version, and its method note cites the document by section number, so a
reader holding a report years later knows which text describes it. Raise the version when a rule
changes what a published number means (a point, a threshold, k, a disclosure rule), and record the
change in the document's last section. Section numbers never change: a new topic takes the next one.
"""

from __future__ import annotations

METHOD_VERSION = "2026.12"
METHOD_DOC = "docs/method.md"

# section number → (Japanese title, English title), as the headings of docs/method.md write them
SECTIONS: dict[int, tuple[str, str]] = {
    1: ("採点", "Points per answer"),
    2: ("ロールアップ", "Roll-ups and not assessed"),
    3: ("レベルと★", "Levels and ★ readiness"),
    4: ("CSF 1.1 から 2.0 への射影", "CSF 1.1 to 2.0 projection"),
    5: ("開示制御", "Disclosure control"),
    6: ("区間推定", "Intervals"),
    7: ("版の比較可能性", "Comparability across form versions"),
    8: ("暫定カタログ", "Provisional catalogs"),
    9: ("手法の版", "Method versions"),
    10: ("様式の読み取り", "Reading real layouts"),
    11: ("記号・小区分・内訳", "Readers' marks, small segments and breakdowns"),
    12: ("会員全体の推計", "Estimates for the members: weighting"),
    13: ("会員向けフィードバック", "Member feedback: own previous year and levels reached"),
}


def cite(*numbers: int, lang: str = "ja") -> str:
    """'詳しくは docs/method.md §5 開示制御' — where a reader finds the rule a note summarises."""
    parts = [f"§{n} {SECTIONS[n][0 if lang == 'ja' else 1]}" for n in numbers]
    if lang == "ja":
        return f"詳しくは {METHOD_DOC} " + "、".join(parts)
    return f"Details: {METHOD_DOC} " + ", ".join(parts)

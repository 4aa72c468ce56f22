"""docs/method.md is the method a report cites: its version is the one the provenance stamp names, and every
section a report's method note points to exists there under the title the note gives."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from pipeline.method import METHOD_DOC, METHOD_VERSION, SECTIONS, cite
from pipeline.publish.model import Provenance
from pipeline.report import style

ROOT = Path(__file__).resolve().parents[1]
METHOD = (ROOT / METHOD_DOC).read_text(encoding="utf-8")


def _headings() -> dict[int, str]:
    """'## 5. Disclosure control (開示制御)' → {5: 'Disclosure control (開示制御)'}."""
    return {int(n): title for n, title in re.findall(r"^## (\d+)\. (.+)$", METHOD, flags=re.M)}


def test_the_document_states_the_version_the_package_stamps():
    assert METHOD_VERSION == "2026.12"
    assert re.search(r"^Method version: 2026\.12$", METHOD, flags=re.M)
    assert f"| {METHOD_VERSION} |" in METHOD  # recorded in §9's table of versions


def test_every_stamp_names_the_method_version():
    prov = Provenance("abc123def456", "0.1.0+g1", {"sector": "auto", "k": 5})
    assert prov.stamp() == "data abc123def456 · sdw 0.1.0+g1 · method 2026.12 · sector=auto, k=5"


def test_sections_are_numbered_in_order_with_the_titles_reports_cite():
    headings = _headings()
    assert sorted(headings) == list(range(1, 14))
    for n, (ja, en) in SECTIONS.items():
        assert headings[n] == f"{en} ({ja})", n
        assert f'<a id="s{n}-' in METHOD  # a stable anchor before each section


def test_a_citation_reads_as_the_reader_sees_it():
    assert cite(5) == "詳しくは docs/method.md §5 開示制御"
    assert cite(1, 3, lang="en") == "Details: docs/method.md §1 Points per answer, §3 Levels and ★ readiness"


def test_every_section_the_reports_cite_exists_under_that_title():
    """The method notes of the reports (report_labels.yaml) cite sections by number and title."""
    labels = yaml.safe_load((ROOT / "pipeline" / "catalogs" / "report_labels.yaml").read_text(encoding="utf-8"))
    headings = _headings()
    cited = []
    for lang in ("ja", "en"):
        # the common rules, the disclosure rules, and what one sector's rules add (levels and ★: automotive)
        notes = {"rules_text": labels[lang]["rules_text"], "disclosure_text": labels[lang]["disclosure_text"],
                 **{f"rules_sector.{s}": t for s, t in style.labels(lang)["rules_sector"].items()
                    if "docs/method.md" in t}}
        for key, text in notes.items():
            assert "docs/method.md §" in text, (lang, key)
            for n, title in re.findall(r"§(\d+) ([^、,.。§]+?)(?=[、,.。]|$)", text.split("docs/method.md", 1)[1]):
                assert title.strip() in headings[int(n)], (lang, key, n, title)
                cited.append(int(n))
    assert sorted(set(cited)) == [1, 2, 3, 4, 5, 6, 11]


def test_the_disclosure_rules_say_the_small_range_with_k():
    """k = 5: "1〜4社" where the rule counts the companies that said "not applicable" (no "1〜5社未満")."""
    labels = yaml.safe_load((ROOT / "pipeline" / "catalogs" / "report_labels.yaml").read_text(encoding="utf-8"))
    ja = labels["ja"]["disclosure_text"].format(k=5, k_less=4)
    en = labels["en"]["disclosure_text"].format(k=5, k_less=4)
    assert "該当なしが1〜4社の項目" in ja and "1〜5社未満" not in ja
    assert "1 to 4 companies marked not applicable" in en

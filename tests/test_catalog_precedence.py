"""The project's catalogs/ folder takes precedence over the shipped catalogs, and no cache leaks across projects."""

from __future__ import annotations

import csv
from pathlib import Path

from pipeline import catalogs
from pipeline.ingest import packed, vocab
from pipeline.scoring import maps

SHIPPED = catalogs.SHIPPED_DIR


def _write_items(path: Path, levels: dict[str, str]) -> None:
    """A copy of the shipped automotive items with some levels changed."""
    rows = list(catalogs.read_records("auto_items.csv"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows({**r, "level": levels.get(r["item_id"], r["level"])} for r in rows)


def _level_node(item_map, item: str) -> str:
    rows = item_map[item_map["framework"].eq("level") & item_map["node_id"].ne("All") & item_map["item_id"].eq(item)]
    return rows["node_id"].item()


def test_a_project_catalog_file_replaces_the_shipped_one_and_leaves_with_its_project(tmp_path, monkeypatch):
    shipped_before = sorted(p.name for p in SHIPPED.rglob("*"))
    monkeypatch.setenv("SDW_HOME", str(tmp_path / "a"))
    assert catalogs.auto_items().set_index("item_id").loc["No.1", "level"] == "Lv1"  # shipped, no project file yet
    _write_items(tmp_path / "a" / "catalogs" / "auto_items.csv", {"No.1": "Lv3"})
    assert catalogs.auto_items().set_index("item_id").loc["No.1", "level"] == "Lv3"
    assert {r["item_id"]: r["level"] for r in catalogs.read_records("auto_items.csv")}["No.1"] == "Lv3"
    assert _level_node(maps.mapped_items_map("auto"), "No.1") == "Lv3"

    monkeypatch.setenv("SDW_HOME", str(tmp_path / "b"))  # another project: the shipped file again
    assert catalogs.auto_items().set_index("item_id").loc["No.1", "level"] == "Lv1"
    assert _level_node(maps.mapped_items_map("auto"), "No.1") == "Lv1"
    assert sorted(p.name for p in SHIPPED.rglob("*")) == shipped_before  # nothing written into the package


def test_template_versions_are_the_union_and_a_project_template_overrides_the_same_name(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    templates = tmp_path / "catalogs" / "templates"
    templates.mkdir(parents=True)
    own = (SHIPPED / "templates" / "auto-v2.2.yaml").read_text(encoding="utf-8")
    (templates / "auto-v2.2.yaml").write_text(own.replace("items: auto_items.csv", "items: mine.csv"), "utf-8")
    (templates / "auto-v9.1.yaml").write_text(own.replace("template_version: auto-v2.2", "template_version: auto-v9.1")
                                              .replace("items: auto_items.csv", "items: mine.csv"), "utf-8")
    _write_items(tmp_path / "catalogs" / "mine.csv", {"No.153": "Lv1", "No.1": "Lv2"})

    assert catalogs.template_versions("auto") == ["auto-v2.0", "auto-v2.1", "auto-v2.2", "auto-v2.3", "auto-v9.1"]
    assert catalogs.template("auto-v2.2")["items"] == "mine.csv"
    mine = catalogs.items_for("auto-v9.1").set_index("item_id")["level"]
    assert (mine["No.153"], mine["No.1"]) == ("Lv1", "Lv2")
    assert len(packed.item_ids()) == len(set(packed.item_ids())) == 108 + 153  # every version's items, once


def test_template_versions_sort_by_number_not_as_text(tmp_path, monkeypatch):
    # a project imports auto-v2.9 and auto-v2.10: as text "auto-v2.10" < "auto-v2.3" < "auto-v2.9"; by number
    # 2.3 < 2.9 < 2.10, and the list is oldest first by number, as the version comparisons read it
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    templates = tmp_path / "catalogs" / "templates"
    templates.mkdir(parents=True)
    own = (SHIPPED / "templates" / "auto-v2.3.yaml").read_text(encoding="utf-8")
    for version in ("auto-v2.10", "auto-v2.9"):
        text = own.replace("template_version: auto-v2.3", f"template_version: {version}")
        (templates / f"{version}.yaml").write_text(text, "utf-8")
    expected = ["auto-v2.0", "auto-v2.1", "auto-v2.2", "auto-v2.3", "auto-v2.9", "auto-v2.10"]
    assert catalogs.template_versions("auto") == expected
    assert catalogs.versions_by_number("auto") == expected
    every = catalogs.template_versions()
    assert every.index("auto-v2.9") < every.index("auto-v2.10") < every.index("power-2024")


def test_a_project_vocabulary_is_used_by_ingest_lookups_and_forgotten_with_its_project(tmp_path, monkeypatch):
    monkeypatch.setenv("SDW_HOME", str(tmp_path))
    text = (SHIPPED / "vocabularies.yaml").read_text(encoding="utf-8")
    (tmp_path / "catalogs").mkdir()
    extra = "auto-v1.9:\n      implemented: 済\n    auto-v2.0:"
    (tmp_path / "catalogs" / "vocabularies.yaml").write_text(text.replace("auto-v2.0:", extra, 1), "utf-8")
    assert vocab.canonical_answer("済", "auto") == "implemented"
    monkeypatch.delenv("SDW_HOME")
    assert vocab.canonical_answer("済", "auto") == "invalid"

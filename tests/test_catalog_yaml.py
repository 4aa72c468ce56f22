"""Catalog YAML is read with libyaml's safe loader when PyYAML has it (pipeline/catalogs/files.py): every shipped
catalog must read as the pure-Python safe loader reads it, so a score, label or template never depends on which
loader an installation has."""

from __future__ import annotations

import datetime as dt

import yaml

from pipeline.catalogs import files


def test_every_shipped_catalog_reads_as_the_pure_python_loader_reads_it():
    paths = sorted(files.HERE.rglob("*.yaml"))
    assert len(paths) >= 10  # sectors, labels, vocabularies, templates … (not an empty glob)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        assert files.load_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader), path.name


def test_a_catalog_date_number_and_text_are_read_as_yaml_types():
    text = "published: 2024-03-01\nversion: 2.3\nid: '01'\nitems: [No.1, No.2]\n"
    assert files.load_yaml(text) == {"published": dt.date(2024, 3, 1), "version": 2.3, "id": "01",
                                     "items": ["No.1", "No.2"]}


def test_the_installation_reads_catalogs_with_libyaml_when_pyyaml_has_it():
    assert files.SAFE_LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)

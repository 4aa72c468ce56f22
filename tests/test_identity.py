"""Respondent keys: keyed hashes, a secret kept outside the repository, names as a flagged fallback."""

from __future__ import annotations

import os
import stat

from pipeline.ingest import identity


def test_key_file_is_created_owner_only_and_reused(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("SDW_SECRET_KEY")
    monkeypatch.setenv("SDW_SECRET_KEY_FILE", str(tmp_path / "cfg" / "secret.key"))
    first = identity.secret_key()
    assert "created a new secret key" in capsys.readouterr().err
    mode = stat.S_IMODE(os.stat(tmp_path / "cfg" / "secret.key").st_mode)
    assert mode == 0o600
    assert identity.secret_key() == first and len(first) == 64
    assert capsys.readouterr().err == ""


def test_environment_variable_overrides_the_file(monkeypatch):
    monkeypatch.setenv("SDW_SECRET_KEY", "from-env")
    assert identity.secret_key() == b"from-env"


def test_keys_depend_on_the_secret_and_hide_the_number():
    a, basis = identity.respondent_key(b"k1", "7000012050002", "x")
    b, _ = identity.respondent_key(b"k2", "7000012050002", "x")
    assert basis == "corporate_number" and a != b and len(a) == 32
    assert "7000012050002" not in a


def test_name_fallback_unifies_legal_form_spellings():
    k1, basis = identity.respondent_key(b"k", "123", "㈱テスト精工")
    k2, _ = identity.respondent_key(b"k", "", "株式会社 テスト精工")
    assert basis == "name" and k1 == k2
    assert identity.respondent_key(b"k", "", "") == ("", "")

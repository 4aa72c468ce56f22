"""One pseudonymisation key per store: a fingerprint of it kept in the store, and re-keying.

The store keeps ``key_fingerprint.json``: an HMAC-SHA256 of a fixed label under the key, never the
key. The fingerprint tells whether a key is the store's, and nothing about the key itself. An ingest
with another key is refused before any file is read: the same company would otherwise get two
respondent keys and every panel across years would silently break.

A store written before fingerprints existed is checked against its own ``identities``: the key is
the store's when it gives the stored respondent_key of a company from its 法人番号 (or name).

Rotating the key (:func:`rekey`): every respondent_key in every table is recomputed from the
identities and roster tables under the new key, checked under the old one first, and the tables
are written the way an ingest writes them (staged, then renamed into place), the fingerprint last.
Should a re-key stop between two renames, running it again with the same two keys finishes it:
keys already under the new key are kept, and the fingerprint still names the old key until the end.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from pathlib import Path

from pipeline.ingest.identity import respondent_key

FINGERPRINT_FILE = "key_fingerprint.json"
_LABEL = b"sdw store key fingerprint v1"
KEYED_TABLES = ("manifest", "respondents", "responses", "identities", "roster", "scores")


class KeyMismatchError(RuntimeError):
    """The key given is not the store's key (one line, saying how to proceed)."""


def fingerprint(key: bytes) -> str:
    """A fingerprint of the key: HMAC of a fixed label; the key cannot be recovered from it."""
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()[:32]


def stored_fingerprint(store: Path) -> str | None:
    path = store / FINGERPRINT_FILE
    if not path.exists():
        return None
    return str(json.loads(path.read_text(encoding="utf-8"))["fingerprint"])


def record_fingerprint(store: Path, key: bytes) -> None:
    """Write the key's fingerprint into the store (atomically)."""
    store.mkdir(parents=True, exist_ok=True)
    tmp = store / f".{FINGERPRINT_FILE}.tmp"
    tmp.write_text(json.dumps({"fingerprint": fingerprint(key), "algorithm": "hmac-sha256",
                               "label": _LABEL.decode()}) + "\n", encoding="utf-8")
    os.replace(tmp, store / FINGERPRINT_FILE)


def _identity_rows(store: Path):
    paths = [store / name for name in ("identities", "roster") if (store / name).exists()]
    if not paths:
        return None  # a new store: pandas not imported (an ingest forks its readers before importing it)
    import pandas as pd

    rows = [pd.read_parquet(p, columns=["respondent_key", "company_name", "corporate_number"]) for p in paths]
    return pd.concat(rows, ignore_index=True).fillna("").drop_duplicates()


def key_matches_data(store: Path, key: bytes) -> bool | None:
    """Whether the key gives the store's stored respondent keys (None when the store has none)."""
    rows = _identity_rows(store)
    if rows is None or not len(rows):
        return None
    row = rows.iloc[0]
    return respondent_key(key, str(row["corporate_number"]), str(row["company_name"]))[0] == row["respondent_key"]


def check_key(store: Path, key: bytes, command: str = "ingest") -> None:
    """Refuse a key that is not the store's (before anything is read or written)."""
    stored = stored_fingerprint(store)
    if stored is None:
        if key_matches_data(store, key) is False:
            raise KeyMismatchError(
                f"the store {store} holds respondent keys made with another secret key (it has no key fingerprint "
                f"yet); run `sdw {command}` with the key the store was written with (SDW_SECRET_KEY or the key "
                "file), or re-key the store with `sdw rekey --old-key-file OLD_KEY_FILE`")
        return
    if stored != fingerprint(key):
        raise KeyMismatchError(
            f"the store {store} was written with another secret key (store key fingerprint {stored[:12]}…, "
            f"this key's {fingerprint(key)[:12]}…); run `sdw {command}` with the store's key (SDW_SECRET_KEY or the "
            "key file), or re-key the store first with `sdw rekey --old-key-file OLD_KEY_FILE`")


@dataclass
class Rekeyed:
    keys: int
    rows: dict[str, int]


def rekey(store: Path, old_key: bytes, new_key: bytes) -> Rekeyed:
    """Recompute every respondent_key of the store under ``new_key``; ``old_key`` must be the store's."""
    import pandas as pd

    from pipeline import store as store_mod

    if not (store / "manifest").exists():
        raise FileNotFoundError(f"no store at {store}")
    if old_key == new_key:
        raise KeyMismatchError("the old and the new key are the same: nothing to re-key")
    stored = stored_fingerprint(store)
    if stored is not None and stored != fingerprint(old_key):
        raise KeyMismatchError(f"--old-key-file is not the key the store {store} was written with "
                               f"(store key fingerprint {stored[:12]}…, that key's {fingerprint(old_key)[:12]}…)")
    if stored is None and key_matches_data(store, old_key) is False:
        raise KeyMismatchError(f"--old-key-file does not give the respondent keys stored in {store}")
    rows = _identity_rows(store)
    mapping: dict[str, str] = {}
    if rows is not None:
        for k, number, name in rows[["respondent_key", "corporate_number", "company_name"]].itertuples(index=False):
            old, _ = respondent_key(old_key, str(number), str(name))
            new, _ = respondent_key(new_key, str(number), str(name))
            if k not in (old, new):
                raise KeyMismatchError(f"respondent key {k[:8]}… of the store is made by neither key from its "
                                       "identity: nothing was changed")
            # a table already re-keyed (a re-key stopped between two tables, run again) keeps its keys
            mapping[old] = mapping[new] = new
    tables: dict[str, pd.DataFrame] = {}
    counts: dict[str, int] = {}
    for name in KEYED_TABLES:
        t = store_mod.read_table(store, name)
        if t is None:
            continue
        keys = t["respondent_key"].fillna("")
        unknown = set(keys[keys.ne("")]) - set(mapping)
        if unknown:
            raise KeyMismatchError(f"table {name} has {len(unknown)} respondent keys with no identity to recompute "
                                   "them from: nothing was changed")
        t["respondent_key"] = keys.map(lambda k: mapping.get(k, k))
        tables[name] = t
        counts[name] = int(keys.ne("").sum())
    store_mod.write_tables(store, tables)
    record_fingerprint(store, new_key)
    return Rekeyed(len(set(mapping.values())), counts)


def read_key_file(path: Path) -> bytes:
    """A key file as ``secret_key`` reads it (stripped text)."""
    key = Path(path).read_text(encoding="utf-8").strip().encode("utf-8")
    if not key:
        raise ValueError(f"key file {path} is empty")
    return key

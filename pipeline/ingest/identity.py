"""Pseudonymous respondent keys: HMAC-SHA256 of the 法人番号 (or, flagged, the company name).

The key is secret and lives outside the repository: ``SDW_SECRET_KEY`` when set, else a key file
(``~/.config/sdw/secret.key`` unless ``SDW_SECRET_KEY_FILE`` says otherwise) created on first use
with owner-only permissions. The same key gives the same respondent_key every year, so panels join.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import sys
from functools import lru_cache

from pipeline import config, corporate_number
from pipeline.text import label_key

_LEGAL_FORMS = {"(株)": "株式会社", "㈱": "株式会社", "(有)": "有限会社", "㈲": "有限会社", "(同)": "合同会社"}


def secret_key() -> bytes:
    """The pseudonymisation key; creates the key file (0600) on first use and says where it is."""
    env = os.environ.get(config.SECRET_KEY_ENV)
    if env:
        return env.encode("utf-8")
    path = config.secret_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        print(f"sdw: created a new secret key for respondent keys at {path} (keep it; back it up; "
              f"never commit it)", file=sys.stderr)
    return path.read_text().strip().encode("utf-8")


@lru_cache(maxsize=1 << 16)
def normalised_name(name: str) -> str:
    """Company name for matching: width, spaces and bracketed legal forms unified (cached: an ingest asks
    three times for each of 3,100 names)."""
    key = label_key(name)
    for short, full in _LEGAL_FORMS.items():
        key = key.replace(label_key(short), full)
    return re.sub(r"[・.．]", "", key)


def respondent_key(key: bytes, number: str, name: str) -> tuple[str, str]:
    """(respondent_key, basis): basis is 'corporate_number', 'name' (flagged), or '' when neither exists."""
    if corporate_number.is_valid(number):
        material, basis = f"cn:{number}", "corporate_number"
    elif normalised_name(name):
        material, basis = f"name:{normalised_name(name)}", "name"
    else:
        return "", ""
    return hmac.new(key, material.encode("utf-8"), hashlib.sha256).hexdigest()[:32], basis

"""The association's member roster: who should have answered (denominator of response rates, and
the list of members to chase). Read from CSV or Excel with Japanese or English headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline import corporate_number
from pipeline.ingest import attributes as attrs
from pipeline.ingest.identity import respondent_key
from pipeline.ingest.read import decode_text
from pipeline.ingest.reasons import Rejected
from pipeline.text import clean_text, label_key

ALIASES = {
    "corporate_number": ["法人番号", "corporate_number"],
    "company_name": ["事業者名", "会社名", "company_name", "name"],
    "business_types": ["事業区分", "business_types"],
    "main_business_type": ["主たる事業区分", "main_type", "main_business_type"],
    "employees": ["従業員数", "employees"],
    "size_band": ["従業員規模", "size_band"],
    "member_org": ["所属団体", "member_org"],
    "industry": ["業種", "industry"],
    "target_level": ["目標レベル", "target_level"],
}
def _read(path: Path) -> pd.DataFrame:
    """The roster's rows as text; a file that cannot be read as a table is refused in one line."""
    try:
        if path.suffix.lower() == ".csv":
            import io

            return pd.read_csv(io.StringIO(decode_text(path.read_bytes())), dtype=str, keep_default_na=False,
                               skip_blank_lines=False)
        return pd.read_excel(path, dtype=str, engine="calamine").fillna("")
    except Rejected as e:
        raise ValueError(f"roster {path.name}: {e.detail}") from None
    except pd.errors.EmptyDataError:
        raise ValueError(f"roster {path.name} is empty: it needs a header row (法人番号, 事業者名 …) and a row per "
                         "member") from None
    except Exception as e:  # noqa: BLE001 - any reader's failure is the same refusal: not a table
        raise ValueError(f"roster {path.name} does not open as a table (.csv or .xlsx): "
                         f"{str(e).splitlines()[0][:120] if str(e) else type(e).__name__}") from None


def check_header(path: Path) -> None:
    """Open the roster and find an identity column (法人番号 or 事業者名), or raise ValueError saying what
    is wrong: run with the other arguments, before any submission is read."""
    raw = _read(path)
    lookup = {label_key(a): role for role, names in ALIASES.items() for a in names}
    roles = {lookup.get(label_key(c)) for c in raw.columns}
    if not roles & {"corporate_number", "company_name"}:
        raise ValueError(f"roster {path.name}: needs a 法人番号 or 事業者名 column (found: "
                         f"{', '.join(map(str, raw.columns[:6]))})")


COLUMNS = ["sector", "year", "respondent_key", "identity_basis", "company_name", "corporate_number",
           "business_types", "main_business_type", "size_band", "member_org", "industry", "target_level"]


def read_roster(path: Path, sector: str, year: int, key: bytes, issues: list[dict] | None = None) -> pd.DataFrame:
    """Members with respondent keys (same HMAC as submissions) and normalised attributes.

    Every row not taken as it stands is appended to ``issues`` (source_path ``roster.csv#row=N`` as a
    spreadsheet numbers it, status, reason, company, detail): dropped for want of a key (quarantined),
    merged into an earlier row of the same company (superseded), or taken without an unreadable
    business type (ingested).
    """
    issues = [] if issues is None else issues
    raw = _read(path)
    lookup = {label_key(a): role for role, names in ALIASES.items() for a in names}
    raw = raw.rename(columns={c: lookup[label_key(c)] for c in raw.columns if label_key(c) in lookup})
    if "corporate_number" not in raw and "company_name" not in raw:
        raise ValueError(f"roster {path.name}: needs a 法人番号 or 事業者名 column")
    rows = []
    first_row: dict[str, int] = {}

    def issue(n: int, status: str, reason: str, number: str, name: str, detail: str) -> None:
        issues.append({"source_path": f"{path.name}#row={n}", "status": status, "reason": reason,
                       "company_name": name, "corporate_number": number, "detail": detail})

    for n, rec in enumerate(raw.to_dict("records"), start=2):  # row 1 is the header
        if all(clean_text(v) == "" for v in rec.values()):
            continue  # a blank line, not a member
        number = corporate_number.normalise(rec.get("corporate_number"))
        name = clean_text(rec.get("company_name"))
        k, basis = respondent_key(key, number, name)
        if not k:
            issue(n, "quarantined", "roster_no_identity", number, name,
                  "、".join(f"{c}={clean_text(v)}" for c, v in rec.items() if clean_text(v))[:200])
            continue
        if number and basis == "name":  # written but not a 法人番号 (a check digit off, Excel's 7.00001E+12)
            written = clean_text(rec.get("corporate_number"))
            issue(n, "ingested", "roster_invalid_number", number, name, f"法人番号 {written} は無効(事業者名で照合)")
        if k in first_row:
            issue(n, "superseded", "roster_duplicate", number, name, f"row {first_row[k]} と同じ事業者")
            continue
        first_row[k] = n
        codes, unknown = attrs.business_types(rec.get("business_types"), sector)
        if unknown:
            issue(n, "ingested", "roster_unknown_business_type", number, name, "事業区分: " + "、".join(unknown))
        main, _ = attrs.business_types(rec.get("main_business_type"), sector)
        employees = attrs.parse_int(rec.get("employees"))
        rows.append({"respondent_key": k, "identity_basis": basis, "company_name": name, "corporate_number": number,
                     "business_types": " ".join(codes) or None, "main_business_type": (main or codes or [None])[0],
                     "size_band": attrs.size_band(rec.get("size_band")) or attrs.size_band_from_employees(employees),
                     "member_org": clean_text(rec.get("member_org")) or None,
                     "industry": clean_text(rec.get("industry")) or None,
                     "target_level": attrs.target_level(rec.get("target_level"))})
    out = pd.DataFrame(rows).assign(sector=sector, year=year)
    for col in COLUMNS:
        if col not in out:
            out[col] = None
    out = out[COLUMNS].drop_duplicates("respondent_key")
    out.attrs["rows"] = first_row  # respondent_key → its row in the file, for problems found later (linking)
    return out

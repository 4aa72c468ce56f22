"""Rebuild the framework catalogs in ``pipeline/catalogs`` from the repository's reference data.

Why a script: the IDs, names, counts and relations are facts published by NIST and METI, kept with
their provenance in ``reference/`` (see reference/README.md). Reshaping them by code (rather than by
hand) keeps the facts exact; the project's own additions (Japanese CSF 1.1 names, CPSF tags,
instrument items) are hand-written data files and are not touched here.

usage: python tools/build_catalogs.py [REFERENCE_DIR]     (default: reference/ of this repository)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "pipeline" / "catalogs"
REFERENCE = ROOT / "reference"
CSF2_FUNCTIONS = {"GV": "Govern", "ID": "Identify", "PR": "Protect", "DE": "Detect", "RS": "Respond",
                  "RC": "Recover"}
CSF2_CATEGORY_ORDER = ["GV.OC", "GV.RM", "GV.RR", "GV.PO", "GV.OV", "GV.SC", "ID.AM", "ID.RA", "ID.IM",
                       "PR.AA", "PR.AT", "PR.DS", "PR.PS", "PR.IR", "DE.CM", "DE.AE", "RS.MA", "RS.AN",
                       "RS.CO", "RS.MI", "RC.RP", "RC.CO"]
CSF11_FUNCTIONS = {"ID": "Identify", "PR": "Protect", "DE": "Detect", "RS": "Respond", "RC": "Recover"}
# Japanese labels for CSF 1.1 functions and categories: our own translation, for figure labels.
CSF11_NAMES_JA = {
    "ID": "識別", "PR": "防御", "DE": "検知", "RS": "対応", "RC": "復旧",
    "ID.AM": "資産管理", "ID.BE": "ビジネス環境", "ID.GV": "ガバナンス", "ID.RA": "リスク評価",
    "ID.RM": "リスク管理戦略", "ID.SC": "サプライチェーンリスク管理",
    "PR.AC": "ID管理・認証・アクセス制御", "PR.AT": "意識向上・教育", "PR.DS": "データセキュリティ",
    "PR.IP": "情報保護のプロセスと手順", "PR.MA": "保守", "PR.PT": "保護技術",
    "DE.AE": "異常とイベント", "DE.CM": "継続的な監視", "DE.DP": "検知プロセス",
    "RS.RP": "対応計画", "RS.CO": "対応時の連絡", "RS.AN": "分析", "RS.MI": "被害の軽減", "RS.IM": "対応の改善",
    "RC.RP": "復旧計画", "RC.IM": "復旧の改善", "RC.CO": "復旧時の連絡",
}
# English names of the ★ scheme's categories and requirements: our own short translations of the Japanese
# names (the official table is Japanese only), for English reports and feedback. The categories take up NIST
# CSF 2.0 categories, whose English names they follow.
SCS_CATEGORY_NAMES_EN = {
    "1-1": "Organizational context", "1-2": "Roles, responsibilities and authorities", "1-3": "Policy",
    "1-4": "Oversight", "2-1": "Cybersecurity supply chain risk management", "3-1": "Asset management",
    "3-2": "Risk assessment", "4-1": "Identity management, authentication and access control",
    "4-2": "Awareness and training", "4-3": "Data security", "4-4": "Platform security",
    "4-5": "Technology infrastructure resilience", "5-1": "Continuous monitoring", "5-2": "Adverse event analysis",
    "6-1": "Incident management", "7-1": "Incident recovery plan execution",
}
SCS_REQUIREMENT_NAMES_EN = {
    "1-1-1": "Internal rules", "1-2-1": "Security promotion function",
    "1-2-2": "Monitoring and analysing cyberattacks", "1-2-3": "Confidentiality rules",
    "1-3-1": "Security policy in place", "1-4-1": "Security action plan",
    "2-1-1": "Business and system ties with partners",
    "2-1-2": "Handling of confidential information", "2-1-3": "Business partners' security measures",
    "2-1-4": "Incident roles and responsibilities",
    "2-1-5": "Return and disposal of confidential data",
    "3-1-1": "Inventory of IT devices, OS and software", "3-1-2": "Knowing the network",
    "3-1-3": "Managing external information services", "3-1-4": "Handling data by confidentiality class",
    "3-1-5": "Rules for remote work", "3-2-1": "Vulnerability management set-up",
    "4-1-1": "User ID management procedure", "4-1-2": "Administrator ID management procedure",
    "4-1-3": "Authentication strength and method", "4-1-4": "Account lockout",
    "4-1-5": "Password setting rules", "4-1-6": "Password management rules",
    "4-1-7": "Access rights management rules", "4-1-8": "Entry control for server areas",
    "4-1-9": "Restricting removable media", "4-2-1": "Security awareness education and training",
    "4-2-2": "Incident response education and drills", "4-3-1": "Data encryption", "4-3-2": "Data storage rules",
    "4-3-3": "Information-sharing rules with partners", "4-3-4": "Adequate backups",
    "4-4-1": "Secure set-up of devices, OS and software",
    "4-4-2": "OS and software past end of support", "4-4-3": "Log collection",
    "4-4-4": "Security patch and update procedure", "4-4-5": "Protection against malware",
    "4-5-1": "Network perimeter protection", "5-1-1": "Monitoring network connections and data",
    "5-1-2": "Monitoring device and software behaviour", "5-2-1": "Scope of each security incident level",
    "6-1-1": "Incident response procedure", "7-1-1": "Recovery prepared for business continuity",
}
# NIST's OLIR crosswalk disagrees with the OSCAL withdrawal links in exactly these places.
OLIR_NOTES = {
    "ID.GV-4": "NIST OLIR crosswalk gives GV.RM-03; the OSCAL withdrawal link (used here) gives GV.RM-04",
    "RC.CO-2": "absent from NIST's OLIR crosswalk; the OSCAL withdrawal link (used here) gives RC.CO-04",
}


def build_csf2(ref: Path) -> pd.DataFrame:
    subs = pd.read_csv(ref / "csf2_subcategories.csv", dtype=str)
    cats = pd.read_csv(ref / "csf2_categories.csv", dtype=str).set_index("category_id")
    ja = pd.read_csv(ref / "csf2_names_ja.csv", dtype=str).set_index("node_id")
    rows = []
    for fid, fname in CSF2_FUNCTIONS.items():
        rows.append(dict(node_id=fid, level="function", parent_id="", function_id=fid, name_en=fname,
                         name_ja=ja.loc[fid, "name_ja"], name_ja_source=ja.loc[fid, "name_ja_source"]))
        for cid in [c for c in CSF2_CATEGORY_ORDER if c.startswith(fid + ".")]:
            rows.append(dict(node_id=cid, level="category", parent_id=fid, function_id=fid,
                             name_en=cats.loc[cid, "name_en"], name_ja=ja.loc[cid, "name_ja"],
                             name_ja_source=ja.loc[cid, "name_ja_source"]))
            for sid in sorted(subs.loc[subs["category_id"].eq(cid), "subcategory_id"]):
                rows.append(dict(node_id=sid, level="subcategory", parent_id=cid, function_id=fid,
                                 name_en="", name_ja="", name_ja_source=""))
    return pd.DataFrame(rows)


def build_csf11(ref: Path) -> pd.DataFrame:
    cats = pd.read_csv(ref / "csf11_categories.csv", dtype=str)
    rows = []
    for fid, fname in CSF11_FUNCTIONS.items():
        rows.append(dict(node_id=fid, level="function", parent_id="", function_id=fid, name_en=fname,
                         name_ja=CSF11_NAMES_JA[fid], name_ja_source="our translation"))
        for cat in cats[cats["function_id"].eq(fid)].itertuples():
            rows.append(dict(node_id=cat.category_id, level="category", parent_id=fid, function_id=fid,
                             name_en=cat.name_en, name_ja=CSF11_NAMES_JA[cat.category_id],
                             name_ja_source="our translation"))
            for n in range(1, int(cat.subcategories) + 1):
                rows.append(dict(node_id=f"{cat.category_id}-{n}", level="subcategory",
                                 parent_id=cat.category_id, function_id=fid, name_en="", name_ja="",
                                 name_ja_source=""))
    return pd.DataFrame(rows)


def build_crosswalk(ref: Path, csf11: pd.DataFrame, csf2: pd.DataFrame) -> pd.DataFrame:
    """Every CSF 1.1 subcategory to its CSF 2.0 node(s): the withdrawn ones where NIST says they went, the
    others to the same id written with two digits (ID.AM-1 → ID.AM-01)."""
    wd = pd.read_csv(ref / "csf11_withdrawn_in_csf2.csv", dtype=str, keep_default_na=False)
    wd = wd[wd["csf11_level"].eq("subcategory")].set_index("csf11_id")
    levels = csf2.set_index("node_id")["level"]
    rows = []
    for sid in csf11.loc[csf11["level"].eq("subcategory"), "node_id"]:
        if sid in wd.index:
            relation, targets = wd.loc[sid, "relation"], wd.loc[sid, "csf2_targets"].split()
        else:
            head, _, num = sid.partition("-")
            relation, targets = "kept", [f"{head}-{int(num):02d}"]
        for t in targets:
            rows.append(dict(csf11_id=sid, relation=relation, csf2_id=t, csf2_level=levels[t],
                             note=OLIR_NOTES.get(sid, "")))
    return pd.DataFrame(rows)


def build_scs(ref: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(ref / "scs_criteria.csv", dtype=str, keep_default_na=False)
    # a requirement's stars are its criteria's grades (catalogs.scs_requirements): no flag columns beside them
    req = (raw.drop_duplicates("requirement_id")
              [["requirement_id", "group_no", "group_name", "category_no", "category_name", "requirement_name",
                "csf2_function"]]
              .rename(columns={"csf2_function": "csf_function"}))
    # ours, optional in a replacement table (docs/scheme.md): English outputs fall back to the Japanese names
    req["category_name_en"] = req["category_no"].map(SCS_CATEGORY_NAMES_EN).fillna("")
    req["requirement_name_en"] = req["requirement_id"].map(SCS_REQUIREMENT_NAMES_EN).fillna("")
    crit = raw.assign(star=raw["criterion_star"].astype(int)).rename(
        columns={"cited_items": "jama_items", "cited_levels": "jama_levels"})
    return req, crit[["criterion_id", "requirement_id", "star", "jama_items", "jama_levels"]]


def main(ref: Path) -> None:
    csf2 = build_csf2(ref)
    csf11 = build_csf11(ref)
    cw = build_crosswalk(ref, csf11, csf2)
    req, crit = build_scs(ref)
    csf2.to_csv(OUT / "csf2.csv", index=False)
    csf11.to_csv(OUT / "csf11.csv", index=False)
    cw.to_csv(OUT / "csf11_to_csf2.csv", index=False)
    req.to_csv(OUT / "scs_requirements.csv", index=False)
    crit.to_csv(OUT / "scs_criteria.csv", index=False)
    reached = set(cw.loc[cw["csf2_level"].eq("subcategory"), "csf2_id"])
    orphans = sorted(set(csf2.loc[csf2["level"].eq("subcategory"), "node_id"]) - reached)
    print(f"csf2 {len(csf2)} nodes; csf11 {len(csf11)}; crosswalk {len(cw)} links; "
          f"{len(orphans)} CSF 2.0 subcategories without a 1.1 ancestor: {' '.join(orphans)}")
    print(f"scs: {len(req)} requirements, {len(crit)} criteria")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REFERENCE)

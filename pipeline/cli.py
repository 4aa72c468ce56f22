"""The ``sdw`` command line: argument parsing only; each command calls one stage function.

The command names and options are a contract (docs/architecture.md §4): scripts outside the
repository call them. Extend, never rename.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

from pipeline import arguments, catalogs, config, preconditions

_YEAR_HELP = "fiscal year: 2024, FY2024, 2024年度, R6 or 令和6年度 (read as 2024)"
CHECK_HELP = ("List every way the store breaks its contract (docs/architecture.md §3): each table and column, "
              "canonical values, the manifest's invariants, the keys between its tables and the key fingerprint; "
              "the key at hand (SDW_SECRET_KEY, else the key file if one exists) is tested against the store's. "
              "Nothing is changed. Exit status 1 on any breach.")
_STORE_HELP = "default: data/processed in the project folder (SDW_HOME, or the nearest sdw project above here)"


def build_parser() -> argparse.ArgumentParser:
    p = arguments.Parser(
        prog="sdw",
        description="Self-diagnosis workbench: synthesise, ingest, score and report sector "
        "cybersecurity self-assessment checklists.",
        epilog=arguments.EXIT_CODES, formatter_class=arguments.HelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser(
        "synth", help="write realistic synthetic submissions with ground truth",
        description="Write a year of realistic synthetic submissions for one sector into OUT, and the ground "
        "truth (files.csv, answers.parquet, roster.csv, export_rows.csv) into OUT_truth beside it. "
        "Companies form a panel across years for the same seed. Messiness (layout drift, answer "
        "variants, duplicates, corrupt/encrypted/wrong-template files, unsafe ZIPs) is on by default.")
    s.add_argument("--sector", choices=tuple(catalogs.sectors()), required=True,
                   help="; ".join(f"{k}: {v['help']}" for k, v in catalogs.sectors().items()))
    s.add_argument("--year", type=arguments.fiscal_year, required=True, help=_YEAR_HELP)
    s.add_argument("--out", type=Path, required=True, help="folder to write the submissions into")
    s.add_argument("--n", type=int, default=None,
                   help="number of respondents (default: the published count for the sector and year)")
    s.add_argument("--seed", type=int, default=0, help="random seed; the same seed gives the same files")
    s.add_argument("--form", choices=("workbooks", "export"), default="workbooks",
                   help="one workbook per company (default), or the automotive web system's consolidated export "
                   "(回答一覧, from v2.1/FY2023)")
    s.add_argument("--clean", action="store_true",
                   help="switch messiness off: no layout drift, answer variants or bad files")
    s.add_argument("--workers", type=int, default=None, help="processes to write with (default: all cores)")

    i = sub.add_parser("ingest", help="read a folder of raw submissions into the store")
    i.add_argument("--sector", choices=tuple(catalogs.sectors()), required=True)
    i.add_argument("--year", type=arguments.fiscal_year, required=True, help=_YEAR_HELP)
    i.add_argument("--raw", type=Path, required=True, help="folder of submissions as received")
    i.add_argument("--store", type=Path, default=config.store_dir(), help=_STORE_HELP)
    i.add_argument("--roster", type=Path, default=None,
                   help="the association's member list (CSV/Excel with 法人番号 and attributes): enables response "
                   "rates and a sheet of members who have not answered")
    arguments.add_quiet(i)

    c = sub.add_parser("score", help="compute scores for everything in the store")
    c.add_argument("--store", type=Path, default=config.store_dir(), help=_STORE_HELP)
    c.add_argument("--weight-cells", default="", metavar="ATTR[,ATTR]",
                   help="roster attributes the weights to the roster come from (default: each sector's own, size_band "
                   "for automotive, main_business_type for power); two or more are raked to each one's margin, "
                   "e.g. size_band,industry")

    f = sub.add_parser(
        "feedback", help="write one feedback file per member company (association use only)",
        description="Write one workbook (and with --pdf a PDF) per member company of one sector and year, "
        "and index.xlsx (which file goes to which company), into OUT/<sector>/<year>/: with the default OUT that is "
        "reports/feedback/<sector>/<year>/ in the project folder. The folder is printed at the end. Earlier member "
        "files of that sector and year in it are replaced (except with --only). Files are written by worker "
        "processes; the same store and options give the same files whatever the number of workers.")
    f.add_argument("--sector", choices=tuple(catalogs.sectors()), required=True)
    f.add_argument("--year", type=arguments.fiscal_year, required=True, help=_YEAR_HELP)
    f.add_argument("--store", type=Path, default=config.STORE_DIR)
    f.add_argument("--out", type=Path, default=config.REPORTS_DIR / "feedback",
                   help="parent folder: the files go to OUT/<sector>/<year>/ (default reports/feedback, so "
                   "reports/feedback/<sector>/<year>/)")
    f.add_argument("--lang", choices=("ja", "en"), default="ja", help="language of the member files")
    f.add_argument("--pdf", action="store_true", help="also write a PDF per member: one A4 page (continued on a "
                   "second where long texts need it), then (automotive) the ★3/★4 page")
    f.add_argument("--only", default=None, metavar="KEY,...",
                   help="write only these members, to re-send after a correction: respondent keys, 法人番号 or file "
                   "names from index.xlsx (auto_2024_0012), comma-separated; file numbers stay those of the whole "
                   "year and no other file is touched")
    f.add_argument("--only-file", type=Path, default=None, metavar="FILE",
                   help="as --only, the members listed in FILE (one or more a line, comma-separated; # comments)")
    f.add_argument("--workers", type=int, default=None, help="processes to write with (default: all cores)")

    r = sub.add_parser("report", help="run the report notebooks and write HTML, figures and tables")
    r.add_argument("--sector", choices=(*catalogs.sectors(), "all"), required=True)
    r.add_argument("--years", type=arguments.year_span, default=None,
                   help="e.g. 2022-2024, FY2022-FY2024 or R4-R6 (default: all in the store)")
    r.add_argument("--store", type=Path, default=config.store_dir(), help=_STORE_HELP)
    r.add_argument("--out", type=Path, default=config.reports_dir(), help="default: reports/ in the project folder")
    r.add_argument("--figures", type=Path, default=config.figures_dir(),
                   help="folder for PNG/SVG figures (default: figures/ in the project folder)")
    r.add_argument("--lang", choices=("ja", "en"), default="ja", help="labels on figures and tables")
    r.add_argument("--segment-by", default="", help="respondent attribute to segment by (default: the sector's "
                   "own, catalogs/sectors.yaml: business type for power, size band for automotive)")
    r.add_argument("--framework", choices=catalogs.DRAWN, default="csf2",
                   help="framework of the heatmap and radar (csf11: the power checklist's own; automotive uses csf2)")
    r.add_argument("--min-cell", type=int, default=None,
                   help="k: hide cells with fewer companies (default: min_cell in catalogs/scoring.yaml)")
    r.add_argument("--pptx", action="store_true", help="also write a 16:9 briefing deck (deck.pptx) per report")
    r.add_argument("--what-if", type=arguments.what_if, default=None, metavar="STAR:ATTRIBUTE=VALUE",
                   help="add a what-if section: e.g. star3:size_band=101〜300人 asks ★3 of every respondent of the "
                   "latest year in that segment and ranks the requirements by how many companies each alone would "
                   "make ready (automotive; disclosure rules apply to every cell)")
    arguments.add_quiet(r)
    r.add_argument("--weights", choices=("roster", "none"), default="roster",
                   help="roster (default): the members' estimates beside the respondents' mean where the store has "
                   "weights to a member roster (`sdw score` writes them); none: the respondents only")
    r.add_argument("--workers", type=int, default=None,
                   help="notebooks run at the same time with --sector all, each in a kernel of its own (default: one "
                   "per core; 1: one after another, the least memory); the outputs are the same either way")

    a = sub.add_parser("audit", help="re-run the disclosure check of a report folder (or several together)",
                       description="Replay the intruder check on a report folder written by `sdw report`: direct "
                       "cells below k, differencing against totals, cells hidden in one table and published in "
                       "another, and earlier-year values recovered from changes. Given several folders (e.g. the "
                       "reports of one sector for other years or segmentations), it checks everything they publish "
                       "together. With --feedback, replays the member files of an `sdw feedback` folder instead: "
                       "each percentile rank and quartile against the counts the report prints for the same group "
                       "(read from --store as the report reads it). Exit status 1 on any finding.")
    a.add_argument("report_dir", type=Path, nargs="*", help="e.g. reports/auto/all")
    a.add_argument("--feedback", type=Path, default=None, metavar="DIR",
                   help="a folder of member files as `sdw feedback` writes it, e.g. reports/feedback/auto/2024")
    a.add_argument("--store", type=Path, default=config.store_dir(),
                   help=_STORE_HELP + " (the store the reports were written from: its audit/ folder keeps their "
                   "full hidden-cell logs; with --feedback, the store the report reads)")

    h = sub.add_parser("check", help="check a store against its contract (tables, values, manifest, keys, key "
                       "fingerprint); exit status 1 on any breach", description=CHECK_HELP)
    h.add_argument("--store", type=Path, default=config.store_dir(), help=_STORE_HELP)

    d = sub.add_parser("demo", help="synthesise several years for both sectors, ingest, score and report")
    arguments.add_quiet(d)

    n = sub.add_parser("instrument", help="manage instrument catalogs (import an official blank checklist, check "
                       "the ★ scheme table)")
    actions = n.add_subparsers(dest="action", required=True, metavar="ACTION")
    m = actions.add_parser(
        "import", help="turn an official blank checklist into catalog files of the project",
        description="Read an official blank checklist by its header labels (No., レベル, 分類, 要求事項, 達成条件) and "
        "write the version's template, items and a comparability mapping against the previous version into the "
        "project's catalogs/ folder, where they take precedence over the shipped ones. Prints the items per "
        "level and the new, removed, re-levelled and reworded items. A form it cannot read with certainty is "
        "refused (exit status 1) and nothing is written.")
    m.add_argument("--sector", choices=tuple(catalogs.sectors()), required=True)
    m.add_argument("--version", required=True, help="the version the form is, e.g. 2.3")
    m.add_argument("--file", type=Path, required=True, help="the official blank form (.xlsx)")
    m.add_argument("--name", default=None, help="instrument name to record (default: the previous version's)")
    m.add_argument("--published", default=None,
                   help="publication date YYYY-MM-DD (default: the date written on the form beside 版/改訂, if any)")

    actions.add_parser(
        "scheme", help="check the ★ scheme table in force and print its counts per star",
        description="Read the supply-chain evaluation scheme's requirement/criteria table in force (the project's "
        "catalogs/scs_requirements.csv, scs_criteria.csv and scs_scheme.yaml where present, else the shipped ones; "
        "format: docs/scheme.md), print its name, version, date and files, the requirements, judgeable "
        "requirements and criteria per star, and every problem: a criterion citing an item the automotive "
        "checklist does not have, or naming no known requirement, counts unlike those scs_scheme.yaml declares. "
        "Exit status 1 on any problem.")

    q = sub.add_parser(
        "sql", help="run a DuckDB query over the store's tables",
        description="Run one SQL query (DuckDB dialect) over the store. Each table is a view of the same name, read "
        "in place from its Parquet files: manifest, respondents, responses, scores, roster, quarantine. Company "
        "names and 法人番号 (the identities table, and the company_name and corporate_number columns of roster "
        "and quarantine) are hidden unless --with-identities is given: association use only, never for "
        "published figures. Prints the result as a table (the first 200 rows), or writes every row to --out "
        "(CSV or Parquet by its extension).")
    q.add_argument("query", help='e.g. "SELECT sector, year, count(*) AS n FROM respondents GROUP BY ALL"')
    q.add_argument("--out", type=Path, default=None, help="write the result to FILE.csv or FILE.parquet")
    q.add_argument("--store", type=Path, default=config.store_dir(), help=_STORE_HELP)
    q.add_argument("--with-identities", action="store_true",
                   help="also expose company names and 法人番号 (the identities table and those columns of "
                   "roster and quarantine): association use only")

    k = sub.add_parser(
        "rekey", help="re-key a store under a new secret key (key rotation)",
        description="Recompute every respondent key in the store under the current secret key (SDW_SECRET_KEY, "
        "else the key file) from the store's identities and roster, after checking them under the old key. "
        "Tables are replaced the way an ingest replaces them, and the store's key fingerprint last. Reports and "
        "feedback files written before carry the old keys: write them again.")
    k.add_argument("--old-key-file", type=Path, required=True, help="file holding the key the store was written with")
    k.add_argument("--store", type=Path, default=config.store_dir(), help=_STORE_HELP)

    t = sub.add_parser(
        "status", help="what the store holds: files, respondents, roster, scores' freshness, reports",
        description="Per sector and year: files seen, ingested, quarantined (by reason) and superseded; respondents; "
        "roster members and response rate; form versions (provisional catalogs named); when it was ingested and "
        "scored and whether the scores are stale; the key fingerprint; the reports under reports/ and whether each "
        "is up to date with the store. Reads the store, writes nothing.")
    t.add_argument("--store", type=Path, default=config.store_dir(), help=_STORE_HELP)
    t.add_argument("--reports", type=Path, default=config.reports_dir(), help="default: reports/ in the project folder")
    t.add_argument("--json", action="store_true", help="print one JSON object (for scripts) instead of text")

    for command in sub.choices.values():  # every command's --help ends with what its exit status means
        command.epilog, command.formatter_class = arguments.EXIT_CODES, arguments.HelpFormatter
    return p


def _uses_project_folder(args: argparse.Namespace) -> bool:
    """Whether the command reads or writes a default folder, so the user should be told which project that is."""
    if args.command in ("demo", "instrument"):
        return True
    defaults = {config.raw_dir(), config.store_dir(), config.figures_dir(), config.reports_dir(),
                config.reports_dir() / "feedback"}
    return any(isinstance(v, Path) and v in defaults for v in vars(args).values())


def _run(args: argparse.Namespace) -> int:
    from pipeline import stages

    return stages.run(args)


def run() -> None:
    """The ``sdw`` command (and ``python -m pipeline``): :func:`main`, then the process ends at once.

    Everything is written, closed and flushed by then; what Python would still do is take apart the
    thousand modules and millions of objects an ingest leaves (pandas, pandera, Arrow, the tables): 0.2 s
    of the 3,100-workbook ingest's budget, for nothing. No command leaves an exit handler that matters
    (pools are shut down and temporary folders removed before main returns); an argparse exit (--help, a
    bad option) still goes the usual way."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # the reader left (a broken pipe), or the stream is closed
            stream.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()  # defaults come from the project folder, which may refuse to resolve
    except RuntimeError as e:
        print(f"sdw: {e}", file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    if _uses_project_folder(args):
        print(f"sdw: {config.find_project().describe()}", file=sys.stderr)
    try:
        arguments.check(args)  # before any file is read: one line naming the argument, exit status 1
        preconditions.check(args)  # then what the command needs from the store
        arguments.echo_years(args)
        return _run(args)
    except arguments.Refused as e:
        print(f"sdw {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sdw: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `sdw … | head`: the reader left; not an error of ours
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps interpreter shutdown quiet
        return 0
    except Exception as e:  # noqa: BLE001 - the contract is one line and a non-zero status
        print(f"sdw {args.command}: {type(e).__name__}: {e}", file=sys.stderr)
        return 1

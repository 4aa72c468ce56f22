"""The repository stands alone: nothing it tracks reads or names a path outside the checkout, and every
document or reference file it cites is in it.

A clone placed alone in an empty folder (as `.ci/run` does) must pass `make test` with nothing skipped;
these tests catch the cause before that run does: a test reading a sibling folder, a default path one
level above the checkout, a docstring citing a note that only exists on the machines the project was
built on.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Paths that exist only outside a clone: a sibling folder, the build machines' work folder, anyone's home
# folder or a system path typed as absolute. `~/…` in prose is a user's own folder and allowed.
OUTSIDE = re.compile(r"\.\./shared|(?<![\w.])shared/(?:docs|reference|tools)/|(?<![\w~])/work/"
                     r"|/home/[A-Za-z0-9_.-]+|/Users/[A-Za-z0-9_.-]+|[A-Za-z]:\\\\?Users\\\\?|(?<![\w.])/root/")
# Documents cited by path: each must be a file of the repository.
CITED = re.compile(r"(?<![\w./-])((?:docs|reference)/[A-Za-z0-9_.-]+\.(?:md|csv))")
# This file spells out the patterns it looks for.
SELF = "tests/test_standalone.py"


def _tracked() -> list[Path]:
    """The files a clone holds: `git ls-files`, or the working tree without ignored folders when the
    checkout is not a git repository (an unpacked source archive)."""
    try:
        names = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True,
                               text=True).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "data", "reports", "figures", "__pycache__", ".pytest_cache", ".ruff_cache",
                ".hypothesis", "sdw.egg-info"}
        return [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    return [ROOT / n for n in names if n and (ROOT / n).is_file()]


def _texts() -> list[tuple[str, str]]:
    out = []
    for path in _tracked():
        data = path.read_bytes()
        if b"\0" in data:  # a workbook fixture, an image: no text to name a path in
            continue
        out.append((path.relative_to(ROOT).as_posix(), data.decode("utf-8", errors="replace")))
    return out


def test_the_checkout_has_its_files():
    names = {name for name, _ in _texts()}
    assert {"README.md", "docs/method.md", "docs/architecture.md", "docs/instruments.md", "reference/README.md",
            "pipeline/check.py", ".ci/run"} <= names


def test_no_tracked_file_names_a_path_outside_the_repository():
    found = []
    for name, text in _texts():
        if name == SELF:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                found.append(f"{name}:{n}: {line.strip()[:120]}")
    assert found == []


@pytest.mark.parametrize("line", [
    'CHECKER = Path(__file__).resolve().parents[2] / "shared" / "tools"  # ../shared/tools/check_store.py',
    'subprocess.run([sys.executable, "/work/shared/tools/check_store.py", store])',
    "`sdw: project folder /home/me/survey (sdw.toml)`",
    "see shared/reference/csf20_subcategories.tsv",
])
def test_the_outside_path_pattern_catches_what_it_is_for(line):
    assert OUTSIDE.search(line)


@pytest.mark.parametrize("line", [
    "`sdw: project folder ~/survey (sdw.toml)`",
    "the key file (`~/.config/sdw/secret.key`)",
    "reports/<sector>/<years>/ and data/processed/",
    "shared strings (xl/sharedStrings.xml)",
])
def test_the_outside_path_pattern_lets_ordinary_text_through(line):
    assert not OUTSIDE.search(line)


def test_every_cited_document_and_reference_file_exists():
    missing = []
    for name, text in _texts():
        for cited in set(CITED.findall(text)):
            if not (ROOT / cited).is_file():
                missing.append(f"{name} cites {cited}")
    assert missing == []


def test_nothing_cites_the_team_notes_by_name():
    """`mission.md` was a note beside the repository; the published figures it held are docs/sources.md."""
    citing = [name for name, text in _texts() if name != SELF and re.search(r"(?<![\w/])mission\.md", text)]
    assert citing == []


def test_ci_runs_the_readme_test_command_in_a_clone_alone_in_an_empty_folder():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "    make test\n" in readme
    assert 'git clone --no-hardlinks --quiet "$repo" "$alone/sdw"' in ci
    assert 'make -C "$alone/sdw" test' in ci
    assert "mktemp -d" in ci

"""Reports: every notebook runs through papermill on small synthetic data and writes its outputs,
no output names a company, and a failing cell fails the run with the cell named."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import jupytext
import openpyxl
import pandas as pd
import pytest

from pipeline.ingest import ingest
from pipeline.report.run import ReportError, execute, run_report
from pipeline.scoring import score_store
from pipeline.synth import synthesise

ROOT = Path(__file__).resolve().parents[1]
SECTOR_FIGURES = {"response_rate", "score_distribution", "csf2_heatmap", "radar", "weakest_items", "movers",
                  "panel_change"}
AUTO_FIGURES = {"level_achievement", "star_readiness"}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("rep")
    store = root / "store"
    for sector, year, form, n in [("power", 2024, "workbooks", 40), ("power", 2025, "workbooks", 42),
                                  ("auto", 2023, "export", 80), ("auto", 2024, "export", 80)]:
        raw = root / f"{sector}{year}"
        synth = synthesise(sector, year, raw, n=n, seed=1, form=form, workers=2)
        ingest(sector, year, raw, store, progress=False, roster=synth.truth / "roster.csv")
    score_store(store)
    result = run_report("all", None, store, out=root / "reports", figures=root / "figures")
    return root, store, result


def test_outputs_exist_and_hold_no_error(reports):
    root, _, result = reports
    assert len(result.html) == 3
    for html in result.html:
        assert html.exists() and "<html" in html.read_text(encoding="utf-8")[:2000].lower()
        nb = json.loads(html.with_suffix(".ipynb").read_text(encoding="utf-8"))
        errors = [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert errors == []
        assert "papermill" in nb["metadata"]  # parameters recorded
    for sector, expected in (("power", SECTOR_FIGURES), ("auto", SECTOR_FIGURES | AUTO_FIGURES)):
        folder = root / "figures" / sector / "all"
        assert {p.stem for p in folder.glob("*.png")} == expected
        assert {p.stem for p in folder.glob("*.svg")} == expected
        assert (root / "reports" / sector / "all" / "tables.xlsx").exists()
    assert {p.stem for p in (root / "figures" / "all" / "all").glob("*.png")} == {
        "cross_sector_functions", "cross_sector_categories"}


def test_html_report_has_no_code(reports):
    _, _, result = reports
    text = result.html[0].read_text(encoding="utf-8")
    assert "import pipeline" not in text and "from pipeline" not in text
    assert "data:image/png;base64" in text  # figures embedded: the file stands alone


def test_png_is_300_dpi_16_by_9(reports):
    from PIL import Image

    root, _, _ = reports
    im = Image.open(root / "figures" / "auto" / "all" / "radar.png")
    assert im.size == (3000, 1687) or im.size == (3000, 1688)


def _secrets(store: Path) -> set[str]:
    ids = pd.read_parquet(store / "identities")
    roster = pd.read_parquet(store / "roster")
    values = set(ids["company_name"]) | set(ids["corporate_number"]) | set(roster["company_name"].dropna()) \
        | set(roster["corporate_number"].dropna())
    return {v for v in values if v and len(v) >= 4}


def _output_texts(root: Path):
    for path in list((root / "reports").rglob("*")) + list((root / "figures").rglob("*")):
        if path.suffix in (".html", ".ipynb", ".svg"):
            yield path, path.read_text(encoding="utf-8", errors="ignore")
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as zf:
                yield path, "".join(zf.read(n).decode("utf-8", "ignore") for n in zf.namelist())


def test_no_company_name_or_corporate_number_in_any_output(reports):
    root, store, _ = reports
    secrets = _secrets(store)
    assert len(secrets) > 100
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    checked = 0
    for path, text in _output_texts(root):
        hit = pattern.search(text)
        assert hit is None, f"{path.name} contains {hit.group(0)!r}"
        checked += 1
    assert checked >= 20


def test_small_segments_are_hidden_in_the_tables(reports):
    root, _, _ = reports
    sheets = pd.read_excel(root / "reports" / "power" / "all" / "tables.xlsx", sheet_name=None, engine="calamine")
    cats = sheets["csf2_categories"]
    hidden = cats[cats["suppressed"].fillna("").ne("")]
    assert len(hidden) and hidden["mean"].isna().all()
    shown = cats[cats["suppressed"].fillna("").eq("") & cats["mean"].notna()]
    assert (shown["n"] >= 5).all()


def test_every_notebook_has_a_tagged_parameters_cell():
    for path in sorted((ROOT / "notebooks").glob("*.py")):
        nb = jupytext.read(path)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name


def test_explore_notebook_runs(reports, tmp_path):
    _, store, _ = reports
    html = execute("explore_gaps", {"sector": "auto", "store": str(store), "lang": "ja", "min_cell": 5}, tmp_path)
    nb = json.loads(html.with_suffix(".ipynb").read_text(encoding="utf-8"))
    assert not [o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"]


def test_english_labels(reports, tmp_path):
    _, store, _ = reports
    result = run_report("power", None, store, out=tmp_path / "r", figures=tmp_path / "f", lang="en")
    svg = (tmp_path / "f" / "power" / "all" / "radar.svg").read_text(encoding="utf-8")
    nb = result.html[0].with_suffix(".ipynb").read_text(encoding="utf-8")
    assert "Source: Power sector" in nb or "Power" in svg


def test_a_failing_cell_fails_the_run_and_names_the_cell(tmp_path):
    (tmp_path / "broken.py").write_text('# %% tags=["parameters"]\nx = 1\n\n# %%\nraise ValueError("boom")\n')
    with pytest.raises(ReportError, match=r"broken: cell \d+ failed: ValueError: boom"):
        execute("broken", {"x": 2}, tmp_path / "out", notebooks_dir=tmp_path)


def test_publisher_keeps_formula_like_text_as_text(tmp_path):
    from pipeline.report.publish import Publisher

    pub = Publisher(tmp_path / "f", tmp_path / "t.xlsx")
    pub.table("x", pd.DataFrame({"a": ["=HYPERLINK(\"x\")", "ok"], "b": [1.5, float("nan")]}))
    pub.close()
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")["x"]
    assert ws["A2"].data_type == "s" and ws["A2"].value.startswith("=")

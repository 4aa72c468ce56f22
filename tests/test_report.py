"""Reports: every notebook runs through papermill on small synthetic data and writes its outputs,
no output names a company, and a failing cell fails the run with the cell named."""

from __future__ import annotations

import json
import re
import zipfile
from html import unescape
from pathlib import Path

import jupytext
import openpyxl
import pandas as pd
import pytest

from pipeline.report.run import ReportError, execute, run_report
from tests.stores import build_store

ROOT = Path(__file__).resolve().parents[1]
SECTOR_FIGURES = {"response_rate", "response_trend", "function_trend", "panel_vs_all", "score_distribution",
                  "csf2_heatmap", "radar", "weakest_items", "movers"}
AUTO_FIGURES = {"level_trend", "star_readiness"}
JUNK = ["PosixPath", "Traceback", "NaN", "nan%", "findfont", "Warning", "warn(", "<Figure", "PublishedTable(",
        "/tmp/", "site-packages"]


def _page_text(html: str) -> str:
    """What a reader can read: the HTML without embedded image data, styles and scripts."""
    html = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", html)
    return re.sub(r"<(style|script)[^>]*>.*?</\1>", "", html, flags=re.S)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    root = tmp_path_factory.mktemp("rep")
    store = build_store(root)
    result = run_report("all", None, store, out=root / "reports", figures=root / "figures", pptx=True)
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
    assert {p.stem for p in (root / "figures" / "all" / "all").glob("*.png")} == {
        "cross_sector_functions", "cross_sector_categories"}


@pytest.mark.parametrize("sector", ["power", "auto", "all"])
def test_html_carries_every_published_figure_and_no_junk(reports, sector):
    root, _, _ = reports
    name = "cross_sector" if sector == "all" else "sector_trend_report"
    html = (root / "reports" / sector / "all" / f"{name}.html").read_text(encoding="utf-8")
    figures = len(list((root / "figures" / sector / "all").glob("*.png")))
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', html)) == figures
    assert not re.search(r"<script[^>]+src=[\"']https?:", html)  # opens offline
    page = _page_text(html)
    assert "import pipeline" not in page and "from pipeline" not in page
    for junk in JUNK:
        assert junk not in page, junk
    assert "<table" in page and "平均スコア" in page  # formatted tables with Japanese headers
    if sector != "all":  # every shipped catalog is provisional (our own texts) until an official form is imported
        assert re.search(rf"<em>暫定カタログで採点した回答を含む\({sector}-[^)]+\): 項目の文言・レベルの一部は", page)
    assert "@page" in html and "A4" in html  # prints on A4
    # the method the numbers follow: its version in the provenance line, its sections in the method note
    assert "method 2026.12" in page or "手法 2026.12" in page
    assert "詳しくは docs/method.md §5 開示制御、§6 区間推定。" in page
    assert "詳しくは docs/method.md §1 採点、§2 ロールアップ、§3 レベルと★、§4 CSF 1.1 から 2.0 への射影。" in page


def test_headline_numbers_are_table_cells(reports):
    root, _, _ = reports
    html = (root / "reports" / "auto" / "all" / "sector_trend_report.html").read_text(encoding="utf-8")
    summary = re.search(r'<div class="sdw-headline">(.*?)</div>', html, re.S).group(1)
    responses = pd.read_csv(root / "reports" / "auto" / "all" / "tables" / "responses.csv")
    latest = responses[responses["year"].eq(2024) & responses["segment"].eq("全体")].iloc[0]
    assert f"回答事業者は FY2024 に {int(latest['n'])}社" in summary
    assert f"{latest['response_rate']:.1%}" in summary
    levels = pd.read_csv(root / "reports" / "auto" / "all" / "tables" / "levels.csv")
    lv1 = levels[levels["year"].eq(2024) & levels["segment"].eq("全体") & levels["node_id"].eq("Lv1+")].iloc[0]
    assert f"Lv1+ {lv1['share_reached']:.1%}" in summary
    assert "ポイント" in summary  # the change in the mean is in points


def test_workbook_is_for_people(reports):
    root, _, _ = reports
    wb = openpyxl.load_workbook(root / "reports" / "auto" / "all" / "tables.xlsx")
    assert wb.sheetnames[0] == "説明"
    ws = wb["functions"]
    headers = [c.value for c in ws[4]]
    assert {"年度", "区分", "平均スコア", "前年差"} <= set(headers)
    col = headers.index("平均スコア") + 1
    numbers = [ws.cell(r, col) for r in range(5, ws.max_row + 1) if isinstance(ws.cell(r, col).value, float)]
    assert numbers and all("0.0%" in c.number_format for c in numbers)
    hidden = [ws.cell(r, col).value for r in range(5, ws.max_row + 1) if ws.cell(r, col).value == "<5"]
    assert hidden  # small size bands are hidden, shown as <5, never blank
    assert ws.freeze_panes is not None and ws.column_dimensions["A"].width


def test_deck_is_16_9_with_a_slide_per_figure(reports):
    from pptx import Presentation

    root, _, _ = reports
    for sector in ("power", "auto", "all"):
        deck = Presentation(str(root / "reports" / sector / "all" / "deck.pptx"))
        assert round(deck.slide_width / deck.slide_height, 3) == round(16 / 9, 3)
        figures = len(list((root / "figures" / sector / "all").glob("*.png")))
        assert len(deck.slides) == 2 + figures


def test_every_report_passes_its_own_audit_and_the_replay(reports):
    from pipeline.publish.audit import audit_folder

    root, _, _ = reports
    for sector in ("power", "auto", "all"):
        folder = root / "reports" / sector / "all"
        log = pd.read_csv(folder / "disclosure_audit.csv")
        assert set(log["check"]) <= {"hidden"}
        assert audit_folder(folder) == []
    auto_log = pd.read_csv(root / "reports" / "auto" / "all" / "disclosure_audit.csv")
    assert len(auto_log) and set(auto_log["reason"]) <= {"primary", "complementary", "uniform"}
    assert (auto_log.loc[auto_log["reason"].eq("primary"), "count"] < 5).all()


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
    cats = pd.read_csv(root / "reports" / "power" / "all" / "tables" / "categories.csv")
    hidden = cats[cats["suppressed"].fillna("").ne("")]
    assert len(hidden) and hidden["mean"].isna().all() and hidden["n_scored"].isna().all()
    shown = cats[cats["suppressed"].fillna("").eq("") & cats["mean"].notna()]
    assert (shown["n_scored"] >= 5).all()
    assert "_n_behind" not in cats  # the true count behind hidden cells stays in the audit log


def test_every_notebook_has_a_tagged_parameters_cell():
    for path in sorted((ROOT / "notebooks").glob("*.py")):
        nb = jupytext.read(path)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, path.name


def test_english_report_and_byte_identical_tables(reports, tmp_path):
    root, store, _ = reports
    first = run_report("power", None, store, out=tmp_path / "r1", figures=tmp_path / "f1", lang="en")
    second = run_report("power", None, store, out=tmp_path / "r2", figures=tmp_path / "f2", lang="en")
    page = _page_text(first.html[0].read_text(encoding="utf-8"))
    assert "Summary" in page and "Mean score" in page and "Power sector cybersecurity" in page
    assert "要旨" not in page and "平均スコア" not in page  # one language throughout
    one, two = tmp_path / "r1" / "power" / "all" / "tables", tmp_path / "r2" / "power" / "all" / "tables"
    # item texts in English (our text_en, typed here from power_items.csv), Japanese in the Japanese report
    english = pd.read_csv(one / "items.csv").set_index(["year", "item_id"])["text"]
    japanese = pd.read_csv(root / "reports" / "power" / "all" / "tables" / "items.csv").set_index(
        ["year", "item_id"])["text"]
    assert english[(2025, "ID.AM-1")] == ("Keeps an up-to-date list of the devices, terminals and control equipment"
                                          " it uses")
    assert japanese[(2025, "ID.AM-1")] == "業務で使う機器・端末・制御装置の一覧を作り、最新に保っている"
    weakest = pd.read_csv(one / "weakest_items.csv")["text"].tolist()
    assert len(weakest) == 10 and all(t in unescape(page) for t in weakest)
    assert not [t for t in weakest if any(ord(c) >= 0x3000 for c in t)]  # no kana or kanji in the table
    names = sorted(p.name for p in one.glob("*.csv"))
    assert names and names == sorted(p.name for p in two.glob("*.csv"))
    assert all((one / n).read_bytes() == (two / n).read_bytes() for n in names)
    assert second.tables[0].read_bytes() == first.tables[0].read_bytes()  # tables.xlsx too


def test_warnings_leave_the_page_for_the_console(tmp_path, caplog):
    (tmp_path / "noisy.py").write_text('# %% tags=["parameters"]\nx = 1\n\n# %%\nimport warnings\n'
                                       'warnings.warn("deprecated-thing-xyz")\nprint("kept-output")\n')
    with caplog.at_level("WARNING"):
        html = execute("noisy", {"x": 2}, tmp_path / "out", notebooks_dir=tmp_path)
    page = html.read_text(encoding="utf-8")
    assert "kept-output" in page and "deprecated-thing-xyz" not in page
    assert any("deprecated-thing-xyz" in r.getMessage() for r in caplog.records)


def test_a_failing_cell_fails_the_run_and_names_the_cell(tmp_path):
    (tmp_path / "broken.py").write_text('# %% tags=["parameters"]\nx = 1\n\n# %%\nraise ValueError("boom")\n')
    with pytest.raises(ReportError, match=r"broken: cell \d+ failed: ValueError: boom"):
        execute("broken", {"x": 2}, tmp_path / "out", notebooks_dir=tmp_path)


def test_publisher_keeps_formula_like_text_as_text(tmp_path):
    from pipeline.publish.model import Provenance
    from pipeline.publish.publisher import Publisher

    pub = Publisher(tmp_path / "f", tmp_path / "r", "ja", 5, Provenance("abc", "0"), show=False)
    pub.table("x", pd.DataFrame({"text": ["=HYPERLINK(\"x\")", "ok"], "year": [2024, 2024]}), None, "x",
              ["text", "year"])
    pub.close([])
    ws = openpyxl.load_workbook(tmp_path / "r" / "tables.xlsx")["x"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=HYP")]
    assert cells and all(c.data_type == "s" for c in cells)

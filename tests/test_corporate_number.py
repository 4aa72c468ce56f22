"""法人番号 check digits and normalisation."""

from __future__ import annotations

import pytest

from pipeline import corporate_number as cn


def test_known_number_validates():
    # 国税庁's published corporate number (National Tax Agency): 7000012050002
    assert cn.check_digit("000012050002") == 7
    assert cn.is_valid("7000012050002")
    assert not cn.is_valid("8000012050002")


@pytest.mark.parametrize("raw", ["７０００ ０１２０ ５０００２", "7-0000-1205-0002", 7000012050002.0,
                                 " 7000012050002\n", "T7000012050002", "Ｔ７０００－０１２０－５０００２"])
def test_normalise_folds_widths_separators_and_numeric_cells(raw):
    assert cn.normalise(raw) == "7000012050002"


def test_normalise_keeps_garbage_visible():
    assert cn.normalise("不明") == "不明"
    assert not cn.is_valid(cn.normalise("不明"))
    assert cn.normalise(None) == "" and cn.normalise(float("nan")) == ""


def test_make_roundtrips(rng):
    for _ in range(50):
        base = "".join(str(d) for d in rng.integers(0, 10, 12))
        assert cn.is_valid(cn.make(base))

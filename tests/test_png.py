"""pipeline.png: the unfiltered PNG writer reads back as the pixels it was given, at its DPI."""

import io
import struct

import numpy as np
import pytest
from PIL import Image

from pipeline.png import encode_png


def test_rgb_pixels_and_dpi_read_back():
    # two rows of three pixels: red, green, blue / white, black, grey
    pixels = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255]],
                       [[255, 255, 255], [0, 0, 0], [128, 128, 128]]], dtype=np.uint8)
    data = encode_png(pixels, dpi=100)
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGB" and image.size == (3, 2)
    assert image.getpixel((0, 0)) == (255, 0, 0)
    assert image.getpixel((2, 0)) == (0, 0, 255)
    assert image.getpixel((2, 1)) == (128, 128, 128)
    # 100 dpi = 3937.007… pixels per metre, stored as 3937; read back as 100 dpi (rounded)
    assert struct.unpack(">II", data[data.index(b"pHYs") + 4:][:8]) == (3937, 3937)
    assert [round(d) for d in image.info["dpi"]] == [100, 100]


def test_rgba_keeps_alpha_and_same_array_same_bytes():
    pixels = np.zeros((4, 5, 4), dtype=np.uint8)
    pixels[1, 2] = (10, 20, 30, 40)
    data = encode_png(pixels)
    image = Image.open(io.BytesIO(data))
    assert image.mode == "RGBA" and image.size == (5, 4)
    assert image.getpixel((2, 1)) == (10, 20, 30, 40)
    assert b"pHYs" not in data  # no DPI given, none written
    assert encode_png(pixels.copy()) == data


def test_refuses_what_is_not_8_bit_rgb():
    with pytest.raises(ValueError, match="expected height × width × 3 or 4 bytes, got float64"):
        encode_png(np.zeros((2, 2, 3)))


def test_figure_png_has_matplotlibs_pixels_dpi_and_text(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pipeline.png import save_figure_png
    from pipeline.report import style

    style.apply()
    fig, ax = plt.subplots(figsize=(4.1, 2.3))
    ax.bar(["電力", "自動車"], [0.42, 0.87])
    ax.set_title("実装率")
    fig.text(0.02, 0.02, "n=3,079", fontsize=8)
    theirs = io.BytesIO()
    fig.savefig(theirs, format="png", dpi=150)
    ours = tmp_path / "ours.png"
    save_figure_png(fig, ours, dpi=150, text={"sdw:min_pt": "8.0"})
    plt.close(fig)
    a, b = Image.open(io.BytesIO(theirs.getvalue())), Image.open(ours)
    assert (a.mode, a.size) == (b.mode, b.size) == ("RGBA", (615, 345))  # 4.1 × 150, 2.3 × 150
    assert np.array_equal(np.asarray(a), np.asarray(b))
    assert b.text["sdw:min_pt"] == "8.0" and b.text["Software"] == a.text["Software"]
    assert [round(d) for d in b.info["dpi"]] == [150, 150]


def test_a_text_value_beyond_latin1_is_written_as_utf8_and_read_back():
    """A provenance stamp holds 「2024–2026」 (an en dash) and may hold ★: written as iTXt, read back whole."""
    import io

    import numpy as np
    from PIL import Image

    from pipeline.png import encode_png

    data = encode_png(np.zeros((2, 3, 3), dtype=np.uint8), text={"sdw:provenance": "years=2024–2026 · ★表",
                                                                   "plain": "k=5"})
    image = Image.open(io.BytesIO(data))
    assert image.text == {"sdw:provenance": "years=2024–2026 · ★表", "plain": "k=5"}

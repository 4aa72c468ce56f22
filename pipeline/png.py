"""PNG files from pixel arrays, written without per-row filters.

Pillow chooses a PNG filter for every row by trying all five on it; on our flat-coloured figures that
search took about two thirds of encoding a member's figure (7.1 ms of 7.4 ms at zlib level 1, for a
700 × 582 picture), while rows left unfiltered compress as well (44.6 KB against Pillow's 47.3 KB).
The pixels are the same; only the bytes of the file differ from Pillow's. The same array gives the
same bytes, so feedback files stay byte-identical run to run.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPE = {3: 2, 4: 6}
"""PNG colour type per channel count: 2 truecolour (RGB), 6 truecolour with alpha (RGBA)."""


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def encode_png(pixels: np.ndarray, dpi: float | None = None, level: int = 1) -> bytes:
    """PNG bytes of an 8-bit ``pixels`` array (height × width × 3 or 4), every row unfiltered.

    Parameters
    ----------
    pixels : ndarray of uint8
        Rows top to bottom, RGB or RGBA.
    dpi : float, optional
        Written as the pHYs chunk (pixels per metre, rounded as Pillow rounds), so an office program
        places the picture at the size it was drawn for.
    level : int
        zlib level: 1 is fastest and, for figures of flat colours, nearly as small as 9.
    """
    if pixels.dtype != np.uint8 or pixels.ndim != 3 or pixels.shape[2] not in COLOUR_TYPE:
        raise ValueError(f"expected height × width × 3 or 4 bytes, got {pixels.dtype} {pixels.shape}")
    height, width, channels = pixels.shape
    rows = np.empty((height, width * channels + 1), dtype=np.uint8)
    rows[:, 0] = 0  # filter type 0 (none) on every row
    rows[:, 1:] = pixels.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPE[channels], 0, 0, 0)
    parts = [SIGNATURE, _chunk(b"IHDR", header)]
    if dpi is not None:
        per_metre = int(dpi / 0.0254 + 0.5)
        parts.append(_chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)))
    parts += [_chunk(b"IDAT", zlib.compress(rows.tobytes(), level)), _chunk(b"IEND", b"")]
    return b"".join(parts)

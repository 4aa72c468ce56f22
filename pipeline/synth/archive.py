"""ZIP archives as companies send them: Japanese names in cp932 (Windows) or UTF-8, nested folders."""

from __future__ import annotations

import zipfile
from pathlib import Path

from pipeline.synth.sheetspec import FIXED_TIME


class _Cp932Name(zipfile.ZipInfo):
    """A member name stored in cp932 without the UTF-8 flag, as Windows Explorer writes it."""

    def _encodeFilenameFlags(self):  # noqa: N802 - zipfile's own hook name
        return self.filename.encode("cp932"), self.flag_bits & ~0x800


def write_zip(path: Path, members: list[tuple[str, bytes]], cp932_names: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = (_Cp932Name if cp932_names else zipfile.ZipInfo)(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)

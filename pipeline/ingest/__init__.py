"""Ingestion: a folder of raw submissions → manifest, respondents, responses (and the quarantine report).

``from pipeline.ingest import ingest`` is the stage's entry point; it is loaded on first use, so that
importing one submodule (``pipeline.ingest.limits``, ``pipeline.ingest.locate``) does not load the whole
stage and its readers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipeline.ingest.run import IngestResult, ingest

__all__ = ["IngestResult", "ingest"]


def __getattr__(name: str) -> Any:
    """The entry point's names, imported from :mod:`pipeline.ingest.run` when first asked for."""
    if name in __all__:
        from pipeline.ingest import run

        return getattr(run, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

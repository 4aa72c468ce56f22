"""Ingestion: a folder of raw submissions → manifest, respondents, responses (and the quarantine report)."""

from pipeline.ingest.run import IngestResult, ingest

__all__ = ["IngestResult", "ingest"]

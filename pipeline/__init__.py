"""Self-diagnosis workbench: ingest, score and report sector cybersecurity self-assessments."""

__version__ = "0.1.0"

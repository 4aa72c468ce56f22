"""``python -m pipeline`` is the same as the ``sdw`` command."""

from pipeline.cli import run

run()

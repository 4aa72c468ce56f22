"""Synthetic submissions that behave like real ones, with ground truth beside them."""

from pipeline.synth.run import SynthResult, synthesise, truth_dir

__all__ = ["SynthResult", "synthesise", "truth_dir"]

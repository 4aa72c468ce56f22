"""Synthetic submissions that behave like real ones, with ground truth beside them."""

from pipeline.synth.run import SynthResult, Underway, synthesise, truth_dir

__all__ = ["SynthResult", "Underway", "synthesise", "truth_dir"]

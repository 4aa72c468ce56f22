"""Synthetic submissions that behave like real ones, with ground truth beside them."""

from pipeline.synth.run import SynthResult, synthesise, synthesise_side_by_side, truth_dir

__all__ = ["SynthResult", "synthesise", "synthesise_side_by_side", "truth_dir"]

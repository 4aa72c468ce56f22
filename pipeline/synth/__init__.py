"""Synthetic submissions that behave like real ones, with ground truth beside them."""

from pipeline.synth.run import SynthResult, Underway, can_fork, synthesise, synthesise_side_by_side, truth_dir

__all__ = ["SynthResult", "Underway", "can_fork", "synthesise", "synthesise_side_by_side", "truth_dir"]

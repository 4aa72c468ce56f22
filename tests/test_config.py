"""pipeline.config: how parallel work is cut into chunks for the worker processes."""

from __future__ import annotations

from pipeline.config import chunks_of


def test_the_last_chunks_are_a_quarter_then_one_job_per_worker():
    # 300 files, 2 readers, chunks of 32: the last 2 alone, the 128 before them (2 × 2 × 32) in eights,
    # the first 170 in 32s (five of 32, then the 10 left)
    sizes = [len(c) for c in chunks_of(list(range(300)), 2, 32)]
    assert sizes == [32, 32, 32, 32, 32, 10, *[8] * 16, 1, 1]


def test_every_job_once_in_order_and_no_chunk_for_no_jobs():
    jobs = list(range(41))
    assert [j for c in chunks_of(jobs, 2, 32) for j in c] == jobs
    assert [len(c) for c in chunks_of(jobs, 2, 32)] == [8, 8, 8, 8, 7, 1, 1]
    assert chunks_of([], 2, 32) == []

"""Mentor Coach benchmarks: each figure as a ratio to a floor measured in the same run.

Run `python -m benchmarks` (or `coach bench`); see `benchmarks.runner.run`.
"""

from benchmarks.runner import PARTS, run

__all__ = ["PARTS", "run"]

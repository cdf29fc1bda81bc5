"""The benchmark's job specs (torch-free: the workflow builds them at parse time)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crossmodal.jobs.specs import option


@dataclass(frozen=True)
class IntervalsSpec:
    source: str = option()
    target: str = option()
    paired_fraction: float = option()
    seeds: list[int] = option("the run's seeds, in the order of each method's verdict files")
    predictions: dict[str, list[Path]] = option("per method, its verdict files (prediction_data), one per seed")
    replicates: int = option("bootstrap replicates")
    level: float = option("confidence level of the intervals")
    resample_seed: int = option("the seed of the one index draw every method shares")
    out: Path = option()


@dataclass(frozen=True)
class PlotSpec:
    figure: str = option("critical_difference, pareto or fractions")
    metrics: Path = option("the run's metrics.csv")
    settings: dict[str, Any] = option("the benchmark's report settings (its methods and cells)")
    style: dict[str, Any] = option()
    png: Path = option()
    pdf: Path = option()


# The study's jobs (crossmodal.jobs discovers this table): name -> (spec, "module:function", help).
_STUDY = "crossmodal.studies.benchmark"
JOBS = {
    "benchmark-intervals": (IntervalsSpec, f"{_STUDY}.jobs:intervals",
                            "paired bootstrap intervals of every method's accuracy on one scenario and fraction"),
    "benchmark-plot": (PlotSpec, f"{_STUDY}.figures:plot", "draw a benchmark figure from metrics.csv"),
}

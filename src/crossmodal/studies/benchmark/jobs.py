"""The benchmark's own job: each scenario's paired bootstrap intervals, from every method's verdict
files (its cells' accuracy rows are written by the evaluation jobs every study shares), and the
same intervals pooled again over the seeds of several runs (combine-runs)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from crossmodal.jobs.evaluation import load_predictions
from crossmodal.metrics import MetricRow, metric_row, write_metrics
from crossmodal.paths import TEMPLATES, fill
from crossmodal.report.ranking import bootstrap_replicates, percentile_interval
from crossmodal.studies.benchmark.plan import INTERVALS, SECTION
from crossmodal.studies.benchmark.specs import IntervalsSpec

log = logging.getLogger(__name__)


def interval_rows(correct: Mapping[str, Sequence[np.ndarray]], source: str, target: str, paired_fraction: float,
                  replicates: int, level: float, resample_seed: int) -> list[MetricRow]:
    """Per method: the interval of its accuracy (the mean over the seeds), and of how far it lies
    below the scenario's best method, both from one paired bootstrap over test samples within each
    seed (every method resampled at the same indices, so that a difference is paired). ``correct``:
    per method, its verdicts per seed, the seeds in the same order for every method.

    Rows (experiment ``benchmark_intervals``, seed column empty: the seeds pooled):
    ``accuracy_ci_low``/``_high``, ``below_best_ci_low``/``_high`` (not for the best itself) and
    ``seeds`` (how many were pooled)."""
    # One draw of replicates for all: every interval below comes from the same resampled test sets.
    draws = bootstrap_replicates(correct, replicates, resample_seed)
    accuracy = {method: 100.0 * float(np.mean([flags.mean() for flags in runs])) for method, runs in correct.items()}
    best = max(accuracy, key=accuracy.__getitem__)
    where = {"source": source, "target": target, "paired_fraction": paired_fraction}
    seeds = len(next(iter(correct.values())))
    rows = []
    for method, values in draws.items():
        low, high = percentile_interval(values, level)
        rows += [metric_row(INTERVALS, method, "accuracy_ci_low", low, **where),
                 metric_row(INTERVALS, method, "accuracy_ci_high", high, **where),
                 metric_row(INTERVALS, method, "seeds", seeds, **where)]
        if method != best:
            low, high = percentile_interval(draws[best] - values, level)
            rows += [metric_row(INTERVALS, method, "below_best_ci_low", low, **where),
                     metric_row(INTERVALS, method, "below_best_ci_high", high, **where)]
    log.info("%s -> %s at fraction %g: %d methods over %d seeds, best %s (%.2f%%)", source, target, paired_fraction,
             len(correct), seeds, best, accuracy[best])
    return rows


def intervals(spec: IntervalsSpec) -> None:
    """One scenario's intervals at one paired fraction (:func:`interval_rows`) over the run's seeds."""
    correct: dict[str, list[np.ndarray]] = {}
    for method, paths in spec.predictions.items():
        if len(paths) != len(spec.seeds):
            raise ValueError(f"{method}: {len(paths)} verdict files for the seeds {spec.seeds}")
        correct[method] = [load_predictions(path) for path in paths]
    write_metrics(spec.out, interval_rows(correct, spec.source, spec.target, spec.paired_fraction, spec.replicates,
                                          spec.level, spec.resample_seed))


def pool_again(report_dir: Path, settings: Mapping[str, Any]) -> list[MetricRow]:
    """The intervals of every scenario and fraction over every seed of ``settings``, from the
    verdict files kept with the report in ``report_dir`` (``figure_data/verdicts/``, where the
    evaluations write them): what combine-runs puts in place
    of the rows runs of some of the seeds pooled, the same rows a single run of all the seeds
    writes. A missing verdict file is a ``FileNotFoundError`` naming it."""
    section, seeds = settings[SECTION], list(settings["seeds"])
    by_point: dict[tuple[str, str, float], dict[str, list[np.ndarray]]] = {}
    for cell in section["cells"]:
        point = (cell["source"], cell["target"], float(cell["fraction"]))
        files = [Path(report_dir) / fill(TEMPLATES["prediction_data"], {
            "experiment": cell["experiment"], "method": cell["method"], "source": cell["source"],
            "target": cell["target"], "sdim": settings["latent_dim"], "tdim": settings["latent_dim"],
            "fraction": cell["fraction"], "seed": seed}) for seed in seeds]
        for path in files:
            if not path.exists():
                raise FileNotFoundError(f"no verdict file {path} for the benchmark's intervals")
        by_point.setdefault(point, {})[cell["method"]] = [load_predictions(path) for path in files]
    bootstrap = section["bootstrap"]
    return [row for (source, target, fraction), correct in by_point.items()
            for row in interval_rows(correct, source, target, fraction, bootstrap["replicates"], bootstrap["level"],
                                     bootstrap["seed"])]

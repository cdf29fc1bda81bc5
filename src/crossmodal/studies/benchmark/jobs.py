"""The benchmark's own job: each scenario's paired bootstrap intervals, from every method's verdict
files (its cells' accuracy rows are written by the evaluation jobs every study shares)."""

from __future__ import annotations

import logging

import numpy as np

from crossmodal.jobs.evaluation import load_predictions
from crossmodal.metrics import metric_row, write_metrics
from crossmodal.report.ranking import bootstrap_replicates, percentile_interval
from crossmodal.studies.benchmark.plan import INTERVALS
from crossmodal.studies.benchmark.specs import IntervalsSpec

log = logging.getLogger(__name__)


def intervals(spec: IntervalsSpec) -> None:
    """Per method: the interval of its accuracy (the mean over the run's seeds), and of how far it
    lies below the scenario's best method, both from one paired bootstrap over test samples within
    each seed (every method resampled at the same indices, so that a difference is paired).

    Rows (experiment ``benchmark_intervals``, seed column empty: the run's seeds pooled):
    ``accuracy_ci_low``/``_high``, ``below_best_ci_low``/``_high`` (not for the best itself) and
    ``seeds`` (how many were pooled)."""
    correct: dict[str, list[np.ndarray]] = {}
    for method, paths in spec.predictions.items():
        if len(paths) != len(spec.seeds):
            raise ValueError(f"{method}: {len(paths)} verdict files for the seeds {spec.seeds}")
        correct[method] = [load_predictions(path) for path in paths]
    # One draw of replicates for all: every interval below comes from the same resampled test sets.
    replicates = bootstrap_replicates(correct, spec.replicates, spec.resample_seed)
    accuracy = {method: 100.0 * float(np.mean([flags.mean() for flags in runs])) for method, runs in correct.items()}
    best = max(accuracy, key=accuracy.__getitem__)
    where = {"source": spec.source, "target": spec.target, "paired_fraction": spec.paired_fraction}
    rows = []
    for method, values in replicates.items():
        low, high = percentile_interval(values, spec.level)
        rows += [metric_row(INTERVALS, method, "accuracy_ci_low", low, **where),
                 metric_row(INTERVALS, method, "accuracy_ci_high", high, **where),
                 metric_row(INTERVALS, method, "seeds", len(spec.seeds), **where)]
        if method != best:
            low, high = percentile_interval(replicates[best] - values, spec.level)
            rows += [metric_row(INTERVALS, method, "below_best_ci_low", low, **where),
                     metric_row(INTERVALS, method, "below_best_ci_high", high, **where)]
    write_metrics(spec.out, rows)
    log.info("%s -> %s at fraction %g: %d methods over seeds %s, best %s (%.2f%%)", spec.source, spec.target,
             spec.paired_fraction, len(correct), spec.seeds, best, accuracy[best])

"""Collecting per-job results into one file."""

from __future__ import annotations

from crossmodal.jobs.specs import CollectMetricsSpec
from crossmodal.metrics import MetricRow, read_metrics, write_metrics


def collect_metrics(spec: CollectMetricsSpec) -> None:
    """metrics.csv: the rows of every per-job fragment, in the order given."""
    rows: list[MetricRow] = []
    for fragment in spec.fragments:
        rows.extend(read_metrics(fragment))
    write_metrics(spec.out, rows)

"""The tidy ``metrics.csv`` every number of the report comes from, and its guards."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from crossmodal.io import atomic_write_text

COLUMNS = ("experiment", "method", "source", "target", "paired_fraction", "latent_dim", "seed", "metric", "value")
PERCENT_METRICS = {"accuracy"}
# The methods table (parameter efficiency): counts and durations, never negative.
NON_NEGATIVE_METRICS = {"trainable_parameters", "train_seconds"}
INTEGRAL_METRICS = {"trainable_parameters"}


class MetricRangeError(ValueError):
    """A metric outside its valid range is never written."""


@dataclass(frozen=True)
class MetricRow:
    experiment: str
    method: str
    source: str
    target: str
    paired_fraction: str
    latent_dim: str
    seed: str
    metric: str
    value: float

    def check(self) -> None:
        if not math.isfinite(self.value):
            raise MetricRangeError(f"{self.describe()}: value {self.value} is not finite")
        if self.metric in PERCENT_METRICS and not 0.0 <= self.value <= 100.0:
            raise MetricRangeError(f"{self.describe()}: {self.metric} {self.value} is outside [0, 100]")
        if self.metric in NON_NEGATIVE_METRICS and self.value < 0:
            raise MetricRangeError(f"{self.describe()}: {self.metric} {self.value} is negative")
        if self.metric in INTEGRAL_METRICS and self.value != int(self.value):
            raise MetricRangeError(f"{self.describe()}: {self.metric} {self.value} is not a whole number")

    def describe(self) -> str:
        return "/".join(str(v) for k, v in asdict(self).items() if k != "value" and v != "")

    def key(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, f.name)) for f in fields(self) if f.name != "value")


def metric_row(
    experiment: str, method: str, metric: str, value: float, *, source: str = "", target: str = "",
    paired_fraction: float | str = "", latent_dim: int | str = "", seed: int | str = "",
) -> MetricRow:
    row = MetricRow(
        experiment, method, source, target,
        "" if paired_fraction == "" else str(float(paired_fraction)),
        str(latent_dim), str(seed), metric, round(float(value), 4),
    )
    row.check()
    return row


def rows_to_csv(rows: Iterable[MetricRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in sorted(rows, key=MetricRow.key):
        row.check()
        writer.writerow([*row.key(), f"{row.value:.4f}"])
    return out.getvalue()


def write_metrics(path: Path, rows: Iterable[MetricRow]) -> None:
    rows = list(rows)
    keys = [r.key() for r in rows]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"duplicate metric rows: {sorted(duplicates)[:3]}")
    atomic_write_text(path, rows_to_csv(rows))


def read_metrics(path: Path) -> list[MetricRow]:
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}: columns {reader.fieldnames} are not {list(COLUMNS)}")
        return [MetricRow(**{**r, "value": float(r["value"])}) for r in reader]

"""What every study's part of the report computes from ``metrics.csv``: table cells (ours as mean ±
std over seeds, beside the paper's value and Δ), tables, claims and their verdicts. Pure pandas,
no torch: it runs in the cheap report rules. The studies (``crossmodal.studies``) build their
tables and claims from these; :mod:`crossmodal.report.exports` writes them out.

A cell carries the selector of the ``metrics.csv`` rows it aggregates, so that every number on the
page can be traced (and is checked by the tests) back to those rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.data.datasets import DATASETS
from crossmodal.metrics import read_metrics

HOLDS, FAILS, UNKNOWN = "holds", "does not hold", "not reproducible here"
# The short names tables use for datasets (the papers' where they have one).
DATASET_SHORT_TITLES = {
    "mnist": "MNIST", "fashion_mnist": "F-MNIST", "svhn": "SVHN", "gsc": "GSC", "gtsrb": "GTSRB",
    "fsdd": "FSDD", "speech_commands": "GSC",
}

Selector = dict[str, str]
METRIC_COLUMNS = ["experiment", "method", "source", "target", "paired_fraction", "latent_dim", "seed", "metric", "value"]


def load_metrics(*paths: Path) -> pd.DataFrame:
    """metrics.csv (or the per-job fragments it merges) as a frame of strings (keys) and float values."""
    return pd.DataFrame([r.__dict__ for path in paths for r in read_metrics(path)], columns=METRIC_COLUMNS)


def select(metrics: pd.DataFrame, selector: Mapping[str, str]) -> pd.DataFrame:
    rows = metrics
    for key, value in selector.items():
        rows = rows[rows[key] == value]
    return rows


def mean_std(values: pd.Series) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation over seeds (0 for a single seed)."""
    if values.empty:
        return None, None
    return float(values.mean()), float(values.std(ddof=1)) if len(values) > 1 else 0.0


def dataset_title(name: str) -> str:
    """The short name tables use (the paper's where it has one, e.g. F-MNIST, GSC)."""
    if name in DATASET_SHORT_TITLES:
        return DATASET_SHORT_TITLES[name]
    info = DATASETS.get(name)
    return info.title.split(" v")[0] if info else name


def fmt(value: float | None, signed: bool = False, digits: int = 2) -> str:
    """A number as the page prints it; an em dash for none."""
    if value is None:
        return "—"
    return f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"


@dataclass
class Cell:
    """One table cell: ours (mean, std, n over seeds) beside the paper's value."""

    selector: Selector
    mean: float | None
    std: float | None
    n: int
    paper: float | None
    substitute: bool
    anchor: str
    bands: tuple[float, float] = (3.0, 10.0)
    best: bool = False
    digits: int = 2  # decimals shown: 0 for counts
    reference: str = ""  # where the paper prints its value (file, table, row, column)

    @property
    def delta(self) -> float | None:
        if self.mean is None or self.paper is None:
            return None
        return self.mean - self.paper

    @property
    def delta_class(self) -> str:
        """Colour band of |Δ|: within tolerance, within the second band, beyond; substitutes are context."""
        d = self.delta
        if d is None:
            return "na"
        if self.substitute:
            return "context"
        return "good" if abs(d) <= self.bands[0] else "fair" if abs(d) <= self.bands[1] else "poor"

    @property
    def metrics_key(self) -> str:
        """The selector as ``key=value;...``: the page's pointer to the rows this cell aggregates."""
        return ";".join(f"{k}={v}" for k, v in self.selector.items())


def make_cell(metrics: pd.DataFrame, selector: Selector, paper: float | None, substitute: bool, anchor: str,
              bands: tuple[float, float]) -> Cell:
    values = select(metrics, selector)["value"].astype(float)
    mean, std = mean_std(values)
    return Cell(dict(selector), mean, std, len(values), paper, substitute, anchor, bands)


def mark_best(cells: Sequence[Cell]) -> None:
    """Bold the best of ours in a column, as the papers do (ties all bold)."""
    measured = [c.mean for c in cells if c.mean is not None]
    if len(measured) < 2:
        return
    best = max(measured)
    for c in cells:
        c.best = c.mean is not None and c.mean == best


def delta_bands(settings: Mapping[str, Any]) -> tuple[float, float]:
    low, high = settings["report"].get("delta_bands", [3.0, 10.0])
    return float(low), float(high)


@dataclass
class Table:
    """Rows of cells under titled columns, as the page and the CSV/LaTeX exports draw them."""

    name: str
    columns: list[dict[str, Any]]
    rows: list[dict[str, Any]] = field(default_factory=list)
    # AVAE's Table 1 only: per column, whether AVAE beats every baseline present ("yes", "no", or "—").
    avae_beats_baselines: list[str] = field(default_factory=list)

    def cells(self) -> list[Cell]:
        return [c for row in self.rows for c in row["cells"] if c is not None]


@dataclass
class Claim:
    """A claim of a paper and its verdict on this run's numbers."""

    key: str  # what gap notes name it by (gap_notes.yaml ``claims``)
    claim: str
    verdict: str
    evidence: str
    anchor: str

    @property
    def css(self) -> str:
        return {HOLDS: "holds", FAILS: "fails"}.get(self.verdict, "unknown")

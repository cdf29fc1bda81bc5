"""AVAE's reported values (``paper_values.csv``: each with its paper file, table, row and column) and
the mapping from this project's datasets to the paper's, where one stands in for another."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

PAPER_VALUES = Path(__file__).with_name("paper_values.csv")

# Datasets that replace a paper dataset offline; their paper values are context, not a target.
SUBSTITUTES = {"fsdd": "gsc"}


@dataclass(frozen=True)
class PaperValue:
    experiment: str
    method: str
    source: str
    target: str
    latent_dim: str
    metric: str
    value: float
    paper: str  # the file under ../shared/papers
    table: str
    row: str  # as the paper prints it
    column: str
    note: str = ""

    @property
    def reference(self) -> str:
        where = ", ".join(part for part in (self.table, f"row {self.row}" if self.row else "",
                                            f"column {self.column}" if self.column else "") if part)
        return f"shared/papers/{self.paper}, {where}" + (f" ({self.note})" if self.note else "")


def load_paper_values(path: Path = PAPER_VALUES) -> list[PaperValue]:
    with open(path, newline="") as fh:
        return [PaperValue(**{**row, "value": float(row["value"])}) for row in csv.DictReader(fh)]


def paper_dataset(name: str) -> str:
    """The paper's name for one of our datasets (GSC for both speech datasets)."""
    if name == "speech_commands":
        return "gsc"
    return SUBSTITUTES.get(name, name)


def is_substitute(name: str) -> bool:
    return name in SUBSTITUTES


def lookup(values: list[PaperValue], experiment: str, method: str, source: str, target: str = "",
           latent_dim: str = "") -> PaperValue | None:
    """The paper's value for a cell of ours, translating substitute datasets."""
    source, target = paper_dataset(source), paper_dataset(target) if target else ""
    for v in values:
        if (v.experiment, v.method, v.source, v.target) == (experiment, method, source, target) and (
            not latent_dim or not v.latent_dim or v.latent_dim == latent_dim
        ):
            return v
    return None


def value_of(ref: PaperValue | None) -> float | None:
    return ref.value if ref else None

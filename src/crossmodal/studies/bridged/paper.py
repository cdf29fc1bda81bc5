"""The Bridged VAE paper's reported values (``paper_values.csv``: each with its paper file, table,
row and column), in the AVAE study's format and read by its loader."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from crossmodal.studies.avae.paper import PaperValue

PAPER_VALUES = Path(__file__).with_name("paper_values.csv")


def paper_value(values: Sequence[PaperValue], selector: Mapping[str, str]) -> PaperValue | None:
    """The paper's value of the cell ``selector`` picks out (experiment, method, source, target, metric)."""
    for v in values:
        if all(getattr(v, key) == selector[key] for key in ("experiment", "method", "source", "metric")) and (
                selector.get("target", "") == v.target):
            return v
    return None

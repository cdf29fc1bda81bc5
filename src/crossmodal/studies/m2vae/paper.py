"""The M2VAE paper's reported values (``paper_values.csv``: each with its paper file, table or
caption, row and column), read with the shared loader of paper values."""

from __future__ import annotations

from pathlib import Path

from crossmodal.studies.avae.paper import PaperValue, load_paper_values

PAPER_VALUES = Path(__file__).with_name("paper_values.csv")


def paper_values() -> list[PaperValue]:
    return load_paper_values(PAPER_VALUES)


def paper_value(values: list[PaperValue], method: str, dataset: str, subset: str) -> PaperValue | None:
    """The paper's Eq. 12 ELBO of ``method`` on ``dataset`` under the encoders of ``subset``, if it prints one."""
    return next((v for v in values if (v.method, v.source, v.target) == (method, dataset, subset)), None)

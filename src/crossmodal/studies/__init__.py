"""The studies: one per paper this package reproduces. A study owns, in its own subpackage, the
``metrics.csv`` experiments it reads, the paper's values with their references, the paper's claims
with their verdict rules, and its page of the report.

The registry is discovered: every subpackage of ``crossmodal.studies`` that defines ``STUDY`` is a
study, so adding a paper adds a folder and edits no list here or in another study. Two studies
may not claim one experiment or one table name: the registry refuses to load them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from crossmodal.metrics import MetricRow
    from crossmodal.report.analysis import Table

# What a config runs when it names no studies (configs written before studies existed).
DEFAULT_STUDIES = ("avae",)


@dataclass(frozen=True)
class StudyPage:
    """A study's rendered page and what it leaves out (stated on the page and on the index)."""

    html: str
    omits: tuple[str, ...] = ()


@dataclass(frozen=True)
class Study:
    """One paper's reproduction, as the generic report sees it."""

    name: str  # the config's ``studies`` entry, the page's file name (``<name>.html``)
    title: str  # the paper, as the index names it
    paper_file: str  # its text under ../shared/papers (see that folder's README); "" for the package's own benchmark
    experiments: tuple[str, ...]  # the metrics.csv ``experiment`` values it owns
    table_captions: Mapping[str, str]  # its tables (``tables/<name>.csv``, ``.tex``) and their captions
    # The study's tables, computed from metrics.csv (its rows only) and the report settings.
    build_tables: Callable[[pd.DataFrame, Mapping[str, Any]], dict[str, Table]]
    # Its page: (its metrics rows, settings, report folder, page context) -> the page.
    render_page: Callable[..., StudyPage]
    # Other studies' experiments it reads beside its own (a study that compares with their methods).
    reads: tuple[str, ...] = ()
    # Its rows pooled over a run's seeds (seed column empty), computed again over every seed of the
    # combined report from the runs' figure data: (combined report folder, settings) -> the rows.
    # None: such rows combine only from a run that has every seed.
    pool_again: Callable[[Path, Mapping[str, Any]], list[MetricRow]] | None = None

    def own_rows(self, metrics: pd.DataFrame) -> pd.DataFrame:
        """Its rows of ``metrics``: its experiments' and those it reads."""
        return metrics[metrics["experiment"].isin(self.experiments + self.reads)]


class StudyError(ValueError):
    """The studies cannot be loaded or a config names one that does not exist."""


def _discover() -> dict[str, Study]:
    found: dict[str, Study] = {}
    for module in pkgutil.iter_modules(__path__):
        if not module.ispkg:
            continue
        study = getattr(importlib.import_module(f"{__name__}.{module.name}"), "STUDY", None)
        if isinstance(study, Study):
            found[study.name] = study
    return found


def check_disjoint(studies: Sequence[Study]) -> None:
    """Refuse two studies that claim one experiment or one table name."""
    for kind, names_of in (("experiment", lambda s: s.experiments), ("table", lambda s: tuple(s.table_captions))):
        owner: dict[str, str] = {}
        for study in studies:
            for name in names_of(study):
                if name in owner:
                    raise StudyError(f"studies {owner[name]!r} and {study.name!r} both claim the {kind} {name!r}")
                owner[name] = study.name


@cache
def registry() -> dict[str, Study]:
    """Every study of the package, by name."""
    studies = _discover()
    check_disjoint(list(studies.values()))
    return studies


def studies_of(settings: Mapping[str, Any]) -> list[Study]:
    """The studies a run's settings name (config key ``studies``), in their order."""
    names = settings.get("studies", list(DEFAULT_STUDIES))
    unknown = [name for name in names if name not in registry()]
    if unknown:
        raise StudyError(f"unknown studies {unknown}; known: {sorted(registry())}")
    return [registry()[name] for name in names]



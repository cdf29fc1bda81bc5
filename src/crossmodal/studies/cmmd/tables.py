"""The CMMD study's tables, computed from its rows of ``metrics.csv`` and the report settings; each
cell names the rows it aggregates. Paper values come from ``paper_values.csv``; where our data
substitutes the paper's (FSDD for SVHN), the paper's value is context, not a target."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crossmodal.methods import method_title
from crossmodal.report.analysis import Cell, Table, make_cell, mark_best, mean_std, select
from crossmodal.studies.avae.paper import PaperValue, load_paper_values
from crossmodal.studies.cmmd.names import EXPERIMENTS, tagged, untagged

PAPER_VALUES = Path(__file__).with_name("paper_values.csv")
# Our substitute datasets, by the paper's: FSDD stands in for SVHN.
PAPER_NAMES = {"fsdd": "svhn"}
MODALITY_TITLES = {"mnist": "M", "fsdd": "F", "svhn": "S", "text": "T", "rotated": "x_o", "noisy": "x_m"}
E1_BANDS = (1.0, 3.0)  # the target: within 1 point of the paper's error
CONTEXT_BANDS = (3.0, 10.0)


def paper_name(subset: str) -> str:
    return "+".join(PAPER_NAMES.get(name, name) for name in subset.split("+"))


def subset_title(subset: str) -> str:
    return ",".join(MODALITY_TITLES.get(name, name) for name in subset.split("+"))


def lookup(values: Sequence[PaperValue], experiment: str, method: str, metric: str, source: str = "",
           target: str = "") -> PaperValue | None:
    for v in values:
        if (v.experiment, v.method, v.metric, v.source, v.target) == (experiment, method, metric, source, target):
            return v
    return None


def cell(metrics: pd.DataFrame, selector: dict[str, str], paper: PaperValue | None, substitute: bool,
         bands: tuple[float, float] = CONTEXT_BANDS) -> Cell:
    anchor = "cmmd-" + "-".join(v.replace(":", "-").replace("=", "").replace("+", "-") for v in selector.values())
    made = make_cell(metrics, selector, paper.value if paper else None, substitute, anchor, bands)
    made.reference = paper.reference if paper else ""
    return made


def omega_values(metrics: pd.DataFrame) -> list[float]:
    """The omegas of CMMD's E1 rows, ascending."""
    rows = select(metrics, {"experiment": EXPERIMENTS["e1"], "method": "cmmd"})
    return sorted({untagged(m)[1]["omega"] for m in rows["metric"]})


def chosen_omega(metrics: pd.DataFrame) -> float | None:
    """The omega of the lowest mean validation error (the smallest of ties): chosen on validation."""
    scores = {}
    for omega in omega_values(metrics):
        mean, _ = mean_std(select(metrics, {"experiment": EXPERIMENTS["e1"], "method": "cmmd",
                                            "metric": tagged("val_error", omega=omega)})["value"])
        if mean is not None:
            scores[omega] = mean
    return min(scores, key=lambda omega: (scores[omega], omega)) if scores else None


def e1_table(metrics: pd.DataFrame, settings: Mapping[str, Any], paper: Sequence[PaperValue]) -> Table:
    e1 = EXPERIMENTS["e1"]
    table = Table("cmmde1", [{"title": "validation error"}, {"title": "test error"}])
    omega = chosen_omega(metrics)
    for method in [*settings["cmmd"]["e1"]["methods"], "cmmd"]:
        tags = {"omega": omega} if method == "cmmd" else {}
        if method == "cmmd" and omega is None:
            continue
        cells = [cell(metrics, {"experiment": e1, "method": method, "metric": tagged(f"{split}_error", **tags)},
                      lookup(paper, e1, method, f"{split}_error", "rotated"), False, E1_BANDS)
                 for split in ("val", "test")]
        title = method_title(method) + (f" (ω = {omega:g}, chosen on validation)" if tags else "")
        table.rows.append({"title": title, "method": method, "cells": cells})
    return table


def omega_table(metrics: pd.DataFrame) -> Table:
    e1 = EXPERIMENTS["e1"]
    table = Table("cmmdomega", [{"title": "validation error"}, {"title": "test error"}])
    for omega in omega_values(metrics):
        cells = [cell(metrics, {"experiment": e1, "method": "cmmd", "metric": tagged(f"{split}_error", omega=omega)},
                      None, False) for split in ("val", "test")]
        table.rows.append({"title": f"ω = {omega:g}", "omega": omega, "cells": cells})
    return table


def collapse_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    rows = select(metrics, {"experiment": EXPERIMENTS["collapse"]})
    epsilons = [float(e) for e in settings["cmmd"]["collapse"]["epsilons"]]
    table = Table("cmmdcollapse", [{"title": f"ε = {eps:g}", "eps": eps} for eps in epsilons])
    models = sorted({(r["method"], untagged(r["metric"])[1].get("omega", -1.0)) for _, r in rows.iterrows()})
    for method, omega in models:
        tags = {"omega": omega} if omega >= 0 else {}
        for kind in ("prior", "posterior", "prior_vs_posterior"):
            cells = [cell(metrics, {"experiment": EXPERIMENTS["collapse"], "method": method,
                                    "metric": tagged(f"collapsed_{kind}", eps=eps, **tags)}, None, False)
                     for eps in epsilons]
            title = method_title(method) + (f" ω = {omega:g}" if tags else "") + f": {kind.replace('_', ' ')}"
            table.rows.append({"title": title, "method": method, "omega": omega, "kind": kind, "cells": cells})
    return table


def substitute(settings: Mapping[str, Any]) -> bool:
    """Whether MNIST's partner stands in for the paper's SVHN."""
    return settings["cmmd"]["partner"] in PAPER_NAMES


def cross_table(metrics: pd.DataFrame, settings: Mapping[str, Any], paper: Sequence[PaperValue]) -> Table:
    experiment = EXPERIMENTS["cross"]
    observed = settings["cmmd"]["observed"]["paired"]
    target = next(name for name in (settings["cmmd"]["partner"], "mnist") if name != observed)
    table = Table("cmmdcross", [{"title": f"{MODALITY_TITLES[observed]} → {MODALITY_TITLES[target]}"}])
    for method in settings["cmmd"]["cross"]["methods"]:
        c = cell(metrics, {"experiment": experiment, "method": method, "source": observed, "target": target,
                           "metric": "accuracy"},
                 lookup(paper, experiment, method, "accuracy", observed, paper_name(target)), substitute(settings))
        table.rows.append({"title": method_title(method), "method": method, "cells": [c]})
    mark_best(table.cells())
    return table


def subsets_of(metrics: pd.DataFrame, experiment: str) -> list[tuple[str, str]]:
    """The (source subset, target) pairs of an experiment's rows, smallest subsets first."""
    rows = select(metrics, {"experiment": experiment})
    pairs = {(r["source"], r["target"]) for _, r in rows.iterrows()}
    return sorted(pairs, key=lambda p: (p[1], p[0].count("+"), p[0]))


def latent_table(metrics: pd.DataFrame, settings: Mapping[str, Any], paper: Sequence[PaperValue]) -> Table:
    experiment = EXPERIMENTS["latent"]
    subsets = [source for source, _ in subsets_of(metrics, experiment)]
    table = Table("cmmdlatent", [*({"title": subset_title(s)} for s in subsets), {"title": "mean over subsets"}])
    for method in settings["cmmd"]["coherence"]["methods"]:
        cells = [cell(metrics, {"experiment": experiment, "method": method, "source": s, "metric": "accuracy"}, None,
                      substitute(settings)) for s in subsets]
        # The paper's value is a mean over its 7 subsets and its CMMD's per-subset models: context only.
        cells.append(cell(metrics, {"experiment": experiment, "method": method, "metric": "accuracy"},
                          lookup(paper, experiment, method, "accuracy", "mean"), True))
        table.rows.append({"title": method_title(method), "method": method, "cells": cells})
    for column in range(len(table.columns)):
        mark_best([row["cells"][column] for row in table.rows])
    return table


def coherence_table(metrics: pd.DataFrame, settings: Mapping[str, Any], paper: Sequence[PaperValue]) -> Table:
    experiment = EXPERIMENTS["coherence"]
    pairs = subsets_of(metrics, experiment)
    table = Table("cmmdcoherence", [{"title": f"{MODALITY_TITLES.get(t, t)} from {subset_title(s)}", "source": s,
                                     "target": t} for s, t in pairs])
    for method in settings["cmmd"]["coherence"]["methods"]:
        cells = [cell(metrics, {"experiment": experiment, "method": method, "source": s, "target": t, "metric": "accuracy"},
                      lookup(paper, experiment, method, "accuracy", paper_name(s), paper_name(t)), substitute(settings))
                 for s, t in pairs]
        table.rows.append({"title": method_title(method), "method": method, "cells": cells})
    for column in range(len(table.columns)):
        mark_best([row["cells"][column] for row in table.rows])
    return table


def overhead_table(metrics: pd.DataFrame, paper: Sequence[PaperValue]) -> Table:
    experiment = EXPERIMENTS["overhead"]
    names = ("step_ms", "step_ms_elbo", "mmd_overhead_percent")
    table = Table("cmmdoverhead", [{"title": "ms per step"}, {"title": "ms per step at ω = 1"}, {"title": "overhead (%)"}])
    rows = select(metrics, {"experiment": experiment})
    for omega in sorted({untagged(m)[1]["omega"] for m in rows["metric"]}):
        cells = [cell(metrics, {"experiment": experiment, "method": "cmmd", "metric": tagged(name, omega=omega)},
                      lookup(paper, experiment, "cmmd", name), True) for name in names]
        table.rows.append({"title": f"CMMD ω = {omega:g}", "omega": omega, "cells": cells})
    return table


def build_tables(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Table]:
    paper = load_paper_values(PAPER_VALUES)
    return {"cmmde1": e1_table(metrics, settings, paper), "cmmdomega": omega_table(metrics),
            "cmmdcollapse": collapse_table(metrics, settings), "cmmdcross": cross_table(metrics, settings, paper),
            "cmmdlatent": latent_table(metrics, settings, paper),
            "cmmdcoherence": coherence_table(metrics, settings, paper), "cmmdoverhead": overhead_table(metrics, paper)}

"""The M2VAE study's tables, computed from its ``metrics.csv`` rows and the paper's values.

- ``m2table1``: Table 1, the Eq. 12 ELBO on e-MNIST of each model under each encoder subset, with
  the reconstruction term summed and averaged over the pixels (the paper's scale decides which is
  compared: :func:`paper_scale`);
- ``m2check``: Fig. 2's dataset check, JMVAE-kl's joint ELBO on e-MNIST and me-MNIST;
- ``m2latentmog`` / ``m2latentemnist``: k-NN accuracy per subset, the KL from the joint posterior
  to each unimodal one and (e-MNIST) the cross-modal accuracy;
- ``m2ambiguity``: MoG's ambiguous groups, the spread of their class centroids per subset;
- ``m2sweep``: Fig. 4's alpha-beta sweep of M2VAE on MoG.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from crossmodal.methods import method_title
from crossmodal.report.analysis import Cell, Table, delta_bands, make_cell, mark_best, mean_std, select
from crossmodal.studies.avae.paper import PaperValue
from crossmodal.studies.m2vae.generate import MOG_AMBIGUOUS
from crossmodal.studies.m2vae.paper import paper_value, paper_values

TABLE1_METHODS = ("m2vae", "tvae", "jmvae_zero")
SUBSETS = ("a+b", "a", "b")
UNIMODAL = ("a", "b")
REDUCTIONS = {"sum": "summed over pixels", "mean": "averaged over pixels"}
SUBSET_TITLES = {"a+b": "L_a,b", "a": "L_a", "b": "L_b"}


def _cell(metrics: pd.DataFrame, selector: dict[str, str], paper: PaperValue | None, anchor: str,
          bands: tuple[float, float]) -> Cell:
    cell = make_cell(metrics, selector, paper.value if paper else None, False, anchor, bands)
    cell.reference = paper.reference if paper else ""
    return cell


def paper_scale(metrics: pd.DataFrame, paper: list[PaperValue], methods: tuple[str, ...], datasets: tuple[str, ...],
                subsets: tuple[str, ...] = SUBSETS) -> str | None:
    """The reduction (``sum`` or ``mean``) whose ELBOs lie closest to the paper's on a log scale
    (mean of ``|log(|ours| / |paper|)|`` over the cells both have), or None without any."""
    distances: dict[str, float] = {}
    for reduction in REDUCTIONS:
        gaps = []
        for method in methods:
            for dataset in datasets:
                for subset in subsets:
                    ref = paper_value(paper, method, dataset, subset)
                    ours, _ = mean_std(select(metrics, {"experiment": "m2vae", "method": method, "source": dataset,
                                                        "target": subset, "metric": f"elbo_{reduction}"})["value"])
                    if ref is not None and ours is not None and ours != 0:
                        gaps.append(abs(math.log(abs(ours) / abs(ref.value))))
        if gaps:
            distances[reduction] = sum(gaps) / len(gaps)
    return min(distances, key=distances.__getitem__) if distances else None


def elbo_table(name: str, metrics: pd.DataFrame, paper: list[PaperValue], settings: Mapping[str, Any],
               rows: list[tuple[str, str]], subsets: tuple[str, ...], scale: str | None) -> Table:
    """Rows (method, dataset) × columns (subset, reduction); the paper's value beside the reduction
    on its scale (``scale``), the other column without it."""
    bands = delta_bands(settings)
    columns = [{"subset": s, "reduction": r, "title": f"{SUBSET_TITLES[s]} ({r})"} for s in subsets for r in REDUCTIONS]
    table = Table(name, columns)
    for method, dataset in rows:
        cells: list[Cell | None] = []
        for col in columns:
            selector = {"experiment": "m2vae", "method": method, "source": dataset, "target": col["subset"],
                        "metric": f"elbo_{col['reduction']}"}
            ref = paper_value(paper, method, dataset, col["subset"]) if col["reduction"] == scale else None
            cells.append(_cell(metrics, selector, ref, f"{name}-{method}-{dataset}-{col['subset']}-{col['reduction']}",
                               bands))
        table.rows.append({"title": f"{method_title(method)} ({dataset})", "method": method, "dataset": dataset,
                           "cells": cells})
    for i in range(len(columns)):
        mark_best([row["cells"][i] for row in table.rows])
    return table


def measure_table(name: str, metrics: pd.DataFrame, dataset: str, methods: list[str],
                  columns: list[dict[str, str]]) -> Table:
    """Rows: methods; columns: (metric, subset) pairs of the ``m2vae`` experiment on ``dataset``."""
    table = Table(name, columns)
    for method in methods:
        cells = [make_cell(metrics, {"experiment": "m2vae", "method": method, "source": dataset, "target": c["target"],
                                     "metric": c["metric"]}, None, False, f"{name}-{method}-{c['metric']}-{c['target']}",
                           (0.0, 0.0))
                 for c in columns]
        table.rows.append({"title": method_title(method), "method": method, "cells": cells})
    return table


def latent_columns(dataset: str) -> list[dict[str, str]]:
    columns = [{"metric": "knn_accuracy", "target": s, "title": f"k-NN acc. (%) {s}"} for s in SUBSETS]
    columns += [{"metric": "kl_to_joint", "target": s, "title": f"KL(q_ab ‖ q_{s})"} for s in UNIMODAL]
    if dataset == "emnist":
        columns += [{"metric": "cross_accuracy", "target": t, "title": f"cross acc. (%) {t}"} for t in ("a->b", "b->a")]
    return columns


def ambiguity_columns() -> list[dict[str, str]]:
    """Each ambiguous group (and the modality it is ambiguous in) under each subset."""
    return [{"metric": f"ambiguous_spread_{'-'.join(map(str, group))}", "target": s, "modality": modality,
             "title": f"classes {','.join(map(str, group))} ({modality}-ambiguous) under {s}"}
            for modality, groups in MOG_AMBIGUOUS.items() for group in groups for s in SUBSETS]


def sweep_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    sweep = settings["m2vae"]["sweep"]
    columns = [{"metric": "knn_accuracy", "subset": s, "title": f"k-NN acc. (%) {s}"} for s in SUBSETS]
    columns += [{"metric": "elbo_sum", "subset": s, "title": f"Eq. 12 {s}"} for s in SUBSETS]
    table = Table("m2sweep", columns)
    for alpha in sweep["alphas"]:
        for beta_norm in sweep["beta_norms"]:
            setting = f"alpha{alpha:g}_beta{beta_norm:g}"
            cells = [make_cell(metrics, {"experiment": "m2vae_sweep", "method": "m2vae", "source": "mog",
                                         "target": f"{c['subset']}@{setting}", "metric": c["metric"]}, None, False,
                               f"m2sweep-{setting}-{c['metric']}-{c['subset']}", (0.0, 0.0)) for c in columns]
            table.rows.append({"title": f"alpha = {alpha:g}, beta_norm = {beta_norm:g}", "alpha": alpha,
                               "beta_norm": beta_norm, "cells": cells})
    return table


def scales(metrics: pd.DataFrame, paper: list[PaperValue]) -> dict[str, str | None]:
    """The reduction on the paper's scale, for Table 1 and for Fig. 2's check (they may differ)."""
    return {"m2table1": paper_scale(metrics, paper, TABLE1_METHODS, ("emnist",)),
            "m2check": paper_scale(metrics, paper, ("jmvae_kl",), ("emnist", "me_mnist"), ("a+b",))}


def build_tables(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Table]:
    paper = paper_values()
    methods = [m for m in TABLE1_METHODS if m in settings["m2vae"]["methods"]]
    scale, check_scale = scales(metrics, paper).values()
    tables = {
        "m2table1": elbo_table("m2table1", metrics, paper, settings, [(m, "emnist") for m in methods], SUBSETS, scale),
        "m2check": elbo_table("m2check", metrics, paper, settings, [("jmvae_kl", d) for d in ("emnist", "me_mnist")],
                              ("a+b",), check_scale),
        "m2latentmog": measure_table("m2latentmog", metrics, "mog", methods, latent_columns("mog")),
        "m2latentemnist": measure_table("m2latentemnist", metrics, "emnist", methods, latent_columns("emnist")),
        "m2ambiguity": measure_table("m2ambiguity", metrics, "mog", methods, ambiguity_columns()),
        "m2sweep": sweep_table(metrics, settings),
    }
    return tables

"""AVAE's tables, computed from its ``metrics.csv`` rows and the paper's values: Table 1 (methods ×
scenarios), Table 2 (classifiers and VAE reconstructions), Table 3 (cascades), Figure 5 as numbers,
parameters and training time per method, and the validation sweeps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from crossmodal.methods import BASELINES as REGISTERED_BASELINES, method_title
from crossmodal.report.analysis import Cell, Table, dataset_title, delta_bands, make_cell, mark_best, select
from crossmodal.selection import SWEEP_EXPERIMENT, sweep_metric
from crossmodal.studies.avae.paper import PaperValue, is_substitute, load_paper_values, lookup, paper_dataset, value_of

# Table 1's rows in the paper's order: the five baselines, then ours and ours-flex. A method shows
# as soon as metrics.csv holds a row of it.
TABLE1_METHODS = ("vae", "vae_cg", "jmvae", "cva", "mvae", "avae", "avae_flex")
BASELINES = tuple(REGISTERED_BASELINES)
FIGURE5_METHODS = ("avae", *BASELINES)

def scenario_substitute(scenario: Mapping[str, Any]) -> bool:
    return bool(scenario.get("substitute_for")) or is_substitute(scenario["source"]) or is_substitute(scenario["target"])


def paper_column(source: str, target: str) -> str:
    s, t = paper_dataset(source), paper_dataset(target)
    return f"{dataset_title(s)} → {dataset_title(t)}"


def paper_cell(metrics: pd.DataFrame, selector: dict[str, str], ref: PaperValue | None, substitute: bool, anchor: str,
               bands: tuple[float, float]) -> Cell:
    """A cell of ours beside the paper's value, which names where the paper prints it."""
    cell = make_cell(metrics, selector, value_of(ref), substitute, anchor, bands)
    cell.reference = ref.reference if ref else ""
    return cell


def table1(metrics: pd.DataFrame, paper: list[PaperValue], settings: Mapping[str, Any]) -> Table:
    """Methods × scenarios, every method present in metrics.csv among :data:`TABLE1_METHODS`."""
    bands = delta_bands(settings)
    columns = [
        {"source": s["source"], "target": s["target"], "title": f"{dataset_title(s['source'])} → {dataset_title(s['target'])}",
         "paper_title": paper_column(s["source"], s["target"]), "substitute": scenario_substitute(s)}
        for s in settings["scenarios"]
    ]
    table = Table("table1", columns)
    present = set(metrics.loc[metrics["experiment"] == "table1", "method"])
    # The paper's methods in its order, then any other method that writes Table 1 rows.
    for method in [m for m in TABLE1_METHODS if m in present] + sorted(present - set(TABLE1_METHODS)):
        cells: list[Cell | None] = []
        for col in columns:
            selector = {"experiment": "table1", "method": method, "source": col["source"], "target": col["target"],
                        "paired_fraction": "1.0", "metric": "accuracy"}
            ref = lookup(paper, "table1", method, col["source"], col["target"])
            cell = paper_cell(metrics, selector, ref, col["substitute"],
                              f"t1-{method}-{col['source']}-{col['target']}", bands)
            # ours-flex exists only where a flex latent size applies; elsewhere the cell is not a gap.
            cells.append(None if method == "avae_flex" and cell.n == 0 else cell)
        table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    for i in range(len(columns)):
        mark_best([row["cells"][i] for row in table.rows if row["cells"][i] is not None])
    table.avae_beats_baselines = [avae_beats_baselines(table, i) for i in range(len(columns))]
    return table


def _column_means(table: Table, i: int, methods: Sequence[str]) -> list[float]:
    return [r["cells"][i].mean for r in table.rows
            if r["method"] in methods and r["cells"][i] is not None and r["cells"][i].mean is not None]


def avae_beats_baselines(table: Table, i: int) -> str:
    """Whether AVAE beats every baseline present in column ``i``: strictly, so a tie (every method
    at chance, say) is no win."""
    ours, others = _column_means(table, i, ("avae",)), _column_means(table, i, BASELINES)
    if not ours or not others:
        return "—"
    return "yes" if ours[0] > max(others) else "no"


def table2(metrics: pd.DataFrame, paper: list[PaperValue], settings: Mapping[str, Any]) -> Table:
    """Per dataset and latent size: the classifier on real test data and on VAE reconstructions."""
    bands = delta_bands(settings)
    table = Table("table2", [{"title": "Classifier"}, {"title": "VAE reconstruction"}])
    for dataset in settings["datasets"]:
        dims = sorted(set(select(metrics, {"experiment": "table2", "method": "vae", "source": dataset})["latent_dim"]),
                      key=int) or [str(settings["latent_dim"])]
        substitute = is_substitute(dataset)
        for i, dim in enumerate(dims):
            classifier = None
            if i == 0:  # the classifier does not depend on the latent size: shown once
                classifier = paper_cell(metrics, {"experiment": "table2", "method": "classifier", "source": dataset, "metric": "accuracy"},
                                        lookup(paper, "table2", "classifier", dataset), substitute,
                                        f"t2-classifier-{dataset}", bands)
            vae = paper_cell(metrics, {"experiment": "table2", "method": "vae", "source": dataset, "latent_dim": dim, "metric": "accuracy"},
                             lookup(paper, "table2", "vae", dataset, latent_dim=dim), substitute,
                             f"t2-vae-{dataset}-z{dim}", bands)
            title = dataset_title(dataset) + (f", z = {dim}" if len(dims) > 1 or dim != str(settings["latent_dim"]) else "")
            table.rows.append({"title": title, "dataset": dataset, "substitute": substitute, "cells": [classifier, vae]})
    for i in range(2):
        mark_best([row["cells"][i] for row in table.rows if row["cells"][i] is not None])
    return table


def table3(metrics: pd.DataFrame, paper: list[PaperValue], settings: Mapping[str, Any]) -> Table:
    """Cascaded association (source → … → target through two or more associators) against direct."""
    bands = delta_bands(settings)
    cascades = settings.get("experiments", {}).get("table3", {}).get("cascades", [])
    table = Table("table3", [{"title": "Direct"}, {"title": "Cascade"}])
    for path in cascades:
        source, target = path[0], path[-1]
        substitute = any(is_substitute(d) for d in path)
        cells = [
            paper_cell(metrics, {"experiment": "table3", "method": method, "source": source, "target": target, "metric": "accuracy"},
                       lookup(paper, "table3", method, source, target), substitute,
                       f"t3-{method}-{'-'.join(path)}", bands)
            for method in ("avae", "avae_cascade")
        ]
        table.rows.append({"title": " → ".join(dataset_title(d) for d in path), "path": list(path),
                           "substitute": substitute, "cells": cells})
    return table


def figure5_frame(metrics: pd.DataFrame) -> pd.DataFrame:
    """The semi-supervised sweep, tidy: method, source, target, paired_fraction, seed, accuracy."""
    rows = select(metrics, {"experiment": "figure5", "metric": "accuracy"})
    frame = rows[["method", "source", "target", "paired_fraction", "seed", "value"]].rename(columns={"value": "accuracy"})
    return frame.assign(paired_fraction=frame["paired_fraction"].astype(float)).sort_values(
        ["method", "paired_fraction", "seed"]).reset_index(drop=True)


def figure5_curves(metrics: pd.DataFrame) -> pd.DataFrame:
    """Figure 5 as one line per paired fraction and one column per method (mean over seeds), the
    shape ``dvc plots`` draws as one curve per method. Every method has its column, empty until
    its rows exist: dvc.yaml names them all, and DVC drops a whole plot when a named column is absent."""
    frame = figure5_frame(metrics)
    wide = frame.pivot_table(index="paired_fraction", columns="method", values="accuracy", aggfunc="mean")
    return wide.reindex(columns=list(FIGURE5_METHODS)).reset_index()


def figure5_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    """Figure 5's points as numbers: mean ± std per method and paired fraction."""
    rows = select(metrics, {"experiment": "figure5", "metric": "accuracy"})
    fractions = sorted(set(rows["paired_fraction"]), key=float, reverse=True)
    table = Table("figure5", [{"title": f"{float(f):g}", "fraction": f} for f in fractions])
    for method in sorted(set(rows["method"]), key=lambda m: (m not in BASELINES, m)):
        sources = sorted(set(select(rows, {"method": method})[["source", "target"]].itertuples(index=False)))
        for source, target in sources:
            cells = [make_cell(metrics, {"experiment": "figure5", "method": method, "source": source, "target": target,
                                         "paired_fraction": f, "metric": "accuracy"}, None, False,
                               f"f5-{method}-{source}-{target}-p{f}", delta_bands(settings))
                     for f in fractions]
            table.rows.append({"method": method, "title": f"{method_title(method)}, {dataset_title(source)} → {dataset_title(target)}",
                               "cells": [c if c.n else None for c in cells]})
    return table


def methods_table(metrics: pd.DataFrame) -> Table:
    """Trainable parameters and training seconds per method and scenario (``methods`` rows)."""
    rows = select(metrics, {"experiment": "methods"})
    # The two the baselines issue asks for first, then any other metric a method reports.
    known = {"trainable_parameters": "Trainable parameters", "train_seconds": "Training seconds"}
    names = [*known, *sorted(set(rows["metric"]) - set(known))]
    table = Table("methods", [{"title": known.get(m, m.replace("_", " ")), "metric": m} for m in names])
    keys = sorted(set(rows[["method", "source", "target", "paired_fraction", "latent_dim"]].itertuples(index=False)),
                  key=lambda k: (k[0] not in BASELINES, k))
    for method, source, target, fraction, dim in keys:
        base = {"experiment": "methods", "method": method, "source": source, "target": target,
                "paired_fraction": fraction, "latent_dim": dim}
        cells = []
        for col in table.columns:
            cell = make_cell(metrics, {**base, "metric": col["metric"]}, None, False,
                             f"m-{method}-{source}-{target}-p{fraction}-z{dim}-{col['metric']}", (0.0, 0.0))
            cell.digits = 0 if col["metric"] == "trainable_parameters" else 1
            cells.append(cell if cell.n else None)
        table.rows.append({"method": method, "title": method_title(method),
                           "scenario": f"{dataset_title(source)} → {dataset_title(target)}" if target else dataset_title(source),
                           "detail": f"p = {float(fraction):g}, z = {dim}" if fraction else f"z = {dim}", "cells": cells})
    return table


def sweeps_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    """Validation sweeps (config ``validation_sweeps``): one row per swept value, its validation
    accuracy over the sweep's seeds; the configured value is marked, the best of a sweep bold."""
    table = Table("sweeps", [{"title": "Validation accuracy", "metric": "validation_accuracy"}])
    for sweep in settings.get("validation_sweeps", []):
        method, source, target, param = sweep["method"], sweep["source"], sweep["target"], sweep["param"]
        cells = []
        for value in sweep["values"]:
            selector = {"experiment": SWEEP_EXPERIMENT, "method": method, "source": source, "target": target,
                        "metric": sweep_metric(param, value)}
            cell = make_cell(metrics, selector, None, False, sweep_anchor(sweep, value), (0.0, 0.0))
            cells.append(cell)
            table.rows.append({"title": f"{method_title(method)}, {dataset_title(source)} → {dataset_title(target)}, "
                                        f"{param} = {value:g}",
                               "sweep": sweep_anchor(sweep), "key": (method, source, target), "param": param,
                               "method": method_title(method),
                               "scenario": f"{dataset_title(source)} → {dataset_title(target)}",
                               "setting": f"{param} = {value:g}", "configured": float(value) == float(sweep["configured"]),
                               "why": sweep.get("why", ""), "cells": [cell]})
        mark_best(cells)
    return table


def sweep_anchor(sweep: Mapping[str, Any], value: float | None = None) -> str:
    base = f"sw-{sweep['method']}-{sweep['source']}-{sweep['target']}-{sweep['param']}"
    return base if value is None else f"{base}-{value:g}"


def sweep_verdict(rows: Sequence[Mapping[str, Any]]) -> str:
    """Whether the configured value is (among) the best of its sweep on validation. Over several
    seeds, a lead no larger than either value's seed std is called what it is: within the spread."""
    configured = [r["cells"][0] for r in rows if r["configured"]]
    if not configured or configured[0].mean is None or any(r["cells"][0].mean is None for r in rows):
        return "not complete"
    if configured[0].best:
        return "the configured value is the best of those tried"
    best = max((r["cells"][0] for r in rows), key=lambda cell: cell.mean)
    if best.n > 1 and configured[0].n > 1 and best.mean - configured[0].mean <= max(best.std or 0.0, configured[0].std or 0.0):
        return "another value scores higher, by less than the seed spread"
    return "another value beats the configured one"


def build_tables(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Table]:
    """Every AVAE table, in the order of :data:`crossmodal.studies.avae.TABLE_CAPTIONS`."""
    paper = load_paper_values()
    return {"table1": table1(metrics, paper, settings), "table2": table2(metrics, paper, settings),
            "table3": table3(metrics, paper, settings), "figure5": figure5_table(metrics, settings),
            "methods": methods_table(metrics), "sweeps": sweeps_table(metrics, settings)}

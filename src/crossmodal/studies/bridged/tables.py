"""The Bridged VAE study's tables, from its ``metrics.csv`` rows and the paper's values: Tables 1
and 2 (MNIST log-likelihoods, test and train), Table 4 (trimodal log-likelihoods and parameter
counts), label errors from q(z|x), and generation from labels (accuracy, diversity) with the
trimodal cross-generation."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from crossmodal.methods import method_title
from crossmodal.report.analysis import Cell, Table, dataset_title, delta_bands, make_cell, mark_best
from crossmodal.studies.avae.paper import PaperValue, load_paper_values
from crossmodal.studies.bridged.paper import PAPER_VALUES, paper_value

# Table 1's rows in the paper's order, then the methods it does not list.
TABLE_METHODS = ("bridged_vae", "bridged_joint", "bridged_jmvae", "telbo", "bridged_mvae", "bridged", "bivcca")
LABEL = "label"


def _cell(metrics: pd.DataFrame, selector: dict[str, str], paper: Sequence[PaperValue], bands: tuple[float, float],
          anchor: str, digits: int = 2) -> Cell:
    ref = paper_value(paper, selector)
    cell = make_cell(metrics, selector, ref.value if ref else None, False, anchor, bands)
    cell.reference, cell.digits = (ref.reference if ref else ""), digits
    return cell


def _methods(metrics: pd.DataFrame, experiment: str) -> list[str]:
    present = set(metrics.loc[metrics["experiment"] == experiment, "method"])
    return [m for m in TABLE_METHODS if m in present]


def add_method_rows(table: Table, methods: Sequence[str], cell_of: Callable[[str, dict[str, Any]], Cell | None]) -> None:
    """A row per method, its cell in each of the table's columns from ``cell_of(method, column)``."""
    for method in methods:
        table.rows.append({"method": method, "title": method_title(method),
                           "cells": [cell_of(method, col) for col in table.columns]})


def _selector(experiment: str, method: str, col: Mapping[str, str]) -> dict[str, str]:
    return {"experiment": experiment, "method": method, "source": col["source"], "target": col["target"],
            "metric": col["metric"]}


def _setting(settings: Mapping[str, Any], name: str) -> list[str]:
    return list(settings.get("bridged", {}).get("settings", {}).get(name, []))


def log_likelihood_table(name: str, experiment: str, metrics: pd.DataFrame, paper: Sequence[PaperValue],
                         settings: Mapping[str, Any], setting: str) -> Table:
    """Per image of the setting: log p(x) under q(z|every modality), under q(z|that image) and their difference."""
    bands = delta_bands(settings)
    modalities = _setting(settings, setting)
    joint = "+".join(modalities)
    columns = []
    for image in [m for m in modalities if m != LABEL]:
        title = dataset_title(image)
        columns += [{"title": f"{title}: q(z|all)", "source": joint, "target": image, "metric": "log_likelihood"},
                    {"title": f"{title}: q(z|{title})", "source": image, "target": image, "metric": "log_likelihood"},
                    {"title": f"{title}: difference", "source": "gap", "target": image, "metric": "log_likelihood_gap"}]
    table = Table(name, columns)

    def cell_of(method: str, col: dict[str, Any]) -> Cell | None:
        cell = _cell(metrics, _selector(experiment, method, col), paper, bands,
                     f"{name}-{method}-{col['source']}-{col['target']}")
        return cell if cell.n or cell.paper is not None else None

    add_method_rows(table, _methods(metrics, experiment), cell_of)
    for i, col in enumerate(columns):
        if col["metric"] == "log_likelihood":
            mark_best([row["cells"][i] for row in table.rows if row["cells"][i] is not None])
    return table


def parameters_table(metrics: pd.DataFrame, paper: Sequence[PaperValue], settings: Mapping[str, Any]) -> Table:
    bands = delta_bands(settings)
    columns = [{"title": f"parameters, {name}", "source": name} for name in ("bimodal", "trimodal")]
    table = Table("bridgedparameters", columns)
    add_method_rows(table, _methods(metrics, "bridged_parameters"), lambda method, col: _cell(
        metrics, {"experiment": "bridged_parameters", "method": method, "source": col["source"],
                  "metric": "trainable_parameters"}, paper, bands, f"params-{method}-{col['source']}", digits=0))
    return table


def per_method_table(name: str, experiment: str, columns: list[dict[str, str]], metrics: pd.DataFrame,
                     settings: Mapping[str, Any], digits: int = 2) -> Table:
    """Rows of methods, columns of (source, target, metric) selectors, no paper values (the paper has
    none for MNIST)."""
    bands = delta_bands(settings)
    table = Table(name, columns)

    def cell_of(method: str, col: dict[str, Any]) -> Cell | None:
        cell = make_cell(metrics, _selector(experiment, method, col), None, False,
                         f"{name}-{method}-{col['target']}-{col['metric']}", bands)
        cell.digits = digits
        return cell if cell.n else None

    add_method_rows(table, _methods(metrics, experiment), cell_of)
    return table


def build_tables(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Table]:
    paper = load_paper_values(PAPER_VALUES)
    bimodal, trimodal = _setting(settings, "bimodal"), _setting(settings, "trimodal")
    bimodal_image = bimodal[0] if bimodal else ""
    images = [m for m in trimodal if m != LABEL]
    return {
        "bridged1": log_likelihood_table("bridged1", "bridged_table1", metrics, paper, settings, "bimodal"),
        "bridged2": log_likelihood_table("bridged2", "bridged_table2", metrics, paper, settings, "bimodal"),
        "bridged4": log_likelihood_table("bridged4", "bridged_table4", metrics, paper, settings, "trimodal"),
        "bridgedparameters": parameters_table(metrics, paper, settings),
        "bridgedlabels": per_method_table("bridgedlabels", "bridged_labels", [
            {"title": "label errors from q(z|x)", "source": bimodal_image, "target": LABEL, "metric": "label_errors"},
            {"title": "test images", "source": bimodal_image, "target": LABEL, "metric": "test_images"}],
            metrics, settings, digits=0),
        "bridgedgeneration": per_method_table("bridgedgeneration", "bridged_generation", [
            {"title": "accuracy (%)", "source": LABEL, "target": bimodal_image, "metric": "accuracy"},
            {"title": "diversity", "source": LABEL, "target": bimodal_image, "metric": "diversity"}], metrics, settings),
        "bridgedcross": per_method_table("bridgedcross", "bridged_cross", [
            {"title": f"{dataset_title(s)} → {dataset_title(t)} accuracy (%)", "source": s, "target": t,
             "metric": "accuracy"} for s in images for t in images if s != t], metrics, settings),
    }

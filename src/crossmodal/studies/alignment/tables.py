"""The alignment study's tables, from its ``metrics.csv`` rows and AVAE Table 1's (no paper values:
the paper's results did not survive).

- ``aligntable``: accuracy per method (the alignment's, then the compared Table 1 methods) and scenario;
- ``aligncost``: trainable parameters and training seconds, the same rows, each scenario's mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from crossmodal.methods import method_title
from crossmodal.report.analysis import Cell, Table, dataset_title, make_cell, mark_best

EXPERIMENT = "alignment"
COST_METRICS = {"trainable_parameters": "Trainable parameters", "train_seconds": "Training seconds"}


def rows_of(settings: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(method, experiment of its accuracy rows, experiment of its cost rows) in the tables' order."""
    section = settings[EXPERIMENT]
    return ([(m, EXPERIMENT, EXPERIMENT) for m in section["methods"]]
            + [(m, "table1", "methods") for m in section["compare_with"]])


def scenario_columns(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"source": s["source"], "target": s["target"],
             "title": f"{dataset_title(s['source'])} → {dataset_title(s['target'])}"} for s in settings["scenarios"]]


def accuracy_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    columns = scenario_columns(settings)
    table = Table("aligntable", columns)
    for method, experiment, _ in rows_of(settings):
        cells: list[Cell | None] = []
        for col in columns:
            selector = {"experiment": experiment, "method": method, "source": col["source"], "target": col["target"],
                        "paired_fraction": "1.0", "metric": "accuracy"}
            cell = make_cell(metrics, selector, None, False, f"al-{method}-{col['source']}-{col['target']}", (0.0, 0.0))
            cells.append(cell if cell.n else None)
        table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    for i in range(len(columns)):
        mark_best([row["cells"][i] for row in table.rows if row["cells"][i] is not None])
    return table


def cost_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    """Per method, each cost metric per scenario (mean over seeds)."""
    columns = [{**col, "metric": metric, "title": f"{title}, {col['title']}"}
               for metric, title in COST_METRICS.items() for col in scenario_columns(settings)]
    table = Table("aligncost", columns)
    for method, _, experiment in rows_of(settings):
        cells: list[Cell | None] = []
        for col in columns:
            selector = {"experiment": experiment, "method": method, "source": col["source"], "target": col["target"],
                        "paired_fraction": "1.0", "metric": col["metric"]}
            cell = make_cell(metrics, selector, None, False,
                             f"ac-{method}-{col['source']}-{col['target']}-{col['metric']}", (0.0, 0.0))
            cell.digits = 0 if col["metric"] == "trainable_parameters" else 1
            cells.append(cell if cell.n else None)
        table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    return table


def build_tables(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Table]:
    return {"aligntable": accuracy_table(metrics, settings), "aligncost": cost_table(metrics, settings)}

"""The benchmark's tables and rankings, from ``metrics.csv`` and the report settings (its cells).

Exported tables (each cell names the metrics rows it aggregates):

- ``benchrank``: accuracy (%) per method and scenario at full pairing, mean ± std over seeds;
- ``benchci``: the paired bootstrap's 95% interval of each of those cells (``benchmark_intervals`` rows);
- ``benchcost``: trainable parameters and training seconds per method, each scenario's;
- ``benchfrac``: accuracy per method at each paired fraction of the fraction scenario;
- ``benchfraccost``: trainable parameters and training seconds there, per fraction.

The ranking is derived from ``benchrank``'s means: per scenario, the methods in order; over the
scenarios, the mean rank with a Friedman test and the Nemenyi critical difference (Demšar 2006).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from crossmodal.methods import method_title
from crossmodal.report.analysis import Cell, Table, dataset_title, make_cell, mark_best
from crossmodal.report.ranking import FriedmanResult, cliques, friedman_test, nemenyi_critical_difference, rank_matrix
from crossmodal.studies.benchmark.plan import COST_EXPERIMENT, INTERVALS, SECTION

COST_METRICS = {"trainable_parameters": "Trainable parameters", "train_seconds": "Training seconds"}
NO_BANDS = (0.0, 0.0)  # no paper values: nothing to colour


def section(settings: Mapping[str, Any]) -> Mapping[str, Any]:
    return settings[SECTION]


def fraction_text(fraction: float) -> str:
    return str(float(fraction))


def scenario_columns(settings: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ranked scenarios' columns (the section's scenarios; a record made before the benchmark
    chose among them ranks every configured scenario)."""
    ranked = section(settings).get("scenarios") or settings["scenarios"]
    return [{"source": s["source"], "target": s["target"],
             "title": f"{dataset_title(s['source'])} → {dataset_title(s['target'])}"
                      + (" †" if s.get("substitute_for") else "")} for s in ranked]


def find_cell(settings: Mapping[str, Any], method: str, source: str, target: str, fraction: float) -> Mapping[str, Any] | None:
    for cell in section(settings)["cells"]:
        if (cell["method"], cell["source"], cell["target"], float(cell["fraction"])) == (method, source, target,
                                                                                          float(fraction)):
            return cell
    return None


def metric_cell(metrics: pd.DataFrame, settings: Mapping[str, Any], method: str, source: str, target: str,
                fraction: float, metric: str, anchor: str) -> Cell | None:
    """The cell of one method's metric, from the experiment that holds the method's cell (accuracy)
    or its cost rows (parameters, seconds); None where the benchmark has no such cell or no rows."""
    found = find_cell(settings, method, source, target, fraction)
    if found is None:
        return None
    experiment = found["experiment"] if metric == "accuracy" else COST_EXPERIMENT[found["experiment"]]
    selector = {"experiment": experiment, "method": method, "source": source, "target": target,
                "paired_fraction": fraction_text(fraction), "latent_dim": str(settings["latent_dim"]), "metric": metric}
    cell = make_cell(metrics, selector, None, False, anchor, NO_BANDS)
    return cell if cell.n else None


def interval_cell(metrics: pd.DataFrame, method: str, source: str, target: str, fraction: float, metric: str,
                  anchor: str) -> Cell | None:
    selector = {"experiment": INTERVALS, "method": method, "source": source, "target": target,
                "paired_fraction": fraction_text(fraction), "metric": metric}
    cell = make_cell(metrics, selector, None, False, anchor, NO_BANDS)
    return cell if cell.n else None


def accuracy_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    columns = scenario_columns(settings)
    table = Table("benchrank", columns)
    for method in section(settings)["methods"]:
        cells = [metric_cell(metrics, settings, method, c["source"], c["target"], 1.0, "accuracy",
                             f"br-{method}-{c['source']}-{c['target']}") for c in columns]
        table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    for i in range(len(columns)):
        mark_best([row["cells"][i] for row in table.rows if row["cells"][i] is not None])
    return table


def interval_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    columns = [{**c, "metric": metric, "title": f"{c['title']}, 95% CI {end}"}
               for c in scenario_columns(settings) for metric, end in (("accuracy_ci_low", "low"),
                                                                       ("accuracy_ci_high", "high"))]
    table = Table("benchci", columns)
    for method in section(settings)["methods"]:
        cells = [interval_cell(metrics, method, c["source"], c["target"], 1.0, c["metric"],
                               f"bi-{method}-{c['source']}-{c['target']}-{c['metric']}") for c in columns]
        table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    return table


def cost_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    columns = [{**c, "metric": metric, "title": f"{title}, {c['title']}"}
               for metric, title in COST_METRICS.items() for c in scenario_columns(settings)]
    table = Table("benchcost", columns)
    for method in section(settings)["methods"]:
        cells = []
        for c in columns:
            cell = metric_cell(metrics, settings, method, c["source"], c["target"], 1.0, c["metric"],
                               f"bc-{method}-{c['source']}-{c['target']}-{c['metric']}")
            if cell is not None:
                cell.digits = 0 if c["metric"] == "trainable_parameters" else 1
            cells.append(cell)
        table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    return table


def fraction_table(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> Table:
    scenario = section(settings)["fraction_scenario"]
    fractions = sorted({1.0, *section(settings)["paired_fractions"]}, reverse=True) if scenario else []
    columns = [{"fraction": f, "title": f"{100 * f:g}% pairs"} for f in fractions]
    table = Table("benchfrac", columns)
    for method in section(settings)["methods"]:
        cells = [metric_cell(metrics, settings, method, scenario["source"], scenario["target"], c["fraction"],
                             "accuracy", f"bf-{method}-{c['fraction']}") for c in columns]
        if any(cell is not None for cell in cells):
            table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    for i in range(len(columns)):
        mark_best([row["cells"][i] for row in table.rows if row["cells"][i] is not None])
    return table


def fraction_cost_table(metrics: pd.DataFrame, settings: Mapping[str, Any], fractions: Table) -> Table:
    """What each method trains at each paired fraction of the fraction scenario."""
    scenario = section(settings)["fraction_scenario"]
    columns = [{**c, "metric": metric, "title": f"{title}, {c['title']}"}
               for metric, title in COST_METRICS.items() for c in fractions.columns]
    table = Table("benchfraccost", columns)
    for method in [row["method"] for row in fractions.rows]:
        cells = []
        for c in columns:
            cell = metric_cell(metrics, settings, method, scenario["source"], scenario["target"], c["fraction"],
                               c["metric"], f"bfc-{method}-{c['fraction']}-{c['metric']}")
            if cell is not None:
                cell.digits = 0 if c["metric"] == "trainable_parameters" else 1
            cells.append(cell)
        table.rows.append({"method": method, "title": method_title(method), "cells": cells})
    return table


def build_tables(metrics: pd.DataFrame, settings: Mapping[str, Any]) -> dict[str, Table]:
    fractions = fraction_table(metrics, settings)
    return {"benchrank": accuracy_table(metrics, settings), "benchci": interval_table(metrics, settings),
            "benchcost": cost_table(metrics, settings), "benchfrac": fractions,
            "benchfraccost": fraction_cost_table(metrics, settings, fractions)}


# --- the ranking ---------------------------------------------------------------------------------


@dataclass
class RankedRow:
    """One method in one scenario's ranking."""

    rank: int
    method: str
    title: str
    accuracy: Cell
    interval: tuple[Cell | None, Cell | None]
    below_best: tuple[Cell | None, Cell | None]  # (None, None) for the best itself
    seeds: Cell | None  # how many seeds the intervals pool

    @property
    def tied_with_best(self) -> bool:
        """Whether the paired interval of (best - this) reaches zero: the data cannot tell them apart."""
        low = self.below_best[0]
        return self.rank == 1 or (low is not None and low.mean is not None and low.mean <= 0.0)


@dataclass
class Ranking:
    """Every scenario's ranking, and the ranking over scenarios."""

    scenarios: list[dict[str, Any]] = field(default_factory=list)  # column, point, rows: list[RankedRow]
    fractions: list[dict[str, Any]] = field(default_factory=list)  # the same, per paired fraction
    mean_ranks: dict[str, float] = field(default_factory=dict)
    friedman: FriedmanResult | None = None
    critical_difference: float | None = None
    groups: list[tuple[str, ...]] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # methods without a cell in every scenario
    alpha: float = 0.05


def column_points(table: Table, section_: Mapping[str, Any]) -> list[tuple[str, str, float]]:
    """(source, target, fraction) of each column of ``benchrank`` (scenarios) or ``benchfrac`` (fractions)."""
    if table.name == "benchfrac":
        scenario = section_["fraction_scenario"]
        return [(scenario["source"], scenario["target"], c["fraction"]) for c in table.columns]
    return [(c["source"], c["target"], 1.0) for c in table.columns]


def rankings_of(metrics: pd.DataFrame, table: Table, points: list[tuple[str, str, float]]) -> list[dict[str, Any]]:
    """Per column of ``table``: its methods in order of mean accuracy, with their intervals."""
    found = []
    for i, (column, point) in enumerate(zip(table.columns, points)):
        measured = [(row, row["cells"][i]) for row in table.rows if row["cells"][i] is not None]
        measured.sort(key=lambda pair: -pair[1].mean)
        rows = []
        for rank, (row, cell) in enumerate(measured, start=1):
            method = row["method"]

            def interval(metric: str, prefix: str, method: str = method) -> Cell | None:
                anchor = f"{prefix}-{method}-{point[0]}-{point[1]}-{point[2]}-{metric}"
                cell = interval_cell(metrics, method, *point, metric, anchor)
                if cell is not None and metric == "seeds":
                    cell.digits = 0
                return cell

            rows.append(RankedRow(rank, method, row["title"], cell,
                                  (interval("accuracy_ci_low", "bi"), interval("accuracy_ci_high", "bi")),
                                  (interval("below_best_ci_low", "bb"), interval("below_best_ci_high", "bb")),
                                  interval("seeds", "bs")))
        found.append({"column": column, "point": point, "rows": rows})
    return found


def score_matrix(table: Table) -> tuple[pd.DataFrame, list[str]]:
    """Mean accuracy per scenario (rows) and method (columns), of the methods measured everywhere."""
    complete = [row for row in table.rows if all(cell is not None for cell in row["cells"])]
    left_out = [row["method"] for row in table.rows if row not in complete]
    scores = pd.DataFrame({row["method"]: [cell.mean for cell in row["cells"]] for row in complete},
                          index=[f"{c['source']}->{c['target']}" for c in table.columns])
    return scores, left_out


def ranking(metrics: pd.DataFrame, settings: Mapping[str, Any], tables: Mapping[str, Table] | None = None) -> Ranking:
    tables = tables or build_tables(metrics, settings)
    alpha = float(section(settings)["alpha"])
    rank, frac = tables["benchrank"], tables["benchfrac"]
    result = Ranking(scenarios=rankings_of(metrics, rank, column_points(rank, section(settings))),
                     fractions=rankings_of(metrics, frac, column_points(frac, section(settings))), alpha=alpha)
    scores, result.left_out = score_matrix(tables["benchrank"])
    if scores.shape[1] < 2 or scores.shape[0] < 2:
        return result
    ranks = rank_matrix(scores)
    result.mean_ranks = dict(sorted(ranks.mean(axis=0).items(), key=lambda item: item[1]))
    result.friedman = friedman_test(ranks)
    result.critical_difference = nemenyi_critical_difference(scores.shape[1], scores.shape[0], alpha)
    result.groups = cliques(result.mean_ranks, result.critical_difference)
    return result


def mean_over(table: Table, method: str) -> float | None:
    """A method's row mean over the table's columns (None unless every column has a value)."""
    row = next((r for r in table.rows if r["method"] == method), None)
    if row is None or any(c is None or c.mean is None for c in row["cells"]):
        return None
    return sum(c.mean for c in row["cells"]) / len(row["cells"])


def cost_points(tables: Mapping[str, Table], metric: str) -> dict[str, tuple[float, float]]:
    """Per method measured everywhere: (its mean cost over the scenarios, its mean accuracy)."""
    cost = tables["benchcost"]
    metric_columns = [i for i, c in enumerate(cost.columns) if c["metric"] == metric]
    points = {}
    for row in cost.rows:
        values = [row["cells"][i] for i in metric_columns]
        accuracy = mean_over(tables["benchrank"], row["method"])
        if accuracy is not None and all(v is not None for v in values):
            points[row["method"]] = (sum(v.mean for v in values) / len(values), accuracy)
    return points


def titles(methods: Sequence[str]) -> dict[str, str]:
    return {m: method_title(m) for m in methods}
